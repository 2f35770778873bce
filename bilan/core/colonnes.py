"""Columns a database trigger maintains: Django never writes them, the application role cannot.

A model names them in ``colonnes_maintenues`` (abstract base ``ColonnesMaintenues``). Its
``save()`` leaves them out of every UPDATE (a whole object loaded earlier would otherwise write
back a stale value over the trigger's work) and refuses an ``update_fields`` that names them.

In the database, the migration operation ``ReserverAuxDeclencheurs`` takes the application
role's ``UPDATE`` right on them away: ``REVOKE UPDATE`` on the table, then ``GRANT UPDATE`` on
every *other* column, read from the catalogue when it runs. A column added to the table later
has no ``UPDATE`` right for the role until the operation runs again (it is idempotent): add it
to the migration that adds the column; ``colonnes_reserver_apres_migration`` does it after
every ``migrate`` anyway, where the reservation is in force. ``colonnes_maintenues_problemes``
(system check ``bilan.E003`` and ``tests/seances/test_compteur_24h.py``) reports any drift, in
either direction. The triggers that write these columns run ``SECURITY DEFINER`` as the tables'
owner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, migrations, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.db.models.base import ModelBase
from django.db.models.signals import post_migrate

_IDENTIFIANT = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class ColonnesMaintenues(models.Model):
    """Abstract base of a model with columns only a database trigger writes."""

    # Field names, e.g. ``frozenset({"minutes_comptees"})``.
    colonnes_maintenues: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True

    def save(
        self,
        *,
        force_insert: bool | tuple[ModelBase, ...] = False,
        force_update: bool = False,
        using: str | None = None,
        update_fields: Iterable[str] | None = None,
    ) -> None:
        """Save every loaded field but the maintained ones (an INSERT keeps them: the table's
        own trigger sets their starting value)."""
        if update_fields is not None:
            update_fields = list(update_fields)
            nommees = self.colonnes_maintenues.intersection(update_fields)
            if nommees:
                raise ValueError(
                    f"{self._meta.label} : {', '.join(sorted(nommees))} est tenu par un "
                    "déclencheur de la base ; Django ne l'écrit jamais."
                )
        elif not force_insert and not self._state.adding:
            differes = self.get_deferred_fields()
            update_fields = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key
                and f.attname not in differes
                and f.name not in self.colonnes_maintenues
            ]
        super().save(
            force_insert=force_insert,
            force_update=force_update,
            using=using,
            update_fields=update_fields,
        )


def colonnes_maintenues() -> list[tuple[type[models.Model], str]]:
    """(model, database column) for every column a trigger maintains."""
    paires: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        if issubclass(model, ColonnesMaintenues):
            for nom in sorted(model.colonnes_maintenues):
                champ = model._meta.get_field(nom)
                if not isinstance(champ, models.Field) or not champ.column:
                    raise TypeError(f"{model._meta.label}.{nom} n'est pas une colonne.")
                paires.append((model, champ.column))
    return paires


def reserver_sql(
    *, table: str, colonnes: Iterable[str], role: str, seulement_si_deja_reservee: bool = False
) -> str:
    """The application role may update every column of ``table`` but ``colonnes``.

    Guarded: does nothing where the role or the table does not exist (a single-role development
    database, a migration not reached yet). With ``seulement_si_deja_reservee`` (after each
    ``migrate``), only where the current user owns the table and the role has no table-level
    ``UPDATE`` (a reservation in force, which a migration may since have widened the table of).
    """
    reservees = sorted(colonnes)
    for nom in [table, role, *reservees]:
        # Names come from model metadata and validated settings; checked all the same.
        if not _IDENTIFIANT.fullmatch(nom):
            raise ValueError(f"Identifiant PostgreSQL invalide : {nom!r}")
    liste = ", ".join(f"'{nom}'" for nom in reservees)
    condition = (
        f"""
     AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = to_regclass('"{table}"')),
                     'USAGE')
     AND NOT has_table_privilege('{role}', to_regclass('"{table}"'), 'UPDATE')"""
        if seulement_si_deja_reservee
        else ""
    )
    return f"""
DO $$
DECLARE
  autorisees text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}')
     AND to_regclass('"{table}"') IS NOT NULL{condition}
  THEN
    EXECUTE 'REVOKE UPDATE ON "{table}" FROM "{role}"';
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO autorisees
      FROM pg_attribute
     WHERE attrelid = to_regclass('"{table}"') AND attnum > 0 AND NOT attisdropped
       AND attname <> ALL (ARRAY[{liste}]::name[]);
    EXECUTE format('GRANT UPDATE (%s) ON %I TO %I', autorisees, '{table}', '{role}');
  END IF;
END
$$;
"""


def colonnes_reserver_apres_migration(
    *, app_config: AppConfig, using: str = DEFAULT_DB_ALIAS, **autres: Any
) -> None:
    """``post_migrate`` receiver (once per ``migrate``, on the core app's signal): keep each
    reservation in force over the table's current columns, so a column a later migration adds
    is updatable by the application role (and a maintained one is not), without anyone
    remembering to say so. A no-op unless the current user owns the table (a flush in the
    tests, as the application role, changes nothing)."""
    connection = connections[using]
    if app_config.label != "core" or connection.vendor != "postgresql":
        return
    par_table: dict[str, set[str]] = {}
    for model, colonne in colonnes_maintenues():
        par_table.setdefault(model._meta.db_table, set()).add(colonne)
    with connection.cursor() as cursor:
        for table, reservees in sorted(par_table.items()):
            cursor.execute(
                reserver_sql(
                    table=table,
                    colonnes=reservees,
                    role=settings.DATABASE_APP_ROLE,
                    seulement_si_deja_reservee=True,
                )
            )


class ReserverAuxDeclencheurs(migrations.operations.base.Operation):
    """Column-level privileges: the application role loses ``UPDATE`` on ``colonnes`` of
    ``app_label.model_name`` and keeps it on every other column, present ones included.

    Run it again in any migration that adds a column to that table."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, app_label: str, model_name: str, colonnes: list[str]):
        self.app_label = app_label
        self.model_name = model_name
        self.colonnes = colonnes

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def _table_et_colonnes(self, state: ProjectState) -> tuple[str, list[str]]:
        model = state.apps.get_model(self.app_label, self.model_name)
        return model._meta.db_table, [model._meta.get_field(c).column for c in self.colonnes]

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table, colonnes = self._table_et_colonnes(to_state)
        sql = reserver_sql(table=table, colonnes=colonnes, role=settings.DATABASE_APP_ROLE)
        schema_editor.execute(sql, params=None)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table, _colonnes = self._table_et_colonnes(from_state)
        role = settings.DATABASE_APP_ROLE
        schema_editor.execute(
            f"""
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    EXECUTE 'GRANT UPDATE ON "{table}" TO "{role}"';
  END IF;
END
$$;""",
            params=None,
        )

    def describe(self) -> str:
        return f"Reserve {self.model_name}.{', '.join(self.colonnes)} to database triggers"

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.app_label, self.model_name, self.colonnes], {}


def _migrations_en_attente(connection: BaseDatabaseWrapper) -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def colonnes_maintenues_problemes(connection: BaseDatabaseWrapper) -> list[str]:
    """What the application role may do that it should not, or may not do that it should, on
    the tables with maintained columns; empty when the privileges match the declarations.

    Says nothing while migrations are pending (``migrate`` runs the checks before migrating)
    or where the application role does not exist."""
    if connection.vendor != "postgresql":
        return []
    role = settings.DATABASE_APP_ROLE
    par_table: dict[str, set[str]] = {}
    for model, colonne in colonnes_maintenues():
        par_table.setdefault(model._meta.db_table, set()).add(colonne)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return []
    if _migrations_en_attente(connection):
        return []
    problemes = []
    with connection.cursor() as cursor:
        for table, reservees in sorted(par_table.items()):
            cursor.execute(
                "SELECT attname, has_column_privilege(%s, attrelid, attname, 'UPDATE') "
                "FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped ORDER BY attnum",
                [role, f'"{table}"'],
            )
            for colonne, peut_modifier in cursor.fetchall():
                if colonne in reservees and peut_modifier:
                    problemes.append(
                        f"{table}.{colonne} : tenue par un déclencheur, mais le rôle "
                        f"applicatif « {role} » peut la modifier (un GRANT UPDATE sur toute la "
                        "table ? relancez ReserverAuxDeclencheurs)"
                    )
                elif colonne not in reservees and not peut_modifier:
                    problemes.append(
                        f"{table}.{colonne} : le rôle applicatif « {role} » ne peut pas la "
                        "modifier (colonne ajoutée hors migration ? « migrate --skip-checks » "
                        "recalcule les droits)"
                    )
    return problemes


# Registered at import time, like the system checks (``bilan.core.models`` imports
# ``bilan.core.checks``, which imports this module).
post_migrate.connect(colonnes_reserver_apres_migration, dispatch_uid="bilan.core.colonnes")
