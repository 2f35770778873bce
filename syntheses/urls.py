"""URL patterns of syntheses, end documents and the portal reading, mounted by the project."""

from django.urls import path

from syntheses.services.documents_fin import KIND_ATTESTATION, KIND_CERTIFICAT
from syntheses.views import documents as views_documents
from syntheses.views import portail as views_portail
from syntheses.views import syntheses as views_syntheses

# Namespace "syntheses".
syntheses_patterns = [
    path("bilans/<uuid:bilan_id>/", views_syntheses.editeur, name="editeur"),
    path("bilans/<uuid:bilan_id>/commencer/", views_syntheses.commencer, name="commencer"),
    path("<uuid:synthese_id>/autosave/", views_syntheses.autosave, name="autosave"),
    path("<uuid:synthese_id>/plan/", views_syntheses.plan, name="plan"),
    path("<uuid:synthese_id>/criteres/", views_syntheses.criteres, name="criteres"),
    path("<uuid:synthese_id>/scenarios/", views_syntheses.scenarios, name="scenarios"),
    path("<uuid:synthese_id>/ecarts/", views_syntheses.ecarts, name="ecarts"),
    path("<uuid:synthese_id>/ecarts/rome/", views_syntheses.ecarts_rome, name="ecarts_rome"),
    path(
        "<uuid:synthese_id>/enquetes-metier/",
        views_syntheses.enquetes_metier_inserer,
        name="enquetes_metier",
    ),
    path("<uuid:synthese_id>/partager/", views_syntheses.partager, name="partager"),
    path("<uuid:synthese_id>/reviser/", views_syntheses.reviser, name="reviser"),
    path("<uuid:synthese_id>/valider/", views_syntheses.valider, name="valider"),
    path("<uuid:synthese_id>/emettre/", views_syntheses.emettre, name="emettre"),
    path("<uuid:synthese_id>/signer/", views_syntheses.signer, name="signer"),
    path(
        "<uuid:synthese_id>/nouvelle-version/",
        views_syntheses.nouvelle_version,
        name="nouvelle_version",
    ),
    path("<uuid:synthese_id>/remettre/", views_syntheses.remettre, name="remettre"),
    path("<uuid:synthese_id>/apercu.pdf", views_syntheses.apercu, name="apercu"),
    path("<uuid:synthese_id>/versions/", views_syntheses.versions, name="versions"),
    path(
        "<uuid:synthese_id>/documents/<uuid:signed_document_id>/",
        views_syntheses.document,
        name="document",
    ),
]


# Namespace "documents_fin". End documents, sharing and retention of a bilan, under
# /app/documents/.
documents_fin_patterns = [
    path("bilans/<uuid:bilan_id>/", views_documents.liste, name="liste"),
    path(
        "bilans/<uuid:bilan_id>/attestation-fin/",
        views_documents.emettre,
        {"kind": KIND_ATTESTATION},
        name="attestation_fin",
    ),
    path(
        "bilans/<uuid:bilan_id>/certificat-realisation/",
        views_documents.emettre,
        {"kind": KIND_CERTIFICAT},
        name="certificat_realisation",
    ),
    path(
        "bilans/<uuid:bilan_id>/<uuid:signed_document_id>/signer/",
        views_documents.signer,
        name="signer",
    ),
    path(
        "bilans/<uuid:bilan_id>/<uuid:signed_document_id>/telecharger/",
        views_documents.telecharger,
        name="telecharger",
    ),
    path("bilans/<uuid:bilan_id>/partager/", views_documents.partager, name="partager"),
    path(
        "bilans/<uuid:bilan_id>/partages/<uuid:partage_id>/revoquer/",
        views_documents.partage_revoquer,
        name="partage_revoquer",
    ),
    path("bilans/<uuid:bilan_id>/conservation/", views_documents.conservation, name="conservation"),
    path("bilans/<uuid:bilan_id>/conservation/purger/", views_documents.purger, name="purger"),
]


# Namespace "portail_synthese".
portail_synthese_patterns = [
    path("", views_portail.lire, name="lire"),
    path("commenter/", views_portail.commenter, name="commenter"),
    path("valider/", views_portail.valider, name="valider"),
    path("signer/", views_portail.signer, name="signer"),
    path("documents/<uuid:signed_document_id>/", views_portail.telecharger, name="telecharger"),
]
