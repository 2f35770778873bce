"""Phase gates and closing (domain §8 rules 01, 06 and 13, R6313-4): the refusals the mutation
run of ``seances/services/phases.py`` and ``syntheses/services/cloture.py`` needs, each with its
full French message and nothing written. See tests/MUTATION.md.
"""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from beneficiaires.models import Bilan, BilanEvenement, Phase, StatutBilan
from bilan.core.form_errors import RefusAvecLiens
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.services import phases
from syntheses.models import Synthese
from syntheses.services.cloture import bilan_clore
from tests.factories.bilans import bilan_for, bilan_pret_a_clore

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _seance(world, bilan, *, phase, type="entretien", statut=Seance.Statut.REALISEE):
    with tenant_context(world.org_a):
        return Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase=phase,
            type=type,
            intitule="Séance",
            debut=timezone.now(),
            duree_minutes=60,
            modalite="autonomie" if type == "travail_personnel" else "presentiel",
            statut=statut,
        )


def _changer(world, bilan, vers, motif="Étape suivante"):
    with tenant_context(world.org_a):
        return phases.bilan_changer_phase(
            bilan=bilan, vers=vers, motif=motif, par=world.consultant_a
        )


def _refus(world, bilan, vers, motif="Étape suivante"):
    with pytest.raises(ValidationError) as refus:
        _changer(world, bilan, vers, motif)
    return refus.value


def _inchange(world, bilan, phase):
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).phase == phase
        assert not BilanEvenement.objects.filter(bilan=bilan, vers__in=list(Phase)).exists()


@pytest.mark.parametrize("statut", [StatutBilan.ATTENTE, StatutBilan.SYNTHESE_REMISE])
def test_regle_01_only_a_bilan_under_way_changes_phase(world, statut):
    bilan = bilan_for(world.beneficiaire_a, statut=statut, phase=Phase.PRELIMINAIRE)
    _seance(world, bilan, phase=Phase.PRELIMINAIRE)
    refus = _refus(world, bilan, Phase.INVESTIGATION)
    assert refus.messages == ["Seul un bilan en cours change de phase."]
    _inchange(world, bilan, Phase.PRELIMINAIRE)


@pytest.mark.parametrize("vers", [Phase.PRELIMINAIRE, Phase.INVESTIGATION, "", "suivi"])
def test_regle_01_a_phase_never_goes_back_nor_stays_nor_is_unknown(world, vers):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.INVESTIGATION)
    _seance(world, bilan, phase=Phase.INVESTIGATION)
    refus = _refus(world, bilan, vers)
    assert refus.messages == ["Les trois phases se suivent dans l'ordre, sans en sauter."]
    _inchange(world, bilan, Phase.INVESTIGATION)


def test_regle_01_the_change_needs_a_reason_and_a_realised_seance_of_the_current_phase(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    refus = _refus(world, bilan, Phase.INVESTIGATION, motif="  ")
    assert refus.message_dict == {"motif": ["Indiquez pourquoi la phase change."]}
    # A realised séance of another phase, or a planned one of this phase, is not enough.
    _seance(world, bilan, phase=Phase.INVESTIGATION)
    _seance(world, bilan, phase=Phase.PRELIMINAIRE, statut=Seance.Statut.PLANIFIEE)
    refus = _refus(world, bilan, Phase.INVESTIGATION)
    assert refus.messages == ["La phase en cours n'a encore aucune séance réalisée (R6313-4)."]
    _inchange(world, bilan, Phase.PRELIMINAIRE)
    _seance(world, bilan, phase=Phase.PRELIMINAIRE)
    assert _changer(world, bilan, Phase.INVESTIGATION, "Demande clarifiée").phase == (
        Phase.INVESTIGATION
    )
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).phase == Phase.INVESTIGATION
        evenement = BilanEvenement.objects.get(bilan=bilan, vers=Phase.INVESTIGATION)
    assert (evenement.de, evenement.par_id, evenement.motif, evenement.organisation_id) == (
        Phase.PRELIMINAIRE,
        world.consultant_a.pk,
        "Demande clarifiée",
        world.org_a.pk,
    )


def test_regle_06_the_conclusion_starts_with_an_individual_interview_planned_in_it(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.INVESTIGATION)
    _seance(world, bilan, phase=Phase.INVESTIGATION)
    # Personal work, a cancelled interview, an interview of another phase: none counts.
    _seance(world, bilan, phase=Phase.CONCLUSION, type="travail_personnel", statut="planifiee")
    _seance(world, bilan, phase=Phase.CONCLUSION, statut=Seance.Statut.ANNULEE)
    _seance(world, bilan, phase=Phase.INVESTIGATION, statut=Seance.Statut.PLANIFIEE)
    refus = _refus(world, bilan, Phase.CONCLUSION)
    assert refus.messages == [
        "Planifiez d'abord au moins un entretien individuel en phase de conclusion (R6313-4)."
    ]
    _inchange(world, bilan, Phase.INVESTIGATION)
    # A planned restitution in the conclusion phase is enough.
    _seance(world, bilan, phase=Phase.CONCLUSION, type="restitution", statut="planifiee")
    assert _changer(world, bilan, Phase.CONCLUSION).phase == Phase.CONCLUSION


@pytest.mark.parametrize(
    ("statut", "phase"),
    [
        (StatutBilan.EN_COURS, Phase.INVESTIGATION),
        (StatutBilan.SYNTHESE_REMISE, Phase.CONCLUSION),
        (StatutBilan.ATTENTE, Phase.CONCLUSION),
    ],
)
def test_regle_06_the_synthese_is_handed_over_during_the_conclusion_only(world, statut, phase):
    bilan = bilan_for(world.beneficiaire_a, statut=statut, phase=phase)
    _seance(world, bilan, phase=Phase.CONCLUSION)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as refus:
            phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
        assert refus.value.messages == ["La synthèse se remet pendant la phase de conclusion."]
        assert Bilan.objects.get(pk=bilan.pk).statut == statut


def test_regle_06_a_planned_interview_is_not_enough_to_hand_over(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    _seance(world, bilan, phase=Phase.CONCLUSION, statut=Seance.Statut.PLANIFIEE)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as refus:
            phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
        assert refus.value.messages == [
            "La conclusion passe par au moins un entretien individuel réalisé (R6313-4)."
        ]
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.EN_COURS
    _seance(world, bilan, phase=Phase.CONCLUSION)
    with tenant_context(world.org_a):
        phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.SYNTHESE_REMISE


@pytest.mark.parametrize(
    ("statut", "libelle"),
    [(StatutBilan.CLOS, "clos"), (StatutBilan.ABANDONNE, "abandonné")],
)
def test_regle_13_a_finished_bilan_is_not_closed_again(world, statut, libelle):
    bilan = bilan_pret_a_clore(world.beneficiaire_a)
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(statut=statut)
        bilan.refresh_from_db()
        with pytest.raises(ValidationError) as refus:
            bilan_clore(
                bilan=bilan, par=world.consultant_a, fin=dt.date(2026, 3, 4), aujourdhui=None
            )
        assert refus.value.messages == [f"Ce bilan est déjà terminé ({libelle})."]
        assert Bilan.objects.get(pk=bilan.pk).date_fin_reelle is None


def test_regle_13_closing_names_the_missing_interview_and_the_unsigned_synthese(world):
    bilan = bilan_for(
        world.beneficiaire_a, statut=StatutBilan.SYNTHESE_REMISE, phase=Phase.CONCLUSION
    )
    with tenant_context(world.org_a):
        Synthese.objects.create(organisation=world.org_a, bilan=bilan, statut="partagee")
    # Realised personal work in the conclusion phase is not an individual interview.
    _seance(world, bilan, phase=Phase.CONCLUSION, type="travail_personnel")
    with tenant_context(world.org_a), pytest.raises(RefusAvecLiens) as refus:
        bilan_clore(
            bilan=bilan,
            par=world.consultant_a,
            fin=timezone.localdate(),
            aujourdhui=timezone.localdate(),
        )
    messages = [m.message for m in refus.value.manques]
    assert messages == [
        "La synthèse n'est pas encore signée par le ou la bénéficiaire et par le ou la "
        "consultant·e (statut : partagée avec le ou la bénéficiaire).",
        "Aucun entretien individuel réalisé en phase de conclusion (R6313-4, entretiens "
        "personnalisés).",
    ]
    assert [m.lien for m in refus.value.manques] == [
        f"/app/syntheses/bilans/{bilan.public_id}/#workflow",
        f"/app/bilans/{bilan.public_id}/#t-seances",
    ]
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.SYNTHESE_REMISE
