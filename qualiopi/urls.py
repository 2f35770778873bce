"""URL patterns of the Qualiopi pages (staff, portal, public), mounted by the project."""

from django.urls import URLPattern, path

from qualiopi.views import bpf, resultats

# Namespace "qualiopi" (staff, administrators), mounted at /app/qualiopi/.
qualiopi_patterns: list[URLPattern] = [
    path("", resultats.accueil, name="accueil"),
    path("resultats/", resultats.resultats, name="resultats"),
    path("bpf/", bpf.bpf, name="bpf"),
    path("conservation/", resultats.conservation, name="conservation"),
    path("conservation/regle/", resultats.conservation_regle, name="conservation_regle"),
    path("conservation/indexer/", resultats.conservation_indexer, name="conservation_indexer"),
]

# Namespace "portail_qualiopi" (beneficiary: complaints, documents), at /portail/qualite/.
portail_qualiopi_patterns: list[URLPattern] = [
    path("", resultats.accueil, name="accueil"),
    path("resultats/", resultats.resultats, name="resultats"),
    path("bpf/", bpf.bpf, name="bpf"),
    path("conservation/", resultats.conservation, name="conservation"),
    path("conservation/regle/", resultats.conservation_regle, name="conservation_regle"),
    path("conservation/indexer/", resultats.conservation_indexer, name="conservation_indexer"),
]

# Namespace "offre" (public offer pages, no login), mounted at /offre/.
offre_patterns: list[URLPattern] = []
