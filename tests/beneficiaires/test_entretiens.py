"""Rule 12: the organisation's intake questions, the editable prior interview, the latest one
used for the reflection delay, and the answers purged as bilan content."""

import datetime as dt
import html

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaires.models import (
    Bilan,
    EntretienPrealable,
    QuestionEntretien,
    ReponseEntretien,
    StatutBilan,
)
from beneficiaires.services.bilans import bilan_fin_reflexion
from beneficiaires.services.entretiens import (
    FicheQuestion,
    entretien_prealable_enregistrer,
    entretien_prealable_modifier,
    question_entretien_creer,
)
from bilan.core.tenancy import tenant_context
from syntheses.services.retention import _entretiens_a_vider
from tests.factories.beneficiaires import fiche_entretien
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()


def _a(jour: dt.date, heure: int = 10) -> dt.datetime:
    return dt.datetime.combine(jour, dt.time(heure), tzinfo=PARIS)


def _question(world, **champs):
    valeurs = {
        "libelle": "Métier visé",
        "finalite": "Orienter la phase d'investigation",
        "type": "texte",
        "choix": "",
        "obligatoire": True,
        "active": True,
        "ordre": 1,
        **champs,
    }
    with tenant_context(world.org_a):
        return question_entretien_creer(organisation=world.org_a, fiche=FicheQuestion(**valeurs))


def _enregistrer(world, *, date, reponses=None, demande="Changer de métier"):
    with tenant_context(world.org_a):
        return entretien_prealable_enregistrer(
            beneficiaire=world.beneficiaire_a,
            fiche=fiche_entretien(consultant=world.consultant_a, date=date, demande=demande),
            reponses=reponses or {},
        )


def test_regle_12_question_obligatoire_vide_refusee_rien_ecrit(world):
    question = _question(world)
    with pytest.raises(ValidationError) as erreur:
        _enregistrer(world, date=_a(dt.date(2026, 3, 2)), reponses={question.public_id.hex: " "})
    assert erreur.value.message_dict == {
        f"q_{question.public_id.hex}": ["Cette question est obligatoire."]
    }
    with tenant_context(world.org_a):
        assert not EntretienPrealable.objects.exists()
        assert not ReponseEntretien.objects.exists()


def test_regle_12_reponses_enregistrees_avec_la_question_posee(world):
    texte = _question(world)
    choix = _question(
        world, libelle="Situation", type="choix", choix="En poste\nEn recherche", ordre=2
    )
    date = _question(world, libelle="Fin de contrat", type="date", obligatoire=False, ordre=3)
    entretien = _enregistrer(
        world,
        date=_a(dt.date(2026, 3, 2)),
        reponses={
            texte.public_id.hex: "Ébéniste",
            choix.public_id.hex: "En poste",
            date.public_id.hex: "2026-06-30",
        },
    )
    with tenant_context(world.org_a):
        reponses = {r.libelle: r.valeur for r in entretien.reponses.all()}
        # A later rewording does not change what was asked.
        QuestionEntretien.objects.filter(pk=texte.pk).update(libelle="Autre libellé")
        assert entretien.reponses.get(question=texte).libelle == "Métier visé"
    assert reponses == {
        "Métier visé": "Ébéniste",
        "Situation": "En poste",
        "Fin de contrat": "2026-06-30",
    }


def test_regle_12_choix_hors_liste_refuse(world):
    choix = _question(world, type="choix", choix="Oui\nNon")
    with pytest.raises(ValidationError, match="réponse proposée"):
        _enregistrer(
            world, date=_a(dt.date(2026, 3, 2)), reponses={choix.public_id.hex: "Peut-être"}
        )
    with tenant_context(world.org_a):
        assert not EntretienPrealable.objects.exists()


def test_regle_12_question_sans_lien_avec_le_bilan_refusee(world):
    with pytest.raises(ValidationError) as erreur:
        _question(world, finalite="  ")
    assert "L6313-4" in erreur.value.message_dict["finalite"][0]
    with tenant_context(world.org_a):
        assert not QuestionEntretien.objects.exists()
        # The database refuses it too.
        with pytest.raises(IntegrityError), transaction.atomic():
            QuestionEntretien.objects.create(
                organisation=world.org_a, libelle="Religion", finalite="", type="texte"
            )


def test_regle_12_question_desactivee_ne_perd_pas_les_reponses(world):
    question = _question(world)
    entretien = _enregistrer(
        world, date=_a(dt.date(2026, 3, 2)), reponses={question.public_id.hex: "Ébéniste"}
    )
    with tenant_context(world.org_a):
        QuestionEntretien.objects.filter(pk=question.pk).update(active=False)
        # Editing the interview asks only the active questions: the old answer stays.
        entretien_prealable_modifier(
            entretien=entretien,
            fiche=fiche_entretien(consultant=world.consultant_a, date=_a(dt.date(2026, 3, 2))),
            reponses={},
            par=world.consultant_a,
        )
        assert entretien.reponses.get().valeur == "Ébéniste"
        # An answered question cannot be deleted (PROTECT).
        with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011
            QuestionEntretien.objects.filter(pk=question.pk).delete()
        assert QuestionEntretien.objects.filter(pk=question.pk).exists()


def test_regle_12_le_bilan_suit_l_entretien_le_plus_recent(world):
    """Delay of 10 days (default). First interview on 2 March → 12 March; a second one
    recorded afterwards but dated 20 February (a correction) is not the latest, so the bilan
    keeps 12 March; one dated 9 March becomes the latest → 19 March."""
    with tenant_context(world.org_a):
        delai = world.org_a.delai_reflexion_jours
    bilan = bilan_for(world.beneficiaire_a)
    premier = _enregistrer(world, date=_a(dt.date(2026, 3, 2)))
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        assert bilan.statut == StatutBilan.PREALABLE_REALISE
        assert bilan.entretien_prealable_id == premier.pk
        assert bilan_fin_reflexion(bilan=bilan) == dt.date(2026, 3, 2) + dt.timedelta(days=delai)
    _enregistrer(world, date=_a(dt.date(2026, 2, 20)))
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        assert bilan.entretien_prealable_id == premier.pk
    troisieme = _enregistrer(world, date=_a(dt.date(2026, 3, 9)))
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        assert bilan.entretien_prealable_id == troisieme.pk
        assert bilan_fin_reflexion(bilan=bilan) == dt.date(2026, 3, 9) + dt.timedelta(days=delai)


def test_regle_12_modifier_la_date_recalcule_le_delai(world):
    with tenant_context(world.org_a):
        delai = world.org_a.delai_reflexion_jours
    bilan = bilan_for(world.beneficiaire_a)
    entretien = _enregistrer(world, date=_a(dt.date(2026, 3, 12)))
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        assert bilan_fin_reflexion(bilan=bilan) == dt.date(2026, 3, 12) + dt.timedelta(days=delai)
        entretien_prealable_modifier(
            entretien=entretien,
            fiche=fiche_entretien(consultant=world.consultant_a, date=_a(dt.date(2026, 3, 2))),
            reponses={},
            par=world.admin_a,
        )
        bilan = Bilan.objects.get(pk=bilan.pk)
        assert bilan_fin_reflexion(bilan=bilan) == dt.date(2026, 3, 2) + dt.timedelta(days=delai)


def test_regle_12_un_bilan_confirme_ne_change_pas_d_entretien(world):
    premier = _enregistrer(world, date=_a(dt.date(2026, 3, 2)))
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.ATTENTE, entretien_prealable=premier)
    _enregistrer(world, date=_a(dt.date(2026, 3, 20)))
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        assert bilan.entretien_prealable_id == premier.pk


def test_regle_12_modifier_obligatoire_vide_refuse_rien_change(world):
    entretien = _enregistrer(world, date=_a(dt.date(2026, 3, 2)))
    question = _question(world)
    with tenant_context(world.org_a), pytest.raises(ValidationError):
        entretien_prealable_modifier(
            entretien=entretien,
            fiche=fiche_entretien(
                consultant=world.consultant_a, date=_a(dt.date(2026, 3, 9)), demande="Autre"
            ),
            reponses={question.public_id.hex: ""},
            par=world.consultant_a,
        )
    with tenant_context(world.org_a):
        entretien.refresh_from_db()
    assert entretien.date == _a(dt.date(2026, 3, 2))
    assert entretien.demande == "Changer de métier"


# --- Pages -------------------------------------------------------------------------------------


def test_regle_12_page_de_correction_et_acces(world, login_as):
    entretien = _enregistrer(world, date=_a(dt.date(2026, 3, 2)))
    url = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/entretien/{entretien.public_id}/"
    client = login_as(world.consultant_a)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "date": "2026-03-05T10:00",
            "consultant": world.consultant_a.pk,
            "demande": "Reconversion",
            "issue": "bilan",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        entretien.refresh_from_db()
    assert entretien.demande == "Reconversion"
    assert timezone.localtime(entretien.date).date() == dt.date(2026, 3, 5)
    # Another organisation's consultant: 404, nothing changed.
    autre = login_as(world.consultant_b)
    assert autre.get(url).status_code == 404
    response = autre.post(
        url,
        {
            "date": "2026-01-01T10:00",
            "consultant": world.consultant_b.pk,
            "demande": "X",
            "issue": "bilan",
        },
    )
    assert response.status_code == 404
    with tenant_context(world.org_a):
        entretien.refresh_from_db()
    assert entretien.demande == "Reconversion"


def test_regle_12_catalogue_reserve_aux_administrateurs(world, login_as):
    admin = login_as(world.admin_a)
    page = html.unescape(admin.get("/app/organisation/questions-entretien/").content.decode())
    assert "L6313-4" in page
    assert "L6353-9" in page
    response = admin.post(
        "/app/organisation/questions-entretien/",
        {
            "libelle": "Métier visé",
            "finalite": "Investigation",
            "type": "texte",
            "ordre": 1,
            "active": "on",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        question = QuestionEntretien.objects.get()
    # The question shows in the interview form of the beneficiary's page.
    page = login_as(world.consultant_a).get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/")
    assert "Métier visé" in html.unescape(page.content.decode())
    url = f"/app/organisation/questions-entretien/{question.public_id}/"
    assert (
        login_as(world.consultant_a)
        .post(url, {"libelle": "Autre", "finalite": "x", "type": "texte", "ordre": 1})
        .status_code
        == 403
    )
    assert login_as(world.consultant_b).get(url).status_code in {403, 404}
    with tenant_context(world.org_a):
        question.refresh_from_db()
    assert question.libelle == "Métier visé"


def test_regle_12_reponses_purgees_avec_l_entretien(world):
    """The answers go with the interview's texts at the purge (R6313-7)."""
    question = _question(world)
    bilan = bilan_for(world.beneficiaire_a)
    entretien = _enregistrer(
        world, date=_a(dt.date(2026, 3, 2)), reponses={question.public_id.hex: "Ébéniste"}
    )
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        # Texts already emptied, answers left: still to purge.
        EntretienPrealable.objects.filter(pk=entretien.pk).update(
            demande="", contexte="", contraintes="", attentes="", commentaire=""
        )
        assert list(_entretiens_a_vider(bilan, cloture=None, autre_ouvert=False)) == [entretien]
