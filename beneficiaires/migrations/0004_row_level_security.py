from django.db import migrations

from bilan.core.rls import AddTenantForeignKey, EnableRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaires", "0003_document_beneficiaire_beneficiaire_org_id_and_more"),
    ]

    operations = [
        EnableRowLevelSecurity("beneficiaire"),
        EnableRowLevelSecurity("document"),
        AddTenantForeignKey("document", "beneficiaire"),
        AddTenantForeignKey("portalaccess", "beneficiaire"),
    ]
