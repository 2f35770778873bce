"""The 24 hours (domain §8 rule 2, L6313-4): which layer refuses the 25th hour.

The service (``budget_verifier``) refuses before anything is written; the database (trigger +
CHECK ``bilan_24_heures_au_plus``) refuses when the service is bypassed; and when a concurrent
plan commits between the service's check and its save, ``seance_enregistrer_sous_budget``
turns the database's refusal into the French message at the field.
"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from beneficiaires.models import Bilan, Phase, StatutBilan
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.selectors.seances import bilan_minutes_comptees
from seances.services import seances as services
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db
DEMAIN = timezone.now() + dt.timedelta(days=1)
REFUS_UNE_HEURE = (
    "Le bilan ne peut pas dépasser 24 heures (L6313-4) : il reste 0 min, "
    "et cette séance en demande 1 h."
)


def _bilan(world):
    return bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)


def _planifier(world, bilan, *, minutes):
    with tenant_context(world.org_a):
        return services.seance_planifier(
            bilan=bilan,
            phase=Phase.PRELIMINAIRE,
            type="entretien",
            intitule="Entretien",
            debut=DEMAIN,
            duree_minutes=minutes,
            modalite="telephone",
        )


def _seance(world, bilan, *, minutes, intitule="En douce"):
    return Seance(
        organisation=world.org_a,
        bilan=bilan,
        phase=Phase.PRELIMINAIRE,
        type="entretien",
        intitule=intitule,
        debut=DEMAIN,
        duree_minutes=minutes,
        modalite="telephone",
        consultant=world.consultant_a,
    )


def _compte(world, bilan) -> int:
    with tenant_context(world.org_a):
        return Bilan.objects.get(pk=bilan.pk).minutes_comptees


def _inserts_de_seances(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "seances_seance"')]


def test_regle_02_the_service_refuses_the_25th_hour_before_the_database_is_reached(world):
    bilan = _bilan(world)
    for _ in range(2):
        _planifier(world, bilan, minutes=480)
    with CaptureQueriesContext(connection) as accepte:
        _planifier(world, bilan, minutes=480)
    # The detector sees an accepted plan's INSERT...
    assert len(_inserts_de_seances(accepte.captured_queries)) == 1
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refus:
        _planifier(world, bilan, minutes=60)
    assert refus.value.message_dict == {"duree_minutes": [REFUS_UNE_HEURE]}
    # ...and the refused one never reached the séances table: the service said no first.
    assert queries.captured_queries, "the service read the bilan and its séances"
    assert _inserts_de_seances(queries.captured_queries) == []
    with tenant_context(world.org_a):
        assert Seance.objects.filter(bilan=bilan).count() == 3
    assert _compte(world, bilan) == 24 * 60


def test_regle_02_the_database_refuses_the_25th_hour_when_the_service_is_bypassed(world):
    """As the application role, a plain ``save()`` (no ``budget_verifier``): the CHECK
    ``bilan_24_heures_au_plus`` refuses it (check violation), nothing is written."""
    bilan = _bilan(world)
    for _ in range(3):
        _planifier(world, bilan, minutes=480)
    with (
        tenant_context(world.org_a),
        pytest.raises(IntegrityError) as refus,
        transaction.atomic(),
    ):
        _seance(world, bilan, minutes=15).save()
    cause = refus.value.__cause__
    assert cause.sqlstate == "23514"  # check_violation, not any other integrity error
    assert cause.diag.constraint_name == "bilan_24_heures_au_plus"
    with tenant_context(world.org_a):
        assert Seance.objects.filter(bilan=bilan).count() == 3
    assert _compte(world, bilan) == 24 * 60


def _inserer_dans_un_autre_fil(world, bilan, *, minutes):
    """A concurrent plan, committed on its own connection before this returns."""
    erreurs: list[BaseException] = []

    def inserer():
        try:
            with tenant_context(world.org_a):
                _seance(world, bilan, minutes=minutes, intitule="Concurrente").save()
        except BaseException as erreur:  # noqa: BLE001 - re-raised below
            erreurs.append(erreur)
        finally:
            connection.close()

    fil = threading.Thread(target=inserer)
    fil.start()
    fil.join(timeout=20)
    assert not fil.is_alive()
    assert erreurs == []


@pytest.mark.django_db(transaction=True)
def test_regle_02_a_plan_committed_between_check_and_save_gets_the_french_message(world):
    """The service's two steps as ``seance_planifier`` runs them, with a concurrent plan
    committed between them: the check passed (23 h + 1 h), the database refuses the save, and
    the handler answers in French at ``duree_minutes`` with the time left recounted."""
    bilan = _bilan(world)
    for _ in range(2):
        _planifier(world, bilan, minutes=480)
    _planifier(world, bilan, minutes=420)  # 23 h: one hour left
    nouvelle = _seance(world, bilan, minutes=60)
    with tenant_context(world.org_a):
        services.budget_verifier(bilan=bilan, demande_minutes=60)  # passes
    _inserer_dans_un_autre_fil(world, bilan, minutes=60)  # the last hour, taken meanwhile
    with tenant_context(world.org_a), pytest.raises(ValidationError) as refus:
        services.seance_enregistrer_sous_budget(seance=nouvelle, bilan=bilan)
    assert refus.value.message_dict == {"duree_minutes": [REFUS_UNE_HEURE]}
    with tenant_context(world.org_a):
        assert list(
            Seance.objects.filter(bilan=bilan).order_by("pk").values_list("intitule", flat=True)
        ) == ["Entretien", "Entretien", "Entretien", "Concurrente"]
    assert _compte(world, bilan) == 24 * 60


@pytest.mark.django_db(transaction=True)
def test_regle_02_a_lengthened_seance_refused_by_the_database_leaves_itself_out_of_the_count(
    world,
):
    """An edit (the séance already saved) refused by the database after a concurrent plan:
    the message's time left leaves the séance itself out (``sauf``) — 30 min left, 1 h asked."""
    bilan = _bilan(world)
    for _ in range(2):
        _planifier(world, bilan, minutes=480)
    _planifier(world, bilan, minutes=390)
    modifiee = _planifier(world, bilan, minutes=30)  # 23 h counted
    modifiee.duree_minutes = 60
    with tenant_context(world.org_a):
        services.budget_verifier(bilan=bilan, demande_minutes=60, sauf=modifiee)  # passes
    _inserer_dans_un_autre_fil(world, bilan, minutes=60)  # 24 h counted, its 30 min included
    with tenant_context(world.org_a), pytest.raises(ValidationError) as refus:
        services.seance_enregistrer_sous_budget(seance=modifiee, bilan=bilan)
    assert refus.value.message_dict == {
        "duree_minutes": [
            "Le bilan ne peut pas dépasser 24 heures (L6313-4) : il reste 30 min, "
            "et cette séance en demande 1 h."
        ]
    }
    with tenant_context(world.org_a):
        assert Seance.objects.get(pk=modifiee.pk).duree_minutes == 30
        assert bilan_minutes_comptees(bilan=bilan) == 24 * 60
    assert _compte(world, bilan) == 24 * 60


def test_regle_02_another_integrity_error_is_not_dressed_as_the_24_hours(world):
    """Only the 24-hour CHECK becomes the 24-hour message: another refusal by the database
    (here a one-minute séance, ``seance_duree_raisonnable``) goes up as it is."""
    bilan = _bilan(world)
    with (
        tenant_context(world.org_a),
        pytest.raises(IntegrityError, match="seance_duree_raisonnable"),
        transaction.atomic(),
    ):
        services.seance_enregistrer_sous_budget(
            seance=_seance(world, bilan, minutes=1), bilan=bilan
        )
    assert _compte(world, bilan) == 0


def test_regle_02_the_count_leaves_out_the_seance_being_changed_and_other_bilans(world):
    bilan = _bilan(world)
    autre = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    changee = _planifier(world, bilan, minutes=90)
    _planifier(world, bilan, minutes=45)
    _planifier(world, autre, minutes=480)  # another bilan's time is not this one's
    with tenant_context(world.org_a):
        assert bilan_minutes_comptees(bilan=bilan) == 135
        assert bilan_minutes_comptees(bilan=bilan, sauf=changee) == 45
        assert bilan_minutes_comptees(bilan=autre) == 480
        # A séance not yet saved leaves nothing out.
        assert bilan_minutes_comptees(bilan=bilan, sauf=_seance(world, bilan, minutes=30)) == 135
