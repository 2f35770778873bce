import html

import pytest

from beneficiaires.models import Beneficiaire
from bilan.core.models import Invitation
from bilan.core.tenancy import tenant_context
from tests.factories.beneficiaires import BeneficiaireFactory

pytestmark = pytest.mark.django_db


def test_consultant_creates_a_beneficiary(world, login_as):
    response = login_as(world.consultant_a).post(
        "/app/beneficiaires/nouveau/",
        {
            "prenom": "Inès",
            "nom": "Garcia",
            "email": "Ines@Exemple.test",
            "consultant": world.consultant_a.pk,
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        created = Beneficiaire.objects.get(email="ines@exemple.test")
    assert created.organisation == world.org_a
    assert response["Location"] == f"/app/beneficiaires/{created.public_id}/"


SITUATION = {
    "statut": "salarie_prive",
    "statut_precision": "CDI, temps partiel",
    "employeur_nom": "Boulangerie Martin",
    "employeur_siret": "73282932000074",
    "poste": "Vendeuse",
}


def test_creation_through_the_form_keeps_situation_employer_and_job(world, login_as):
    """Regression: the service used to drop situation, employer and job silently (they feed the
    R6313-5 check and the tripartite convention)."""
    response = login_as(world.consultant_a).post(
        "/app/beneficiaires/nouveau/",
        {"prenom": "Inès", "nom": "Garcia", "email": "ines@exemple.test", **SITUATION},
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        created = Beneficiaire.objects.get(email="ines@exemple.test")
    assert {field: getattr(created, field) for field in SITUATION} == SITUATION


def test_edit_through_the_form_keeps_situation_employer_and_job(world, login_as):
    other = BeneficiaireFactory(organisation=world.org_a, consultant=world.consultant_a)
    response = login_as(world.consultant_a).post(
        f"/app/beneficiaires/{other.public_id}/modifier/",
        {"prenom": "Léo", "nom": "Autre", "email": "leo@exemple.test", **SITUATION},
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        other.refresh_from_db()
    assert {field: getattr(other, field) for field in SITUATION} == SITUATION
    assert (other.prenom, other.email) == ("Léo", "leo@exemple.test")


def test_the_beneficiary_record_refuses_an_unknown_or_missing_field():
    from beneficiaires.services.beneficiaires import FicheBeneficiaire

    complete = {
        "civilite": "",
        "prenom": "Inès",
        "nom": "Garcia",
        "email": "ines@exemple.test",
        "telephone": "",
        "consultant": None,
        **SITUATION,
    }
    assert FicheBeneficiaire(**complete).poste == "Vendeuse"
    with pytest.raises(TypeError):
        FicheBeneficiaire(**complete, surnom="Nénès")
    without_job = {k: v for k, v in complete.items() if k != "poste"}
    with pytest.raises(TypeError):
        FicheBeneficiaire(**without_job)


def test_duplicate_email_in_the_organisation_is_refused_at_the_field(world, login_as):
    response = login_as(world.consultant_a).post(
        "/app/beneficiaires/nouveau/",
        {"prenom": "Camille", "nom": "Bis", "email": "CAMILLE@exemple.test"},
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Un·e bénéficiaire de l'organisme utilise déjà cette adresse." in page
    with tenant_context(world.org_a):
        assert Beneficiaire.objects.count() == 1


def test_the_same_email_is_fine_in_another_organisation(world, login_as):
    response = login_as(world.consultant_b).post(
        "/app/beneficiaires/nouveau/",
        {"prenom": "Camille", "nom": "Ailleurs", "email": "camille@exemple.test"},
    )
    assert response.status_code == 302
    for organisation in (world.org_a, world.org_b):
        with tenant_context(organisation):
            assert Beneficiaire.objects.filter(email="camille@exemple.test").count() == 1


def test_missing_fields_get_french_messages(world, login_as):
    response = login_as(world.consultant_a).post("/app/beneficiaires/nouveau/", {})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()


def test_consultant_of_another_organisation_cannot_be_assigned(world, login_as):
    response = login_as(world.consultant_a).post(
        "/app/beneficiaires/nouveau/",
        {
            "prenom": "A",
            "nom": "B",
            "email": "ab@exemple.test",
            "consultant": world.consultant_b.pk,
        },
    )
    assert response.status_code == 400
    with tenant_context(world.org_a):
        assert not Beneficiaire.objects.filter(email="ab@exemple.test").exists()


def test_list_shows_only_the_organisation(world, login_as):
    page = login_as(world.consultant_a).get("/app/beneficiaires/").content.decode()
    # By public id: random (Faker) names of the two organisations may coincide.
    assert str(world.beneficiaire_a.public_id) in page
    assert str(world.beneficiaire_b.public_id) not in page


def test_edit_keeps_the_email_unique(world, login_as):
    other = BeneficiaireFactory(
        organisation=world.org_a, prenom="Léo", nom="Autre", email="leo@exemple.test"
    )
    # An admin: the beneficiary is not (yet) assigned to consultant_a (need-to-know, rule 11).
    response = login_as(world.admin_a).post(
        f"/app/beneficiaires/{other.public_id}/modifier/",
        {"prenom": "Léo", "nom": "Autre", "email": "camille@exemple.test"},
    )
    assert response.status_code == 400
    with tenant_context(world.org_a):
        other.refresh_from_db()
    assert other.email == "leo@exemple.test"


def test_invite_to_portal(world, login_as, django_capture_on_commit_callbacks):
    other = BeneficiaireFactory(
        organisation=world.org_a, prenom="Léo", nom="Autre", email="leo@exemple.test"
    )
    # An admin: the beneficiary is not (yet) assigned to consultant_a (need-to-know, rule 11).
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(world.admin_a).post(f"/app/beneficiaires/{other.public_id}/inviter/")
    assert response.status_code == 302
    invitation = Invitation.objects.get(beneficiaire=other)
    assert invitation.role == ""
    # Already on the portal: a second invitation is refused.
    response = login_as(world.consultant_a).post(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/inviter/", follow=True
    )
    assert "déjà accès au portail" in html.unescape(response.content.decode())
    assert not Invitation.objects.filter(beneficiaire=world.beneficiaire_a).exists()


def test_beneficiary_accepts_the_portal_invitation(world, client):
    from bilan.core.models import User
    from bilan.core.services import invitation_creer

    other = BeneficiaireFactory(
        organisation=world.org_a, prenom="Léo", nom="Autre", email="leo@exemple.test"
    )
    _invitation, token = invitation_creer(
        organisation=world.org_a,
        email=other.email,
        beneficiaire=other,
        invited_by=world.consultant_a,
    )
    client.get(f"/invitation/{token}/")
    response = client.post(
        "/accounts/signup/",
        {
            "email": "leo@exemple.test",
            "first_name": "Léo",
            "last_name": "Autre",
            "password1": "Un-mot-de-passe-long-1",
            "password2": "Un-mot-de-passe-long-1",
        },
    )
    assert response["Location"] == "/portail/"
    user = User.objects.get(email="leo@exemple.test")
    assert user.portal_accesses.get().beneficiaire_id == other.pk
    page = client.get("/portail/").content.decode()
    assert "Bonjour Léo" in page
