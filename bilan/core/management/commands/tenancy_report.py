from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bilan.core.rls import composite_foreign_keys, protection_problems, rls_catalogue


class Command(BaseCommand):
    help = "Affiche les tables d'organisme, leurs politiques RLS et leurs clés composites."

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Ce rapport interroge PostgreSQL (DATABASE_URL).")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            )
            user, superuser, bypass = cursor.fetchone()
        self.stdout.write(
            f"Rôle connecté : {user} (superutilisateur={superuser}, bypassrls={bypass})"
        )
        self.stdout.write("\nTables d'organisme (ENABLE / FORCE / politique) :")
        for row in rls_catalogue(connection):
            self.stdout.write(
                f"  {row['table']:<32} enable={row['enabled']!s:<5} force={row['forced']!s:<5} "
                f"politiques={','.join(row['policies']) or '-'}"
            )
            self.stdout.write(f"      USING      {row['using']}")
            self.stdout.write(f"      WITH CHECK {row['with_check']}")
        self.stdout.write("\nClés étrangères composites (organisation_id, x_id) :")
        for row in composite_foreign_keys(connection):
            self.stdout.write(
                f"  {row['table']}.{row['column']:<20} {row['constraint'] or 'ABSENTE'}"
            )
        problems = protection_problems(connection)
        if problems:
            raise CommandError("Protections manquantes :\n" + "\n".join(problems))
        self.stdout.write("\nToutes les tables d'organisme sont protégées.")
