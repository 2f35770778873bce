"""URL patterns of the Qualiopi pages (staff, portal, public), mounted by the project."""

from django.urls import URLPattern, path

from qualiopi.views import export

# Namespace "qualiopi" (staff, administrators), mounted at /app/qualiopi/.
qualiopi_patterns: list[URLPattern] = [
    path("export/", export.export_page, name="export"),
    path("export/<uuid:export_id>/etat/", export.export_progression, name="export_etat"),
    path("export/<uuid:export_id>/archive/", export.export_fichier, name="export_fichier"),
]

# Namespace "portail_qualiopi" (beneficiary: complaints, documents), at /portail/qualite/.
portail_qualiopi_patterns: list[URLPattern] = []

# Namespace "offre" (public offer pages, no login), mounted at /offre/.
offre_patterns: list[URLPattern] = []
