"""URL patterns of the Qualiopi pages (staff, portal, public), mounted by the project."""

from django.urls import URLPattern, path

from qualiopi.views import documents, export, offres, portail, registres

# Namespace "qualiopi" (staff, administrators), mounted at /app/qualiopi/.
qualiopi_patterns: list[URLPattern] = [
    path("export/", export.export_page, name="export"),
    path("export/<uuid:export_id>/etat/", export.export_progression, name="export_etat"),
    path("export/<uuid:export_id>/archive/", export.export_fichier, name="export_fichier"),
    path("registres/reglages/", registres.parametres, name="registres_parametres"),
    path(
        "registres/intervenants/<uuid:intervenant_id>/pieces/",
        registres.piece_ajouter,
        name="piece_ajouter",
    ),
    path(
        "registres/pieces/<uuid:piece_id>/telecharger/",
        registres.piece_telecharger,
        name="piece_telecharger",
    ),
    path("registres/<slug:registre>/", registres.registre_liste, name="registre_liste"),
    path("registres/<slug:registre>/ajouter/", registres.registre_ajouter, name="registre_ajouter"),
    path(
        "registres/<slug:registre>/<uuid:entree_id>/",
        registres.registre_detail,
        name="registre_detail",
    ),
    path("documents/", documents.liste, name="documents"),
    path("documents/<uuid:version_id>/", documents.version_detail, name="document_version"),
    path(
        "documents/<uuid:version_id>/telecharger/",
        documents.version_telecharger,
        name="document_telecharger",
    ),
    path("offres/", offres.liste, name="offres"),
    path("offres/publier/<uuid:programme_id>/", offres.publier, name="offre_publier"),
    path("offres/<uuid:offre_id>/historique/", offres.historique, name="offre_historique"),
    path("offres/<uuid:offre_id>/publication/", offres.publication, name="offre_publication"),
]

# Namespace "portail_qualiopi" (beneficiary: complaints, documents), at /portail/qualite/.
portail_qualiopi_patterns: list[URLPattern] = [
    path("reclamation/", portail.reclamation, name="reclamation"),
    path("reclamation/envoyee/", portail.reclamation_envoyee, name="reclamation_envoyee"),
    path("documents/", documents.portail_liste, name="documents"),
    path(
        "documents/<uuid:version_id>/", documents.portail_telecharger, name="document_telecharger"
    ),
    path("documents/<uuid:version_id>/lu/", documents.portail_accuser, name="document_accuser"),
]

# Namespace "offre" (public offer pages, no login), mounted at /offre/.
offre_patterns: list[URLPattern] = [
    path("<slug:org_slug>/", offres.public_liste, name="liste"),
    path("<slug:org_slug>/<uuid:offre_id>/", offres.public_detail, name="detail"),
    path("<slug:org_slug>/<uuid:offre_id>/integrer/", offres.public_integrer, name="integrer"),
]
