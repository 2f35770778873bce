from django.db import migrations

from bilan.core.rls import (
    AddTenantForeignKey,
    EnableRowLevelSecurity,
    GrantApplicationRole,
    MakeAppendOnly,
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_alter_organisation_logo_auditevent"),
        ("beneficiaires", "0004_row_level_security"),
    ]

    operations = [
        GrantApplicationRole(),
        EnableRowLevelSecurity("auditevent"),
        AddTenantForeignKey("auditevent", "beneficiaire"),
        AddTenantForeignKey("invitation", "beneficiaire"),
        MakeAppendOnly("auditevent"),
    ]
