from django.db import migrations

from bilan.core.colonnes import ReserverAuxDeclencheurs

# The 24 hours' counter (Bilan.minutes_comptees) is written by the database alone:
# - the application role loses UPDATE on that column (column-level privileges, below);
# - the counting trigger therefore runs with its owner's rights (SECURITY DEFINER, the tables'
#   owner who runs the migrations), with a fixed search_path so that no schema earlier in a
#   caller's path can stand in for beneficiaires_bilan; nobody may call it directly;
# - a new bilan starts at 0 whatever its INSERT says: it has no séance yet.
COMPTEUR_SQL = """
DO $$
BEGIN
  EXECUTE format(
    'ALTER FUNCTION seances_budget_24h() SECURITY DEFINER SET search_path = %I, pg_temp',
    current_schema());
END
$$;
REVOKE ALL ON FUNCTION seances_budget_24h() FROM PUBLIC;
CREATE OR REPLACE FUNCTION seances_bilan_compteur_initial() RETURNS trigger AS $$
BEGIN
  NEW.minutes_comptees := 0;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
REVOKE ALL ON FUNCTION seances_bilan_compteur_initial() FROM PUBLIC;
CREATE TRIGGER seances_bilan_compteur_initial BEFORE INSERT ON beneficiaires_bilan
  FOR EACH ROW EXECUTE FUNCTION seances_bilan_compteur_initial();
"""
COMPTEUR_REVERSE_SQL = """
DROP TRIGGER IF EXISTS seances_bilan_compteur_initial ON beneficiaires_bilan;
DROP FUNCTION IF EXISTS seances_bilan_compteur_initial();
ALTER FUNCTION seances_budget_24h() SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION seances_budget_24h() TO PUBLIC;
"""


def compteur_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COMPTEUR_SQL, params=None)


def compteur_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COMPTEUR_REVERSE_SQL, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('beneficiaires', '0010_document_categorie'),
        ('seances', '0002_emargement_travail_suivi_agenda'),
    ]

    operations = [
        migrations.RunPython(compteur_forwards, compteur_backwards),
        ReserverAuxDeclencheurs('beneficiaires', 'bilan', ['minutes_comptees']),
    ]
