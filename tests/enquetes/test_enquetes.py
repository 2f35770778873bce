"""Surveys: seeded questionnaires, answering from the portal or the emailed link, the reminder
cancelled on answer, and the satisfaction figures."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from enquetes import selectors, services
from enquetes.models import KindEnquete, Question, Reponse
from relances.models import Relance
from syntheses.services.cloture import bilan_clore
from tests.factories.bilans import bilan_for, bilan_pret_a_clore

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    from bilan.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def clos(world):
    bilan = bilan_pret_a_clore(world.beneficiaire_a)
    with tenant_context(world.org_a):
        bilan_clore(bilan=bilan, par=world.consultant_a, fin=timezone.localdate())
    return bilan


def _donnees(org, kind, **surcharges):
    with tenant_context(org):
        questions = services.questions_actives_lister(organisation=org, kind=kind)
    donnees = {}
    for q in questions:
        if q.type == Question.Type.NOTE:
            donnees[f"q{q.pk}"] = "5"
        elif q.type == Question.Type.CHOIX:
            donnees[f"q{q.pk}"] = q.options[0]
        else:
            donnees[f"q{q.pk}"] = "Très bien"
    donnees.update(surcharges)
    return donnees


def _reponse(org, bilan, kind=KindEnquete.CHAUD) -> Reponse:
    with tenant_context(org):
        return Reponse.objects.get(bilan=bilan, kind=kind)


def test_default_questions_are_seeded_once_per_organisation(world):
    with tenant_context(world.org_a):
        a1 = services.questionnaire_obtenir(organisation=world.org_a, kind="chaud")
        a2 = services.questionnaire_obtenir(organisation=world.org_a, kind="chaud")
        assert a1.pk == a2.pk
        assert a1.questions.count() == 6
    with tenant_context(world.org_b):
        assert services.questionnaire_obtenir(organisation=world.org_b, kind="chaud").pk != a1.pk


def test_the_staff_page_shows_the_defaults_without_writing_them(world, login_as):
    """A GET writes nothing: before the first survey, the page lists the default questions and
    settings unsaved (no withdraw button yet); the first change stores them."""
    from enquetes.models import ParametresEnquete, Questionnaire

    client = login_as(world.admin_a)
    page = client.get("/app/enquetes/").content.decode()
    assert "Où en est votre projet aujourd&#x27;hui ?" in page
    assert "Questions par défaut" in page
    assert "/retirer/" not in page
    with tenant_context(world.org_a):
        assert not Questionnaire.objects.exists()
        assert not Question.objects.exists()
        assert not ParametresEnquete.objects.exists()
    client.post(
        "/app/enquetes/questions/ajouter/",
        {"kind": "chaud", "libelle": "Et encore ?", "type": "texte"},
    )
    page = client.get("/app/enquetes/").content.decode()
    assert "/retirer/" in page
    with tenant_context(world.org_a):
        assert Question.objects.filter(questionnaire__kind="chaud").count() == 7


def test_closing_prepares_one_survey_per_kind(world, clos):
    with tenant_context(world.org_a):
        assert sorted(Reponse.objects.filter(bilan=clos).values_list("kind", flat=True)) == [
            "chaud",
            "froid",
        ]


def test_answering_cancels_the_pending_reminder(
    world, clos, eager, django_capture_on_commit_callbacks
):
    from relances.services import relances_reclamer

    with django_capture_on_commit_callbacks(execute=True):
        relances_reclamer(maintenant=timezone.now())
    assert len(mail.outbox) == 1
    reponse = _reponse(world.org_a, clos)
    with tenant_context(world.org_a):
        services.enquete_repondre(reponse=reponse, donnees=_donnees(world.org_a, "chaud"))
        statuts = dict(Relance.objects.filter(bilan=clos).values_list("kind", "statut"))
    assert statuts["enquete_chaud"] == "envoyee"
    assert statuts["enquete_chaud_rappel"] == "annulee"
    assert statuts["enquete_froid"] == "a_envoyer"
    with django_capture_on_commit_callbacks(execute=True):
        relances_reclamer(maintenant=timezone.now() + dt.timedelta(days=8))
    assert len(mail.outbox) == 1


def test_a_missing_required_answer_is_refused_and_nothing_is_written(world, clos):
    reponse = _reponse(world.org_a, clos)
    with tenant_context(world.org_a):
        obligatoire = Question.objects.filter(obligatoire=True, questionnaire__kind="chaud").first()
        donnees = _donnees(world.org_a, "chaud", **{f"q{obligatoire.pk}": ""})
        with pytest.raises(ValidationError) as exc:
            services.enquete_repondre(reponse=reponse, donnees=donnees)
        assert f"q{obligatoire.pk}" in exc.value.message_dict
        reponse.refresh_from_db()
        assert reponse.repondu_le is None
        assert reponse.items.count() == 0


def test_the_emailed_link_answers_without_login_once(world, clos, client):
    reponse = _reponse(world.org_a, clos)
    token = services.reponse_jeton_signer(reponse=reponse)
    url = f"/enquete/{world.org_a.public_id}/{token}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    assert "ensemble, êtes-vous satisfait" in page.content.decode()
    assert client.post(url, _donnees(world.org_a, "chaud")).status_code == 200
    reponse = _reponse(world.org_a, clos)
    assert reponse.repondu_le is not None
    assert reponse.par_lien
    assert client.get(url).status_code == 410


def test_a_link_is_bound_to_its_organisation(world, clos, client):
    token = services.reponse_jeton_signer(reponse=_reponse(world.org_a, clos))
    assert client.get(f"/enquete/{world.org_b.public_id}/{token}/").status_code == 404
    assert client.get(f"/enquete/{world.org_a.public_id}/faux/").status_code == 404
    # Only the hash is stored.
    with tenant_context(world.org_a):
        assert not Reponse.objects.filter(token_hash=token).exists()


def test_the_portal_lists_and_answers_own_surveys(world, clos, login_as):
    reponse = _reponse(world.org_a, clos)
    with tenant_context(world.org_a):
        services.enquete_marquer_envoyee(reponse=reponse, le=timezone.now())
    client = login_as(world.beneficiaire_user_a)
    liste = client.get("/portail/enquetes/")
    assert liste.status_code == 200
    assert str(reponse.public_id) in liste.content.decode()
    url = f"/portail/enquetes/{reponse.public_id}/"
    assert client.get(url).status_code == 200
    assert client.post(url, _donnees(world.org_a, "chaud")).status_code == 200
    assert _reponse(world.org_a, clos).repondu_le is not None
    # Another beneficiary (other organisation) cannot open it.
    assert login_as(world.beneficiaire_user_b).get(url).status_code == 404


def test_satisfaction_rate_and_response_counts(world):
    maintenant = timezone.now()
    for note, repond in ((5, True), (2, True), (4, True), (None, False)):
        bilan = bilan_for(world.beneficiaire_a, statut="clos", date_fin_reelle=maintenant.date())
        with tenant_context(world.org_a):
            reponse = services.enquete_preparer(bilan=bilan, kind="chaud")
            services.enquete_marquer_envoyee(reponse=reponse, le=maintenant)
            if repond:
                q = Question.objects.get(questionnaire__kind="chaud", compte_satisfaction=True)
                services.enquete_repondre(
                    reponse=reponse,
                    donnees=_donnees(world.org_a, "chaud", **{f"q{q.pk}": str(note)}),
                )
    jour = timezone.localdate()
    with tenant_context(world.org_a):
        taux = selectors.satisfaction_calculer(debut=jour, fin=jour)
    chaud = taux["chaud"]
    assert (chaud.envoyees, chaud.repondues, chaud.notes, chaud.satisfaites) == (4, 3, 3, 2)
    assert chaud.taux_reponse == 75.0
    assert chaud.taux == 66.7
    assert taux["froid"].envoyees == 0
    with tenant_context(world.org_b):
        assert selectors.satisfaction_calculer(debut=jour, fin=jour)["chaud"].envoyees == 0


def test_admins_edit_questions_and_settings(world, login_as):
    client = login_as(world.admin_a)
    assert client.get("/app/enquetes/").status_code == 200
    client.post(
        "/app/enquetes/questions/ajouter/",
        {
            "kind": "froid",
            "libelle": "Avez-vous suivi une formation ?",
            "type": "choix",
            "options": "Oui\nNon",
        },
    )
    client.post("/app/enquetes/reglages/", {"froid_delai_mois": "3", "rappel_jours": "10"})
    with tenant_context(world.org_a):
        question = Question.objects.get(libelle="Avez-vous suivi une formation ?")
        assert question.options == ["Oui", "Non"]
        parametres = services.parametres_obtenir(organisation=world.org_a)
        assert (parametres.froid_delai_mois, parametres.rappel_jours) == (3, 10)
    client.post(f"/app/enquetes/questions/{question.public_id}/retirer/")
    with tenant_context(world.org_a):
        question.refresh_from_db()
    assert question.active is False
    # Out of range: refused.
    client.post("/app/enquetes/reglages/", {"froid_delai_mois": "9", "rappel_jours": "10"})
    with tenant_context(world.org_a):
        assert services.parametres_obtenir(organisation=world.org_a).froid_delai_mois == 3
    assert login_as(world.consultant_a).get("/app/enquetes/").status_code == 403
