from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import TemplateView

from bilan.core import health
from bilan.core import views as core_views

# The Django admin is for superusers only, behind the same allauth login (and MFA).
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Bilan — administration technique"
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("acces-refuse/", core_views.no_access, name="no_access"),
    path("invitation/<str:token>/", core_views.invitation_accept, name="invitation_accept"),
    path(
        "accessibilite/",
        TemplateView.as_view(template_name="core/accessibilite.html"),
        name="accessibilite",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("app/agenda/", include("seances.urls_agenda")),
    path("app/documents/", include("syntheses.urls_documents")),
    path("app/", include("bilan.core.urls")),
    path("app/beneficiaires/", include("beneficiaires.urls")),
    path("app/bilans/", include("beneficiaires.urls_bilans")),
    path("app/seances/", include("seances.urls")),
    path("app/programmes/", include("beneficiaires.urls_programmes")),
    path("app/seances/", include("seances.urls_emargement")),
    path("portail/emargement/", include("seances.urls_portail_emargement")),
    path("app/travail/", include("seances.urls_travail")),
    path("portail/travail/", include("seances.urls_portail_travail")),
    path("app/syntheses/", include("syntheses.urls")),
    path("portail/synthese/", include("syntheses.urls_portail")),
    path("portail/enquetes/", include("enquetes.urls_portail")),
    path("portail/", include("bilan.core.urls_portail")),
    path("signature/", include("bilan.core.urls_signatures")),
    path("emargement/", include("seances.urls_lien_emargement")),
    path("agenda/", include("seances.urls_flux")),
    path("app/relances/", include("relances.urls")),
    path("app/enquetes/", include("enquetes.urls")),
    path("enquete/", include("enquetes.urls_lien")),
    path("verifier/", include("bilan.core.urls_verification")),
]

handler403 = "bilan.core.errors.permission_denied"
handler404 = "bilan.core.errors.page_not_found"
handler500 = "bilan.core.errors.server_error"
