"""PostgreSQL row-level security: the migration operations and the SQL they run.

Every tenant-owned table gets the same policy, generated here, so that no table can drift. All
operations are no-ops on SQLite (the embedded demo), which has no row-level security.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import migrations
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState
from django.db.models import Field, Model

from bilan.core.tenant_scope import TenantOwned

POLICY_NAME = "tenant_isolation"
# Fail closed: with app.current_org unset or empty, nullif() yields NULL and no row matches.
# The scalar sub-select lets PostgreSQL evaluate the setting once per statement, not per row.
TENANT_PREDICATE = (
    "organisation_id = nullif((SELECT current_setting('app.current_org', true)), '')::bigint"
)


def enable_rls_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'CREATE POLICY {POLICY_NAME} ON "{table}" '
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})",
    ]


def disable_rls_sql(table: str) -> list[str]:
    return [
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


class _PostgresOnly(migrations.operations.base.Operation):
    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def _run(self, schema_editor: BaseDatabaseSchemaEditor, statements: list[str]) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)


class EnableRowLevelSecurity(_PostgresOnly):
    """ENABLE + FORCE row-level security and the tenant policy on one model's table."""

    def __init__(self, model_name: str):
        self.model_name = model_name

    def _table(self, app_label: str, state: ProjectState) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, enable_rls_sql(self._table(app_label, to_state)))

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, disable_rls_sql(self._table(app_label, from_state)))

    def describe(self) -> str:
        return f"Row-level security on {self.model_name}"

    def deconstruct(self) -> tuple[str, list[str], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name], {}


class AddTenantForeignKey(_PostgresOnly):
    """A composite foreign key (organisation_id, <field>_id) -> parent (organisation_id, id).

    Django has no composite foreign key field; this constraint is what stops a row from pointing
    at another organisation's row, even through raw SQL (foreign-key checks ignore RLS).
    """

    def __init__(self, model_name: str, field_name: str):
        self.model_name = model_name
        self.field_name = field_name

    def _names(self, app_label: str, state: ProjectState) -> tuple[str, str, str, str]:
        model = state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.field_name)
        parent = field.related_model._meta.db_table
        table = model._meta.db_table
        constraint = f"{table}_{field.column}_same_org"[:63]
        return table, field.column, parent, constraint

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        table, column, parent, constraint = self._names(app_label, to_state)
        self._run(
            schema_editor,
            [
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint}" '
                f'FOREIGN KEY ("organisation_id", "{column}") '
                f'REFERENCES "{parent}" ("organisation_id", "id")'
            ],
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        table, _column, _parent, constraint = self._names(app_label, from_state)
        self._run(schema_editor, [f'ALTER TABLE "{table}" DROP CONSTRAINT "{constraint}"'])

    def describe(self) -> str:
        return f"Same-organisation foreign key {self.model_name}.{self.field_name}"

    def deconstruct(self) -> tuple[str, list[str], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name, self.field_name], {}


def grant_app_role_sql(role: str) -> str:
    """Data rights (no DDL, no TRUNCATE) for the application role, now and for future tables.

    Guarded: does nothing where the role does not exist (a single-role development database).
    """
    # The role name is validated in settings ([a-z_][a-z0-9_]*), never user input.
    return f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    EXECUTE 'GRANT USAGE ON SCHEMA public TO "{role}"';
    EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"';
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"';
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public
             GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"';
    EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public
             GRANT USAGE, SELECT ON SEQUENCES TO "{role}"';
  END IF;
END
$$;
"""


class GrantApplicationRole(_PostgresOnly):
    """Give the application role (settings.DATABASE_APP_ROLE) its data rights."""

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, [grant_app_role_sql(settings.DATABASE_APP_ROLE)])

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        pass

    def describe(self) -> str:
        return "Grant data rights to the application role"

    def deconstruct(self) -> tuple[str, list[str], dict[str, Any]]:
        return self.__class__.__qualname__, [], {}


class MakeAppendOnly(_PostgresOnly):
    """Refuse UPDATE and DELETE on a table: revoked from the application role, and a trigger
    that raises for every role, so an audit trail cannot be rewritten."""

    def __init__(self, model_name: str):
        self.model_name = model_name

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        role = settings.DATABASE_APP_ROLE
        self._run(
            schema_editor,
            [
                f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM "{role}"';
  END IF;
END
$$;""",
                f"""
CREATE OR REPLACE FUNCTION "{table}_append_only"() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'Le journal est en ajout seul : % interdit sur {table}', TG_OP;
END
$$ LANGUAGE plpgsql""",
                f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
                f'FOR EACH ROW EXECUTE FUNCTION "{table}_append_only"()',
            ],
        )

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        table = from_state.apps.get_model(app_label, self.model_name)._meta.db_table
        self._run(
            schema_editor,
            [
                f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"',
                f'DROP FUNCTION IF EXISTS "{table}_append_only"()',
            ],
        )

    def describe(self) -> str:
        return f"Append-only {self.model_name}"

    def deconstruct(self) -> tuple[str, list[str], dict[str, Any]]:
        return self.__class__.__qualname__, [self.model_name], {}


# --- Catalogue: what the database actually enforces -------------------------------------------


def tenant_models() -> list[type[Model]]:
    return [m for m in apps.get_models() if issubclass(m, TenantOwned)]


def tenant_foreign_keys() -> list[tuple[type[Model], Field[Any, Any]]]:
    """(model, field) pairs where a row carrying an organisation points at a tenant-owned row."""
    pairs = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "organisation" not in names:
            continue
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.name != "organisation"
                and isinstance(field.related_model, type)
                and issubclass(field.related_model, TenantOwned)
            ):
                pairs.append((model, field))
    return pairs


def rls_catalogue(connection: BaseDatabaseWrapper) -> list[dict[str, Any]]:
    """One row per tenant-owned table: RLS enabled and forced, and its policy expressions."""
    rows = []
    with connection.cursor() as cursor:
        for model in tenant_models():
            table = model._meta.db_table
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, p.policyname, p.qual, "
                "p.with_check FROM pg_class c LEFT JOIN pg_policies p "
                "ON p.tablename = c.relname AND p.schemaname = 'public' "
                "WHERE c.relname = %s AND c.relkind = 'r'",
                [table],
            )
            found = cursor.fetchall()
            enabled, forced, policy, using, check = (
                found[0] if found else (False,) * 2 + (None,) * 3
            )
            rows.append(
                {
                    "table": table,
                    "exists": bool(found),
                    "enabled": bool(enabled),
                    "forced": bool(forced),
                    "policies": [r[2] for r in found if r[2]],
                    "using": using,
                    "with_check": check,
                }
            )
    return rows


def composite_foreign_keys(connection: BaseDatabaseWrapper) -> list[dict[str, Any]]:
    """For each tenant foreign key, whether the (organisation_id, x_id) constraint exists."""
    rows = []
    with connection.cursor() as cursor:
        for model, field in tenant_foreign_keys():
            table = model._meta.db_table
            cursor.execute(
                "SELECT con.conname FROM pg_constraint con "
                "JOIN pg_class c ON c.oid = con.conrelid "
                "WHERE c.relname = %s AND con.contype = 'f' AND array_length(con.conkey, 1) = 2 "
                "AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a "
                "     WHERE a.attrelid = c.oid AND a.attnum = ANY(con.conkey)) "
                "    = (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[%s, %s]) x)",
                [table, "organisation_id", field.column],
            )
            found = cursor.fetchone()
            rows.append(
                {"table": table, "column": field.column, "constraint": found[0] if found else None}
            )
    return rows


def protection_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """Human-readable list of what is missing; empty when every tenant table is protected."""
    if connection.vendor != "postgresql":
        return []
    problems = []
    catalogue = rls_catalogue(connection)
    # A table not created yet is a pending migration (migrate runs these checks first).
    existing = {row["table"] for row in catalogue if row["exists"]}
    for row in catalogue:
        if not row["exists"]:
            continue
        if not (row["enabled"] and row["forced"] and POLICY_NAME in row["policies"]):
            problems.append(f"{row['table']} : sécurité au niveau des lignes absente ou incomplète")
        elif "current_org" not in (row["using"] or "") or "current_org" not in (
            row["with_check"] or ""
        ):
            problems.append(f"{row['table']} : politique sans USING ou sans WITH CHECK")
    for row in composite_foreign_keys(connection):
        if row["constraint"] is None and row["table"] in existing:
            problems.append(
                f"{row['table']}.{row['column']} : clé étrangère composite (organisation) absente"
            )
    return problems
