import html

import pytest
from django.db import DatabaseError, connection, transaction

from bilan.core.models import AuditEvent
from bilan.core.tenancy import tenant_context
from tests.factories.beneficiaires import document_for

pytestmark = pytest.mark.django_db


def _events(organisation):
    with tenant_context(organisation):
        return list(AuditEvent.objects.order_by("pk").values("action", "object_type", "actor_id"))


def test_opening_a_dossier_is_logged_with_ip_and_browser(world, login_as):
    client = login_as(world.consultant_a)
    client.get(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/",
        HTTP_USER_AGENT="Navigateur de test",
        REMOTE_ADDR="192.0.2.10",
    )
    with tenant_context(world.org_a):
        event = AuditEvent.objects.get()
    assert event.actor == world.consultant_a
    assert event.action == "lecture"
    assert event.beneficiaire_id == world.beneficiaire_a.pk
    assert event.object_id == world.beneficiaire_a.public_id
    assert event.ip_address == "192.0.2.10"
    assert event.user_agent == "Navigateur de test"
    assert _events(world.org_b) == []


def test_an_outsider_request_logs_nothing(world, login_as):
    login_as(world.consultant_b).get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/")
    assert _events(world.org_a) == []
    assert _events(world.org_b) == []


def test_the_journal_is_append_only_for_the_application_role(world, login_as):
    login_as(world.consultant_a).get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/")
    with tenant_context(world.org_a):
        for statement in (
            "UPDATE core_auditevent SET object_label = 'effacé'",
            "DELETE FROM core_auditevent",
        ):
            with (
                pytest.raises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        assert AuditEvent.objects.get().object_label.startswith("Dossier de")


def test_admin_sees_and_filters_the_journal(world, login_as):
    document = document_for(world.beneficiaire_a, by=world.consultant_a)
    login_as(world.consultant_a).get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/")
    login_as(world.admin_a).get(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/documents/{document.public_id}/"
    )
    client = login_as(world.admin_a)
    page = html.unescape(client.get("/app/organisation/journal/").content.decode())
    assert "Journal des accès" in page
    assert "<td>consultation</td>" in page
    assert "<td>téléchargement</td>" in page
    only_bob = html.unescape(
        client.get(
            "/app/organisation/journal/", {"utilisateur": str(world.consultant_a.public_id)}
        ).content.decode()
    )
    assert "<td>consultation</td>" in only_bob
    assert "<td>téléchargement</td>" not in only_bob
    by_beneficiary = client.get(
        "/app/organisation/journal/", {"beneficiaire": str(world.beneficiaire_a.public_id)}
    )
    assert by_beneficiary.status_code == 200
    foreign = client.get(
        "/app/organisation/journal/", {"beneficiaire": str(world.beneficiaire_b.public_id)}
    )
    assert foreign.status_code == 400  # not a choice: B's beneficiary is unknown here


def test_only_admins_read_the_journal(world, login_as):
    assert login_as(world.consultant_a).get("/app/organisation/journal/").status_code == 403


def test_the_beneficiary_sees_who_opened_the_dossier(world, login_as):
    login_as(world.consultant_a).get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/")
    page = html.unescape(
        login_as(world.beneficiaire_user_a).get("/portail/acces/").content.decode()
    )
    assert world.consultant_a.get_full_name() in page
    assert "consultation" in page
    other = html.unescape(
        login_as(world.beneficiaire_user_b).get("/portail/acces/").content.decode()
    )
    assert "Personne n'a encore consulté votre dossier." in other
    assert world.consultant_a.get_full_name() not in other
