"""The project's URL configuration: the only place that mounts every app's patterns.

Each app's ``urls`` module exposes lists of patterns; here each list gets its prefix and its
namespace. The "app" and "portail" namespaces gather pages of several apps.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from beneficiaires import urls as beneficiaires_urls
from bilan.core import health
from bilan.core import urls as core_urls
from bilan.core.views import connexion as connexion_views
from bilan.core.views import organisation as core_views
from enquetes import urls as enquetes_urls
from espaces import urls as espaces_urls
from exploration import urls as exploration_urls
from qualiopi import urls as qualiopi_urls
from relances import urls as relances_urls
from seances import urls as seances_urls
from syntheses import urls as syntheses_urls

# The Django admin is for superusers only, behind the same allauth login (and MFA): its own
# login form is never served (``admin_connexion`` sends to allauth's, where the rate limits and
# the MFA stage apply; StaffMFARequiredMiddleware checks the session passed the second factor).
# Patching the default site's methods keeps ``django.contrib.admin`` as it is (no custom site
# class to install), hence the ignores.
admin.site.login = connexion_views.admin_connexion  # type: ignore[method-assign]
admin.site.site_header = "Bilan — administration technique"
admin.site.has_permission = (  # type: ignore[method-assign]
    lambda request: request.user.is_active and request.user.is_superuser
)

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
    path("app/agenda/", include((seances_urls.agenda_patterns, "agenda"))),
    path("app/documents/", include((syntheses_urls.documents_fin_patterns, "documents_fin"))),
    path(
        "app/",
        include(
            (espaces_urls.app_patterns + core_urls.app_patterns + seances_urls.app_patterns, "app")
        ),
    ),
    path(
        "app/beneficiaires/",
        include((beneficiaires_urls.beneficiaires_patterns, "beneficiaires")),
    ),
    path(
        "app/bilans/",
        include((espaces_urls.bilans_patterns + beneficiaires_urls.bilans_patterns, "bilans")),
    ),
    path("app/seances/", include((seances_urls.seances_patterns, "seances"))),
    path(
        "app/programmes/",
        include(
            (
                beneficiaires_urls.programmes_patterns + seances_urls.programmes_patterns,
                "programmes",
            )
        ),
    ),
    path("app/seances/", include((seances_urls.emargement_patterns, "emargement"))),
    path(
        "portail/emargement/",
        include((seances_urls.portail_emargement_patterns, "portail_emargement")),
    ),
    path("app/travail/", include((seances_urls.travail_patterns, "travail"))),
    path("portail/travail/", include((seances_urls.portail_travail_patterns, "portail_travail"))),
    path("app/syntheses/", include((syntheses_urls.syntheses_patterns, "syntheses"))),
    path(
        "portail/synthese/",
        include((syntheses_urls.portail_synthese_patterns, "portail_synthese")),
    ),
    path(
        "portail/enquetes/",
        include((enquetes_urls.portail_enquetes_patterns, "portail_enquetes")),
    ),
    path(
        "portail/",
        include(
            (
                espaces_urls.portail_patterns
                + core_urls.portail_patterns
                + beneficiaires_urls.portail_patterns
                + seances_urls.portail_patterns,
                "portail",
            )
        ),
    ),
    path("signature/", include((core_urls.signatures_patterns, "signatures"))),
    path("emargement/", include((seances_urls.lien_emargement_patterns, "lien_emargement"))),
    path("agenda/", include((seances_urls.flux_patterns, "flux"))),
    path("app/relances/", include((relances_urls.relances_patterns, "relances"))),
    path("app/enquetes/", include((enquetes_urls.enquetes_patterns, "enquetes"))),
    path("enquete/", include((enquetes_urls.lien_enquete_patterns, "lien_enquete"))),
    path("verifier/", include((core_urls.verification_patterns, "verification"))),
    path("app/qualiopi/", include((qualiopi_urls.qualiopi_patterns, "qualiopi"))),
    path(
        "portail/qualite/",
        include((qualiopi_urls.portail_qualiopi_patterns, "portail_qualiopi")),
    ),
    path("offre/", include((qualiopi_urls.offre_patterns, "offre"))),
    path("app/exploration/", include((exploration_urls.exploration_patterns, "exploration"))),
    path(
        "portail/exploration/",
        include((exploration_urls.portail_exploration_patterns, "portail_exploration")),
    ),
]

handler403 = "bilan.core.errors.permission_denied"
handler404 = "bilan.core.errors.page_not_found"
handler500 = "bilan.core.errors.server_error"
