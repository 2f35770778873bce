"""The 24 hours (domain §8 rule 2, L6313-4): what the mutation run of the budget found untested.

The séance being changed left out of the check (``sauf``), the name of what asks for the time
in the refusal, the refusal without a field (``champ=None``, programmes) and its code, the count
in one query, and a programme template's counted minutes. See tests/MUTATION.md.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from beneficiaires.budget import Demande, est_compte, etapes_minutes_comptees, heures_du_plan
from beneficiaires.models import Phase, StatutBilan, TypeSeance
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.selectors.seances import bilan_minutes_comptees
from seances.services import seances as services
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db
DEMAIN = timezone.now() + dt.timedelta(days=1)


def _bilan(world):
    return bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)


def _seance(world, bilan, *, minutes, type="entretien"):
    with tenant_context(world.org_a):
        return Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase=Phase.PRELIMINAIRE,
            type=type,
            intitule="Séance",
            debut=DEMAIN,
            duree_minutes=minutes,
            # Guided personal work is done en autonomie (database CHECK).
            modalite="autonomie" if type == TypeSeance.TRAVAIL_PERSONNEL else "telephone",
            consultant=world.consultant_a,
        )


def test_regle_02_changing_a_seance_leaves_its_own_time_out_of_the_check(world):
    """23 h counted, of which the séance being changed holds 1 h: taking it to 2 h asks 24 h in
    all and passes; counting it twice (25 h) would refuse. 3 h for it (25 h) is refused."""
    bilan = _bilan(world)
    for _ in range(2):
        _seance(world, bilan, minutes=480)
    _seance(world, bilan, minutes=360)
    changee = _seance(world, bilan, minutes=60)
    with tenant_context(world.org_a):
        assert bilan_minutes_comptees(bilan=bilan) == 23 * 60
        services.budget_verifier(bilan=bilan, demande_minutes=120, sauf=changee)
        with pytest.raises(ValidationError) as refus:
            services.budget_verifier(bilan=bilan, demande_minutes=180, sauf=changee)
    assert refus.value.message_dict == {
        "duree_minutes": [
            "Le bilan ne peut pas dépasser 24 heures (L6313-4) : il reste 2 h, "
            "et cette séance en demande 3 h."
        ]
    }


def test_regle_02_the_refusal_names_what_asks_for_the_time_and_has_no_field_when_told(world):
    """A programme applied to a bilan (``champ=None``): one message for the whole form, naming
    "ce planning", with the code ``depassement_24h``; nothing at a field."""
    bilan = _bilan(world)
    for _ in range(3):
        _seance(world, bilan, minutes=450)  # 22 h 30
    with tenant_context(world.org_a), pytest.raises(ValidationError) as refus:
        services.budget_verifier(
            bilan=bilan, demande_minutes=120, demande=Demande.PLANNING, champ=None
        )
    assert not hasattr(refus.value, "error_dict")
    assert refus.value.code == "depassement_24h"
    assert refus.value.messages == [
        "Le bilan ne peut pas dépasser 24 heures (L6313-4) : il reste 1 h 30, "
        "et ce planning en demande 2 h."
    ]


def test_regle_02_the_refusal_at_a_named_field(world):
    bilan = _bilan(world)
    _seance(world, bilan, minutes=480)
    _seance(world, bilan, minutes=480)
    _seance(world, bilan, minutes=480)
    with tenant_context(world.org_a), pytest.raises(ValidationError) as refus:
        services.budget_verifier(
            bilan=bilan, demande_minutes=30, demande=Demande.TRAVAIL, champ="duree"
        )
    assert refus.value.message_dict == {
        "duree": [
            "Le bilan ne peut pas dépasser 24 heures (L6313-4) : il reste 0 min, "
            "et ce travail en demande 30 min."
        ]
    }


def test_the_count_reads_the_seances_in_one_query(world, django_assert_num_queries):
    """Planned 60 min realised in 75, planned 90: 165 min, read in one query (no deferred
    field fetched séance by séance)."""
    bilan = _bilan(world)
    realisee = _seance(world, bilan, minutes=60)
    _seance(world, bilan, minutes=90, type=TypeSeance.TRAVAIL_PERSONNEL)
    with tenant_context(world.org_a):
        Seance.objects.filter(pk=realisee.pk).update(
            statut=Seance.Statut.REALISEE, duree_realisee_minutes=75
        )
        with django_assert_num_queries(1):
            assert bilan_minutes_comptees(bilan=bilan) == 165


def test_regle_02_a_programme_templates_counted_minutes():
    """Every séance type counts (accompaniment and guided personal work); an unknown type
    does not."""
    etapes = [
        {"type": TypeSeance.ENTRETIEN, "duree_minutes": 90},
        {"type": TypeSeance.TRAVAIL_PERSONNEL, "duree_minutes": "120"},
        {"type": TypeSeance.RESTITUTION, "duree_minutes": 60},
        {"type": "entretien_prealable", "duree_minutes": 45},
    ]
    assert etapes_minutes_comptees(etapes=etapes) == 270
    assert est_compte(type_seance=TypeSeance.QUESTIONNAIRE)
    assert not est_compte(type_seance="entretien_prealable")


def test_the_plans_hours_add_each_kind_and_skip_a_type_that_does_not_count():
    """A type outside the 24 hours adds nothing and does not stop the count; several personal
    works add up (to the hundredth of an hour, half up)."""
    assert heures_du_plan(
        minutes_par_type=[
            ("inconnu", 600),
            (TypeSeance.ENTRETIEN, 90),
            (TypeSeance.TRAVAIL_PERSONNEL, 30),
            (TypeSeance.RESTITUTION, 1),
            (TypeSeance.TRAVAIL_PERSONNEL, 45),
        ]
    ) == (Decimal("1.52"), Decimal("1.25"))
