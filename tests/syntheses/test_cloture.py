"""Closing a bilan (rules 05, 06, 13, 16, 28): the synthèse handed over, the conclusion interview
with its attendance, the end date; then the follow-up at the programme's window and the surveys.
"""

import datetime as dt
import html
import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from beneficiaires.models import Bilan, EntretienPrealable, Programme, StatutBilan
from bilan.core.form_errors import RefusAvecLiens
from bilan.core.tenancy import tenant_context
from enquetes.models import KindEnquete, Reponse
from relances.models import Relance
from relances.selectors import bilan_relances_lister
from seances.models import EntretienSuivi, Seance
from syntheses.models import Synthese
from syntheses.services import syntheses as services_syntheses
from syntheses.services.cloture import bilan_clore
from tests.factories.bilans import bilan_for, bilan_pret_a_clore, programme_for

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
K = Relance.Kind
ENTRETIEN = dt.datetime(2026, 3, 2, 10, tzinfo=PARIS)
FIN = dt.date(2026, 3, 4)
AUJOURDHUI = dt.date(2026, 3, 5)


def _clore(world, bilan, *, fin=FIN, aujourdhui=AUJOURDHUI):
    with tenant_context(world.org_a):
        return bilan_clore(bilan=bilan, par=world.consultant_a, fin=fin, aujourdhui=aujourdhui)


def _rien_ecrit(world, bilan, statut):
    with tenant_context(world.org_a):
        relu = Bilan.objects.get(pk=bilan.pk)
        assert relu.statut == statut
        assert relu.date_fin_reelle is None
        assert relu.termine_le is None
        assert not EntretienSuivi.objects.filter(bilan=bilan).exists()
        assert not Reponse.objects.filter(bilan=bilan).exists()
        assert list(bilan_relances_lister(bilan_id=bilan.pk)) == []


def test_regle_13_sans_synthese_ni_emargement_chaque_manque_est_nomme_et_rien_n_est_ecrit(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN, emarge=False)
    with tenant_context(world.org_a):
        Synthese.objects.filter(bilan=bilan).delete()
    with pytest.raises(RefusAvecLiens) as exc:
        _clore(world, bilan, fin=None)
    messages = [m.message for m in exc.value.manques]
    assert messages == [
        "Aucune synthèse n'a été rédigée pour ce bilan.",
        "L'émargement de l'entretien de conclusion du 02/03/2026 n'est pas signé par le ou la "
        "bénéficiaire et par le ou la consultant·e.",
        "Indiquez la date de fin du bilan.",
    ]
    liens = [m.lien for m in exc.value.manques]
    assert liens[0] == f"/app/syntheses/bilans/{bilan.public_id}/"
    assert "/emargement/" in liens[1]
    assert liens[2].endswith("#fin-bilan")
    _rien_ecrit(world, bilan, StatutBilan.SYNTHESE_REMISE)


def test_regle_13_synthese_signee_mais_pas_remise_refusee(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN, remise=False)
    with pytest.raises(RefusAvecLiens) as exc:
        _clore(world, bilan)
    assert [m.message for m in exc.value.manques] == [
        "La remise de la synthèse (date et mode) n'est pas enregistrée."
    ]
    _rien_ecrit(world, bilan, StatutBilan.SYNTHESE_REMISE)


def test_regle_13_synthese_non_signee_refusee(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN)
    with tenant_context(world.org_a):
        Synthese.objects.filter(bilan=bilan).update(statut="validee", remise_le=None)
    with pytest.raises(RefusAvecLiens, match="pas encore signée"):
        _clore(world, bilan)
    _rien_ecrit(world, bilan, StatutBilan.SYNTHESE_REMISE)


@pytest.mark.parametrize(
    ("fin", "message"),
    [
        (dt.date(2026, 3, 6), "La date de fin du bilan ne peut pas être dans le futur."),
        (dt.date(2026, 3, 1), "La date de fin précède la dernière séance réalisée (02/03/2026)."),
    ],
    ids=["futur", "avant-derniere-seance"],
)
def test_regle_13_date_de_fin_invalide_refusee(world, fin, message):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN)
    with pytest.raises(RefusAvecLiens) as exc:
        _clore(world, bilan, fin=fin)
    assert [m.message for m in exc.value.manques] == [message]
    _rien_ecrit(world, bilan, StatutBilan.SYNTHESE_REMISE)


def test_regle_13_cloture_refusee_tant_qu_une_seance_reste_planifiee(world):
    """A séance still planned after the synthèse's handover would remind the beneficiary of a
    bilan already closed: it is named, with its page, and nothing is written."""
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN)
    with tenant_context(world.org_a):
        restitution = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="conclusion",
            type="restitution",
            intitule="Remise de la synthèse",
            debut=dt.datetime(2026, 3, 9, 14, tzinfo=PARIS),
            duree_minutes=60,
            modalite=Seance.Modalite.VISIO,
            consultant=world.consultant_a,
        )
    with pytest.raises(RefusAvecLiens) as exc:
        _clore(world, bilan)
    assert [(m.message, m.lien) for m in exc.value.manques] == [
        (
            "La séance « Remise de la synthèse » du 09/03/2026 est encore planifiée : "
            "marquez-la réalisée ou annulez-la avant de clore.",
            f"/app/seances/{restitution.public_id}/",
        )
    ]
    _rien_ecrit(world, bilan, StatutBilan.SYNTHESE_REMISE)
    with tenant_context(world.org_a):
        Seance.objects.filter(pk=restitution.pk).update(statut=Seance.Statut.ANNULEE)
    _clore(world, bilan)
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.CLOS


def test_regle_13_cloture_complete_enregistre_la_date_de_fin(world):
    world.org_a.seuil_accompagnement_heures = 8
    world.org_a.save()
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN, minutes=8 * 60)
    assert _clore(world, bilan) == []  # at the threshold: no warning (rule 05)
    with tenant_context(world.org_a):
        relu = Bilan.objects.get(pk=bilan.pk)
    assert (relu.statut, relu.date_fin_reelle, relu.termine_le) == (StatutBilan.CLOS, FIN, FIN)
    with pytest.raises(ValidationError, match="déjà terminé"):
        _clore(world, bilan)


def test_regle_13_le_dossier_ne_remet_plus_sans_synthese(world, login_as):
    """The dossier's former « remettre » action (no synthèse needed) is gone: the handover goes
    through the synthèse (``synthese_remettre``) and its mode."""
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="conclusion")
    client = login_as(world.consultant_a)
    response = client.post(f"/app/bilans/{bilan.public_id}/action/remettre/")
    assert response.status_code == 403
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.EN_COURS
    page = html.unescape(client.get(f"/app/bilans/{bilan.public_id}/").content.decode())
    assert f'href="/app/syntheses/bilans/{bilan.public_id}/#workflow"' in page
    assert "Pour clore le bilan, il manque :" in page
    assert "Aucune synthèse n'a été rédigée pour ce bilan." in page
    # Closing from the page names the missing pieces, each with its link, once.
    response = client.post(
        f"/app/bilans/{bilan.public_id}/action/clore/", {"fin": "2026-03-04"}, follow=True
    )
    page = html.unescape(response.content.decode())
    # Listed once, in the dossier's checklist with its link; the flash only points there.
    assert page.count("Aucune synthèse n'a été rédigée pour ce bilan.") == 1
    assert "Pas encore possible : ce qui manque est listé sur le dossier." in page
    assert ">Rédiger la synthèse</a>" in page
    _rien_ecrit(world, bilan, StatutBilan.EN_COURS)


def test_regle_05_sous_le_seuil_avertit_sans_bloquer(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN, minutes=120)
    avertissements = _clore(world, bilan)
    assert avertissements == [
        "Accompagnement réalisé : 2 h, sous le seuil de 13 h (seuil annoncé, décret en "
        "attente) : le bilan est clos, vérifiez que c'est voulu."
    ]
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.CLOS


def test_regle_06_la_remise_exige_un_entretien_individuel_realise(world):
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="conclusion")
    with tenant_context(world.org_a):
        synthese = Synthese.objects.create(organisation=world.org_a, bilan=bilan, statut="signee")
        Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="conclusion",
            type="travail_personnel",
            intitule="Préparation",
            debut=ENTRETIEN,
            duree_minutes=60,
            modalite="autonomie",  # CHECK seance_travail_personnel_en_autonomie
            statut="realisee",
        )
        with pytest.raises(ValidationError, match="au moins un entretien individuel réalisé"):
            services_syntheses.synthese_remettre(
                synthese=synthese, mode="En main propre", par=world.consultant_a
            )
        synthese.refresh_from_db()
        assert (synthese.statut, synthese.remise_le) == ("signee", None)
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.EN_COURS
        Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="conclusion",
            type="entretien",
            intitule="Plan d'action",
            debut=ENTRETIEN,
            duree_minutes=60,
            modalite="presentiel",
            statut="realisee",
        )
        services_syntheses.synthese_remettre(
            synthese=synthese, mode="En main propre", par=world.consultant_a
        )
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.SYNTHESE_REMISE


@pytest.mark.parametrize(
    ("slug", "prefere", "attendu"),
    [
        ("trois-phases-modulables", 6, dt.datetime(2026, 9, 4, 10, tzinfo=PARIS)),  # 6-9 → 6
        ("trois-phases-modulables", 3, dt.datetime(2026, 9, 4, 10, tzinfo=PARIS)),  # 3 → 6
        ("18h-accompagnement-6h-travail-personnel", 9, dt.datetime(2026, 9, 4, 10, tzinfo=PARIS)),
        # 4 months: Saturday 04/07/2026, moved to Monday 06/07 (never a weekend).
        ("18h-accompagnement-6h-travail-personnel", 4, dt.datetime(2026, 7, 6, 10, tzinfo=PARIS)),
        (None, 9, dt.datetime(2026, 12, 4, 10, tzinfo=PARIS)),  # no programme: organisation's
    ],
)
def test_regle_16_la_cloture_cree_le_suivi_dans_la_fenetre_du_programme(
    world, slug, prefere, attendu
):
    world.org_a.suivi_delai_mois = prefere
    world.org_a.save()
    programme = programme_for(world.org_a, slug=slug) if slug else None
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN, programme=programme)
    _clore(world, bilan)
    with tenant_context(world.org_a):
        suivi = EntretienSuivi.objects.get(bilan=bilan)
        plan = {r.kind: r.due_le for r in bilan_relances_lister(bilan_id=bilan.pk)}
    assert (suivi.statut, suivi.date_prevue, suivi.consultant) == (
        EntretienSuivi.Statut.PLANIFIE,
        attendu,
        bilan.consultant,
    )
    assert suivi.date_prevue.date() > FIN
    assert plan[K.SUIVI_INVITATION] == attendu - dt.timedelta(days=14)


def test_regle_16_le_delai_de_reflexion_vient_du_programme(world):
    from beneficiaires.services.bilans import bilan_fin_reflexion

    with tenant_context(world.org_a):
        entretien = EntretienPrealable.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            date=dt.datetime(2026, 3, 2, 10, tzinfo=PARIS),
            consultant=world.consultant_a,
            demande="Reconversion",
        )
    world.org_a.delai_reflexion_jours = 3
    world.org_a.save()
    seed003 = programme_for(world.org_a, slug="trois-phases-modulables")
    sans = bilan_for(world.beneficiaire_a, entretien_prealable=entretien)
    avec = bilan_for(world.beneficiaire_a, entretien_prealable=entretien, programme=seed003)
    with tenant_context(world.org_a):
        assert Programme.objects.get(pk=seed003.pk).delai_reflexion_jours == 10
        assert bilan_fin_reflexion(bilan=Bilan.objects.get(pk=sans.pk)) == dt.date(2026, 3, 5)
        assert bilan_fin_reflexion(bilan=Bilan.objects.get(pk=avec.pk)) == dt.date(2026, 3, 12)


def test_regle_28_la_cloture_planifie_chaud_et_froid_avec_rappel_et_suit_les_reponses(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN)
    _clore(world, bilan)
    with tenant_context(world.org_a):
        plan = {r.kind: r for r in bilan_relances_lister(bilan_id=bilan.pk)}
        reponses = {r.kind: r for r in Reponse.objects.filter(bilan=bilan)}
    assert set(reponses) == {KindEnquete.CHAUD, KindEnquete.FROID}
    assert all(r.repondu_le is None for r in reponses.values())  # response status tracked
    froid = plan[K.ENQUETE_FROID].due_le
    assert froid == dt.datetime(2026, 9, 4, 10, tzinfo=PARIS)  # closure + 6 months
    assert plan[K.ENQUETE_FROID_RAPPEL].due_le > froid
    assert plan[K.ENQUETE_CHAUD_RAPPEL].due_le > plan[K.ENQUETE_CHAUD].due_le
    for kind in (K.ENQUETE_CHAUD, K.ENQUETE_CHAUD_RAPPEL, K.ENQUETE_FROID, K.ENQUETE_FROID_RAPPEL):
        assert plan[kind].destinataire == world.beneficiaire_a.email


def test_regle_03_entretien_prealable_et_suivi_jamais_comptes(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=ENTRETIEN, minutes=120)
    with tenant_context(world.org_a):
        entretien = EntretienPrealable.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            date=dt.datetime(2026, 2, 1, 10, tzinfo=PARIS),
            consultant=world.consultant_a,
            demande="Reconversion",
        )
        Bilan.objects.filter(pk=bilan.pk).update(entretien_prealable=entretien)
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == 120
    _clore(world, bilan)
    with tenant_context(world.org_a):
        assert EntretienSuivi.objects.filter(bilan=bilan).count() == 1
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == 120
