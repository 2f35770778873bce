"""n_distinct = 1 on organisation_id of every tenant table (bilan.core.rls, issue 16).

Placed here, in the highest app with tables, so that every older tenant table exists; the
tables created later get the setting from ``EnableRowLevelSecurity``.
"""

from django.db import migrations

from bilan.core.rls import OrganisationStatistics


class Migration(migrations.Migration):
    dependencies = [
        ("syntheses", "0002_c_page_edition_messages"),
        ("beneficiaires", "0016_u_index_consultant"),
        ("relances", "0006_u_index_historique"),
        ("seances", "0005_d_seances_notifications"),
        ("enquetes", "0002_c_messages_contraintes"),
        ("core", "0011_h_u4_couleur_accent"),
    ]

    operations = [OrganisationStatistics()]
