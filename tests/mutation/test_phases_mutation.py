"""Phase gates and closing (domain §8 rules 01, 06 and 13, R6313-4): the refusals the mutation
run of ``seances/services/phases.py`` and ``syntheses/services/cloture.py`` needs, each with its
full French message and nothing written. See tests/MUTATION.md.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from beneficiaires.models import Bilan, BilanEvenement, Phase, StatutBilan
from bilan.core.form_errors import RefusAvecLiens
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from relances.selectors import bilan_relances_lister
from seances.models import Emargement, Seance
from seances.selectors.phases import accompagnement_realise_heures
from seances.services import phases
from syntheses.models import Synthese
from syntheses.selectors import bilan_manques_cloture
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


# --- What still prevents closing (``bilan_manques_cloture``): each line a person reads ----------
# The closing page and its flash show each missing piece with the link where to fix it and the
# link's label; the mutation run found texts, links and labels that no test compared.

UTC = dt.UTC
AUJOURDHUI = dt.date(2026, 3, 10)


def _manques(world, bilan, *, fin=AUJOURDHUI, aujourdhui=AUJOURDHUI):
    with tenant_context(world.org_a):
        return [
            (m.message, m.lien, m.libelle_lien)
            for m in bilan_manques_cloture(
                bilan=Bilan.objects.get(pk=bilan.pk), fin=fin, aujourdhui=aujourdhui
            )
        ]


def _seance_le(world, bilan, debut, *, statut=Seance.Statut.REALISEE, intitule="Séance", **champs):
    valeurs = {"phase": Phase.CONCLUSION, "type": "entretien", "modalite": "presentiel", **champs}
    with tenant_context(world.org_a):
        return Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            intitule=intitule,
            debut=debut,
            duree_minutes=60,
            statut=statut,
            **valeurs,
        )


def _emarger(world, seance, *roles):
    with tenant_context(world.org_a):
        for role in roles:
            Emargement.objects.create(
                organisation=world.org_a,
                seance=seance,
                role=role,
                signataire=role,
                methode="dessin" if role == "beneficiaire" else "session",
                signe_le=seance.debut,
                details={"seance": str(seance.public_id)},
                details_sha256="0" * 64,
            )


def _pret(world):
    """Ready to close on AUJOURDHUI: the conclusion interview of 02/03/2026 (Paris), signed."""
    return bilan_pret_a_clore(
        world.beneficiaire_a, entretien_le=dt.datetime(2026, 3, 2, 10, tzinfo=PARIS)
    )


def test_regle_13_a_ready_bilan_lacks_nothing_on_the_day_itself(world):
    bilan = _pret(world)
    assert _manques(world, bilan) == []
    # The end on the last realised séance's day (Paris) is allowed too.
    assert _manques(world, bilan, fin=dt.date(2026, 3, 2)) == []


@pytest.mark.parametrize(
    ("synthese", "statut_bilan", "attendu"),
    [
        (
            None,
            StatutBilan.SYNTHESE_REMISE,
            ("Aucune synthèse n'a été rédigée pour ce bilan.", "", "Rédiger la synthèse"),
        ),
        (
            "validee",
            StatutBilan.SYNTHESE_REMISE,
            (
                "La synthèse n'est pas encore signée par le ou la bénéficiaire et par le ou la "
                "consultant·e (statut : validée par les deux).",
                "#workflow",
                "Ouvrir la synthèse",
            ),
        ),
        (
            "signee",
            StatutBilan.SYNTHESE_REMISE,
            (
                "La remise de la synthèse (date et mode) n'est pas enregistrée.",
                "#workflow",
                "Enregistrer la remise",
            ),
        ),
        # The synthèse says « remise » but the bilan never went through the handover.
        (
            "remise",
            StatutBilan.EN_COURS,
            (
                "La remise de la synthèse (date et mode) n'est pas enregistrée.",
                "#workflow",
                "Enregistrer la remise",
            ),
        ),
    ],
    ids=["sans-synthese", "non-signee", "signee-non-remise", "bilan-pas-remis"],
)
def test_regle_13_each_state_of_the_synthese_is_named_with_its_link(
    world, synthese, statut_bilan, attendu
):
    bilan = _pret(world)
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(statut=statut_bilan)
        if synthese is None:
            Synthese.objects.filter(bilan=bilan).delete()
        else:
            Synthese.objects.filter(bilan=bilan).update(statut=synthese)
    message, ancre, libelle = attendu
    assert _manques(world, bilan) == [
        (message, f"/app/syntheses/bilans/{bilan.public_id}/{ancre}", libelle)
    ]


def test_regle_06_without_a_realised_conclusion_interview_the_seances_are_pointed_to(world):
    bilan = _pret(world)
    with tenant_context(world.org_a):
        Seance.objects.filter(bilan=bilan).delete()
    # None of these is a realised individual interview of the conclusion phase.
    _seance_le(world, bilan, dt.datetime(2026, 3, 1, 9, tzinfo=UTC), phase=Phase.INVESTIGATION)
    _seance_le(
        world,
        bilan,
        dt.datetime(2026, 3, 2, 9, tzinfo=UTC),
        type="travail_personnel",
        modalite="autonomie",
    )
    _seance_le(world, bilan, dt.datetime(2026, 3, 3, 9, tzinfo=UTC), statut=Seance.Statut.ANNULEE)
    assert _manques(world, bilan) == [
        (
            "Aucun entretien individuel réalisé en phase de conclusion (R6313-4, entretiens "
            "personnalisés).",
            f"/app/bilans/{bilan.public_id}/#t-seances",
            "Voir les séances",
        )
    ]


def test_regle_13_the_latest_unsigned_conclusion_interview_is_named_with_its_paris_day(world):
    bilan = _pret(world)
    with tenant_context(world.org_a):
        Seance.objects.filter(bilan=bilan).delete()
    # 23:30 UTC on 3 March is 4 March in Paris; the earlier one is named only if it is the latest.
    tot = _seance_le(world, bilan, dt.datetime(2026, 3, 1, 9, tzinfo=UTC), type="restitution")
    tard = _seance_le(world, bilan, dt.datetime(2026, 3, 3, 23, 30, tzinfo=UTC))
    _emarger(world, tard, "beneficiaire")  # one signature is not the attendance
    attendu = (
        "L'émargement de l'entretien de conclusion du 04/03/2026 n'est pas signé par le ou la "
        "bénéficiaire et par le ou la consultant·e.",
        f"/app/seances/{tard.public_id}/emargement/",
        "Faire émarger",
    )
    assert _manques(world, bilan) == [attendu]
    # An older interview signed by both is enough: the latest need not be.
    _emarger(world, tot, "beneficiaire", "consultant")
    assert _manques(world, bilan) == []


def test_regle_13_each_seance_still_planned_is_named_in_date_order(world):
    bilan = _pret(world)
    apres = _seance_le(
        world,
        bilan,
        dt.datetime(2026, 3, 20, 9, tzinfo=UTC),
        statut=Seance.Statut.PLANIFIEE,
        intitule="Bilan à six mois",
    )
    avant = _seance_le(
        world,
        bilan,
        dt.datetime(2026, 3, 11, 23, 30, tzinfo=UTC),  # 12 March in Paris
        statut=Seance.Statut.PLANIFIEE,
        intitule="Restitution",
        phase=Phase.INVESTIGATION,
        type="questionnaire",
    )
    _seance_le(world, bilan, dt.datetime(2026, 3, 4, 9, tzinfo=UTC), statut=Seance.Statut.ANNULEE)
    assert _manques(world, bilan) == [
        (
            "La séance « Restitution » du 12/03/2026 est encore planifiée : marquez-la réalisée "
            "ou annulez-la avant de clore.",
            f"/app/seances/{avant.public_id}/",
            "Ouvrir la séance",
        ),
        (
            "La séance « Bilan à six mois » du 20/03/2026 est encore planifiée : marquez-la "
            "réalisée ou annulez-la avant de clore.",
            f"/app/seances/{apres.public_id}/",
            "Ouvrir la séance",
        ),
    ]


def test_regle_13_the_end_date_missing_in_the_future_or_before_the_last_realised_seance(world):
    bilan = _pret(world)
    dossier = f"/app/bilans/{bilan.public_id}/#fin-bilan"
    assert _manques(world, bilan, fin=None) == [
        ("Indiquez la date de fin du bilan.", dossier, "Saisir")
    ]
    assert _manques(world, bilan, fin=AUJOURDHUI + dt.timedelta(days=1)) == [
        ("La date de fin du bilan ne peut pas être dans le futur.", dossier, "Corriger")
    ]
    # The latest realised séance (Paris day) counts, not a cancelled later one nor an older one.
    _seance_le(world, bilan, dt.datetime(2026, 3, 5, 23, 30, tzinfo=UTC))  # 6 March in Paris
    _seance_le(world, bilan, dt.datetime(2026, 3, 8, 9, tzinfo=UTC), statut=Seance.Statut.ANNULEE)
    assert _manques(world, bilan, fin=dt.date(2026, 3, 6)) == []
    assert _manques(world, bilan, fin=dt.date(2026, 3, 5)) == [
        ("La date de fin précède la dernière séance réalisée (06/03/2026).", dossier, "Corriger")
    ]


def test_regle_05_the_accompaniment_counts_realised_durations_of_accompaniment_only(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    debut = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    _seance_le(world, bilan, debut, duree_realisee_minutes=75)
    _seance_le(world, bilan, debut, type="questionnaire", duree_realisee_minutes=15)
    _seance_le(world, bilan, debut, duree_realisee_minutes=None)  # no duration recorded: 0
    # Personal work is not accompaniment; a cancelled séance was not held.
    _seance_le(
        world,
        bilan,
        debut,
        type="travail_personnel",
        modalite="autonomie",
        duree_realisee_minutes=120,
    )
    _seance_le(world, bilan, debut, statut=Seance.Statut.ANNULEE, duree_realisee_minutes=60)
    with tenant_context(world.org_a):
        assert accompagnement_realise_heures(bilan=bilan) == Decimal("1.5")


def test_regle_01_06_another_bilans_seances_never_open_a_step(world):
    """The séances that open a phase change, the conclusion and the handover are this bilan's:
    another dossier of the same person, with every séance needed, changes nothing."""
    autre = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    for phase in Phase:
        _seance(world, autre, phase=phase)
    _seance(world, autre, phase=Phase.CONCLUSION, statut=Seance.Statut.PLANIFIEE)
    _seance_le(world, autre, dt.datetime(2026, 3, 2, 9, tzinfo=UTC), duree_realisee_minutes=45)
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    assert _refus(world, bilan, Phase.INVESTIGATION).messages == [
        "La phase en cours n'a encore aucune séance réalisée (R6313-4)."
    ]
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(phase=Phase.INVESTIGATION)
    _seance(world, bilan, phase=Phase.INVESTIGATION)
    assert _refus(world, bilan, Phase.CONCLUSION).messages == [
        "Planifiez d'abord au moins un entretien individuel en phase de conclusion (R6313-4)."
    ]
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(phase=Phase.CONCLUSION)
        with pytest.raises(ValidationError) as refus:
            phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
    assert refus.value.messages == [
        "La conclusion passe par au moins un entretien individuel réalisé (R6313-4)."
    ]
    _seance_le(world, bilan, dt.datetime(2026, 3, 2, 9, tzinfo=UTC), duree_realisee_minutes=30)
    with tenant_context(world.org_a):
        assert accompagnement_realise_heures(bilan=bilan) == Decimal("0.5")


def test_regle_06_the_handover_is_recorded_in_the_history_with_who_and_no_reason(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    _seance(world, bilan, phase=Phase.CONCLUSION)
    with tenant_context(world.org_a):
        phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
        evenements = list(
            BilanEvenement.objects.filter(bilan=bilan).values_list("de", "vers", "par", "motif")
        )
    assert evenements == [
        (StatutBilan.EN_COURS, StatutBilan.SYNTHESE_REMISE, world.consultant_a.pk, "")
    ]


def test_regle_13_closing_is_recorded_with_who_and_warns_in_hundredths_of_an_hour(world):
    world.org_a.seuil_accompagnement_heures = Decimal("7.5")
    world.org_a.save()
    # 100 minutes realised: 1,67 h (rounded to the hundredth), under 7,5 h.
    bilan = bilan_pret_a_clore(
        world.beneficiaire_a, entretien_le=dt.datetime(2026, 3, 2, 10, tzinfo=PARIS), minutes=100
    )
    with tenant_context(world.org_a):
        avertissements = bilan_clore(
            bilan=bilan, par=world.consultant_a, fin=dt.date(2026, 3, 4), aujourdhui=AUJOURDHUI
        )
        evenements = list(
            BilanEvenement.objects.filter(bilan=bilan).values_list("de", "vers", "par", "motif")
        )
        relu = Bilan.objects.get(pk=bilan.pk)
    assert avertissements == [
        "Accompagnement réalisé : 1,67 h, sous le seuil de 7,5 h (seuil annoncé, décret en "
        "attente) : le bilan est clos, vérifiez que c'est voulu."
    ]
    assert evenements == [
        (StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS, world.consultant_a.pk, "")
    ]
    assert (relu.statut, relu.date_fin_reelle, relu.termine_le) == (
        StatutBilan.CLOS,
        dt.date(2026, 3, 4),
        dt.date(2026, 3, 4),
    )


def test_regle_13_another_bilans_seances_are_not_this_closings_business(world):
    bilan = _pret(world)
    autre = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    # Planned, realised after this end date, a realised conclusion interview: all the other's.
    _seance_le(world, autre, dt.datetime(2026, 3, 20, 9, tzinfo=UTC), statut="planifiee")
    _seance_le(world, autre, dt.datetime(2026, 3, 9, 9, tzinfo=UTC))
    assert _manques(world, bilan, fin=dt.date(2026, 3, 4)) == []
    with tenant_context(world.org_a):
        Seance.objects.filter(bilan=bilan).delete()
    assert [m[0] for m in _manques(world, bilan, fin=dt.date(2026, 3, 4))] == [
        "Aucun entretien individuel réalisé en phase de conclusion (R6313-4, entretiens "
        "personnalisés)."
    ]


def test_regle_13_closing_a_cpf_bilan_alerts_the_admins_to_declare_the_exit(world):
    """The exit must be declared in EDOF within 3 working days of the end date: the closing
    plans the alert from that date (a CPF bilan only)."""
    bilan = bilan_pret_a_clore(world.beneficiaire_a, financement="cpf")
    hier = timezone.localdate() - dt.timedelta(days=1)
    with tenant_context(world.org_a):
        bilan_clore(bilan=bilan, par=world.consultant_a, fin=hier)
        alertes = [
            (r.destinataire, r.target_id)
            for r in bilan_relances_lister(bilan_id=bilan.pk)
            if r.kind == Relance.Kind.CPF_DECLARATION_SORTIE
        ]
    assert alertes == [(world.admin_a.email, bilan.public_id)]
