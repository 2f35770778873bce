from django.contrib import admin

from beneficiaires.models import PortalAccess

# Beneficiaries' data is not in the technical Django admin: professional secrecy (L6313-4) keeps
# it with the organisation's staff, and row-level security would show superusers nothing anyway.


@admin.register(PortalAccess)
class PortalAccessAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "beneficiaire_id", "is_active"]
    list_filter = ["organisation"]
    fields = ["user", "organisation", "is_active"]
    readonly_fields = ["user", "organisation"]

    def has_add_permission(self, request):
        return False  # portal access is granted by an invitation, never by hand
