import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bilan.core.models import Membership, Organisation

pytestmark = pytest.mark.django_db

VALID = {
    "raison_sociale": "Organisme A renommé",
    "siret": "732 829 320 00074",
    "numero_declaration_activite": "11755555575",
    "qualiopi_numero_certificat": "Q-1",
    "qualiopi_date_expiration": "2027-06-30",
    "qualiopi_couvre_bilans": "on",
    "referent_handicap_nom": "Nadia Benali",
    "referent_handicap_contact": "handicap@a.test",
    "delai_reflexion_jours": "10",
    "seuil_accompagnement_heures": "13",
    "suivi_delai_mois": "6",
    "abandon_alerte_semaines": "4",
}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def test_admin_updates_the_organisation(world, login_as):
    response = login_as(world.admin_a).post("/app/organisation/", VALID)
    assert response.status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.raison_sociale == "Organisme A renommé"
    assert world.org_a.siret == "73282932000074"
    assert world.org_a.qualiopi_couvre_bilans is True
    assert str(world.org_a.qualiopi_date_expiration) == "2027-06-30"


def test_invalid_values_are_refused_at_their_field_and_nothing_is_saved(world, login_as):
    data = {**VALID, "siret": "12345678901234", "numero_declaration_activite": "12AB"}
    response = login_as(world.admin_a).post("/app/organisation/", data)
    assert response.status_code == 400
    page = _page(response)
    assert "Ce numéro SIRET n'est pas valide" in page
    assert "Le numéro de déclaration d'activité compte 11 chiffres." in page
    assert 'id="resume-erreurs"' in page
    assert page.count('aria-invalid="true"') == 2
    world.org_a.refresh_from_db()
    assert world.org_a.raison_sociale == "Organisme A"


def test_a_consultant_reads_but_cannot_edit(world, login_as):
    client = login_as(world.consultant_a)
    page = _page(client.get("/app/organisation/"))
    assert "Informations de l'organisme" in page
    assert 'name="raison_sociale"' not in page
    response = client.post("/app/organisation/", VALID)
    assert response.status_code == 403
    assert Organisation.objects.get(pk=world.org_a.pk).raison_sociale == "Organisme A"


def test_logo_is_uploaded_and_served_only_to_members(world, login_as):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, "PNG")
    logo = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    response = login_as(world.admin_a).post("/app/organisation/", {**VALID, "logo": logo})
    assert response.status_code == 302
    served = login_as(world.consultant_a).get("/app/organisation/logo/")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == buffer.getvalue()
    assert login_as(world.consultant_b).get("/app/organisation/logo/").status_code == 404


def test_a_non_image_logo_is_refused(world, login_as):
    fake = SimpleUploadedFile("logo.png", b"pas une image", content_type="image/png")
    response = login_as(world.admin_a).post("/app/organisation/", {**VALID, "logo": fake})
    assert response.status_code == 400
    assert "Téléversez une image valide" in _page(response)


def test_admin_changes_a_role(world, login_as):
    membership = Membership.objects.get(user=world.consultant_a)
    login_as(world.admin_a).post(
        f"/app/organisation/membres/{membership.public_id}/role/", {"role": "assistant"}
    )
    membership.refresh_from_db()
    assert membership.role == "assistant"


def test_the_last_admin_cannot_be_demoted(world, login_as):
    membership = Membership.objects.get(user=world.admin_a)
    response = login_as(world.admin_a).post(
        f"/app/organisation/membres/{membership.public_id}/role/",
        {"role": "consultant"},
        follow=True,
    )
    assert "au moins un·e administrateur·rice" in _page(response)
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_admin_deactivates_and_reactivates_a_member(world, login_as):
    membership = Membership.objects.get(user=world.consultant_a)
    admin = login_as(world.admin_a)
    admin.post(f"/app/organisation/membres/{membership.public_id}/desactiver/")
    membership.refresh_from_db()
    assert membership.is_active is False
    assert login_as(world.consultant_a).get("/app/").status_code == 403
    admin.post(f"/app/organisation/membres/{membership.public_id}/reactiver/")
    membership.refresh_from_db()
    assert membership.is_active is True


def test_nobody_deactivates_themself(world, login_as):
    membership = Membership.objects.get(user=world.admin_a)
    response = login_as(world.admin_a).post(
        f"/app/organisation/membres/{membership.public_id}/desactiver/", follow=True
    )
    assert "votre propre accès" in _page(response)
    membership.refresh_from_db()
    assert membership.is_active is True


def test_a_consultant_cannot_manage_members(world, login_as):
    membership = Membership.objects.get(user=world.admin_a)
    response = login_as(world.consultant_a).post(
        f"/app/organisation/membres/{membership.public_id}/role/", {"role": "consultant"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == "admin"
