"""URL patterns of the Qualiopi pages (staff, portal, public), mounted by the project."""

from django.urls import URLPattern

# Namespace "qualiopi" (staff, administrators), mounted at /app/qualiopi/.
qualiopi_patterns: list[URLPattern] = []

# Namespace "portail_qualiopi" (beneficiary: complaints, documents), at /portail/qualite/.
portail_qualiopi_patterns: list[URLPattern] = []

# Namespace "offre" (public offer pages, no login), mounted at /offre/.
offre_patterns: list[URLPattern] = []
