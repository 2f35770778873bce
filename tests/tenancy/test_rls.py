"""Row-level security, checked against PostgreSQL itself, as the application role."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.db import DatabaseError, connection, transaction

from beneficiaires.models import Beneficiaire
from bilan.core.rls import POLICY_NAME, composite_foreign_keys, protection_problems, rls_catalogue
from bilan.core.tenancy import indice_organisation, tenant_context

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _scalar(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def test_tests_run_as_the_application_role():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
    assert user == settings.DATABASE_APP_ROLE
    assert superuser is False
    assert bypass is False
    owner = _scalar(
        "SELECT pg_get_userbyid(relowner) FROM pg_class "
        "WHERE relname = 'beneficiaires_beneficiaire'"
    )
    assert owner != user


def test_every_tenant_table_has_its_policy_and_composite_keys():
    catalogue = {row["table"]: row for row in rls_catalogue(connection)}
    assert {"beneficiaires_beneficiaire", "beneficiaires_document", "core_auditevent"} <= set(
        catalogue
    )
    for row in catalogue.values():
        assert row["exists"], row
        assert row["enabled"], row
        assert row["forced"], row
        assert row["policies"] == [POLICY_NAME], row
        assert "current_setting('app.current_org'" in row["using"]
        assert row["with_check"] == row["using"]
    keys = {
        (row["table"], row["column"]): row["constraint"]
        for row in composite_foreign_keys(connection)
    }
    assert keys[("beneficiaires_document", "beneficiaire_id")]
    assert keys[("core_invitation", "beneficiaire_id")]
    assert keys[("beneficiaires_portalaccess", "beneficiaire_id")]
    assert keys[("core_auditevent", "beneficiaire_id")]
    assert protection_problems(connection) == []


def test_the_database_check_flags_a_table_without_its_policy():
    assert not [e for e in run_checks(databases=["default"]) if e.id == "bilan.E002"]
    # The application role cannot drop a policy, so hand the catalogue a table that has none.
    from bilan.core import rls

    class FakeMeta:
        db_table = "core_membership"  # a global table: no policy

    class Fake:
        _meta = FakeMeta

    original = rls.tenant_models
    rls.tenant_models = lambda: [*original(), Fake]
    try:
        problems = protection_problems(connection)
    finally:
        rls.tenant_models = original
    assert problems == ["core_membership : sécurité au niveau des lignes absente ou incomplète"]


def test_raw_sql_without_an_organisation_returns_nothing(world):
    assert _scalar("SELECT count(*) FROM beneficiaires_beneficiaire") == 0
    assert _scalar("SELECT current_setting('app.current_org', true)") in (None, "")


def test_unfiltered_queries_only_see_the_bound_organisation(world):
    with tenant_context(world.org_a):
        ids = {row[0] for row in _rows("SELECT organisation_id FROM beneficiaires_beneficiaire")}
        assert ids == {world.org_a.pk}
        assert list(Beneficiaire.unscoped.all()) == [world.beneficiaire_a]
        assert not Beneficiaire.unscoped.filter(pk=world.beneficiaire_b.pk).exists()


def _rows(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_insert_for_another_organisation_is_refused(world):
    with tenant_context(world.org_a):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _rows(
                "INSERT INTO beneficiaires_beneficiaire (organisation_id, public_id, created_at, "
                "updated_at, civilite, prenom, nom, email, telephone) VALUES "
                "(%s, gen_random_uuid(), now(), now(), '', 'Intrus', 'Intrus', 'i@x.test', '') "
                "RETURNING id",
                [world.org_b.pk],
            )
        count = _scalar("SELECT count(*) FROM beneficiaires_beneficiaire")
    assert count == 1
    with tenant_context(world.org_b):
        assert not Beneficiaire.objects.filter(nom="Intrus").exists()


def test_moving_a_row_to_another_organisation_is_refused(world):
    with tenant_context(world.org_a):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            _scalar(
                "UPDATE beneficiaires_beneficiaire SET organisation_id = %s RETURNING id",
                [world.org_b.pk],
            )
        assert Beneficiaire.objects.get().pk == world.beneficiaire_a.pk


def test_a_row_cannot_point_at_another_organisations_row(world):
    """The composite foreign key refuses it even though foreign-key checks ignore RLS."""
    with (
        tenant_context(world.org_a),
        pytest.raises(DatabaseError, match="same_org"),
        transaction.atomic(),
    ):
        _rows(
            "INSERT INTO beneficiaires_document (organisation_id, public_id, created_at, "
            "updated_at, beneficiaire_id, titre, categorie, fichier, nom_original, type_mime, "
            "taille, sha256, depose_par_id) VALUES (%s, gen_random_uuid(), now(), now(), %s, "
            "'x', 'travail', 'x', 'x', 'text/plain', 1, '', %s)",
            [world.org_a.pk, world.beneficiaire_b.pk, world.consultant_a.pk],
        )


def test_the_binding_ends_with_the_request(world, login_as):
    client = login_as(world.consultant_a)
    assert client.get("/app/beneficiaires/").status_code == 200
    assert _scalar("SELECT current_setting('app.current_org', true)") in (None, "")
    assert _scalar("SELECT count(*) FROM beneficiaires_beneficiaire") == 0


def test_nested_contexts_restore_the_outer_organisation(world):
    with tenant_context(world.org_a):
        with tenant_context(world.org_b):
            assert _scalar("SELECT current_setting('app.current_org', true)") == str(world.org_b.pk)
        assert _scalar("SELECT current_setting('app.current_org', true)") == str(world.org_a.pk)
    assert _scalar("SELECT current_setting('app.current_org', true)") in (None, "")


@pytest.mark.django_db(transaction=True)
def test_the_outermost_block_is_unbound_by_its_commit(world):
    """The outermost ``tenant_context`` no longer resets the binding before its COMMIT (one
    statement per transaction, issue 16): the transaction-local setting ends with it, and the
    connection's next statements see no organisation."""
    assert not connection.in_atomic_block
    with tenant_context(world.org_a):
        Beneficiaire.objects.count()
        assert _scalar("SELECT current_setting('app.current_org', true)") == str(world.org_a.pk)
    assert _scalar("SELECT current_setting('app.current_org', true)") in (None, "")
    assert _scalar("SELECT count(*) FROM beneficiaires_beneficiaire") == 0
    with transaction.atomic():
        assert _scalar("SELECT current_setting('app.current_org', true)") in (None, "")
        assert _scalar("SELECT count(*) FROM beneficiaires_beneficiaire") == 0


def test_the_planner_hint_names_only_the_bound_organisation(world):
    """``indice_organisation`` adds the bound organisation's id on joined tables; nothing when
    no organisation is bound (a hint, never a way to read another organisation)."""
    assert indice_organisation("bilan") == {}
    with tenant_context(world.org_a):
        assert indice_organisation("bilan", "bilan__beneficiaire") == {
            "bilan__organisation_id": world.org_a.pk,
            "bilan__beneficiaire__organisation_id": world.org_a.pk,
        }


def test_a_failed_block_leaves_nothing_bound(world):
    with pytest.raises(RuntimeError), tenant_context(world.org_a):
        raise RuntimeError("échec")
    assert _scalar("SELECT count(*) FROM beneficiaires_beneficiaire") == 0


def test_no_code_sets_the_tenant_for_the_whole_session():
    """set_config(..., false) or a plain SET would outlive the transaction and leak."""
    offenders = []
    for path in [*ROOT.glob("bilan/**/*.py"), *ROOT.glob("beneficiaires/**/*.py")]:
        text = path.read_text()
        if re.search(r"set_config\([^)]*,\s*false\s*\)", text, re.I) or re.search(
            r"\bSET\s+(SESSION\s+)?app\.current_org", text, re.I
        ):
            offenders.append(str(path))
    assert offenders == []
    assert "set_config('app.current_org', %s, true)" in (ROOT / "bilan/core/tenancy.py").read_text()
