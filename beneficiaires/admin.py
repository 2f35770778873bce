from django.contrib import admin

from bilan.core.admin import UnscopedAdmin

from .models import Beneficiaire, PortalAccess


@admin.register(Beneficiaire)
class BeneficiaireAdmin(UnscopedAdmin):
    list_display = ["prenom", "nom", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["nom", "prenom"]


@admin.register(PortalAccess)
class PortalAccessAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "beneficiaire", "is_active"]
    list_filter = ["organisation"]
