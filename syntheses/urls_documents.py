"""End documents, sharing and retention of a bilan, under /app/documents/."""

from django.urls import path

from . import views_documents as views
from .documents_fin import KIND_ATTESTATION, KIND_CERTIFICAT

app_name = "documents_fin"

urlpatterns = [
    path("bilans/<uuid:bilan_id>/", views.liste, name="liste"),
    path(
        "bilans/<uuid:bilan_id>/attestation-fin/",
        views.emettre,
        {"kind": KIND_ATTESTATION},
        name="attestation_fin",
    ),
    path(
        "bilans/<uuid:bilan_id>/certificat-realisation/",
        views.emettre,
        {"kind": KIND_CERTIFICAT},
        name="certificat_realisation",
    ),
    path(
        "bilans/<uuid:bilan_id>/<uuid:signed_document_id>/signer/",
        views.signer,
        name="signer",
    ),
    path(
        "bilans/<uuid:bilan_id>/<uuid:signed_document_id>/telecharger/",
        views.telecharger,
        name="telecharger",
    ),
    path("bilans/<uuid:bilan_id>/partager/", views.partager, name="partager"),
    path(
        "bilans/<uuid:bilan_id>/partages/<uuid:partage_id>/revoquer/",
        views.partage_revoquer,
        name="partage_revoquer",
    ),
    path("bilans/<uuid:bilan_id>/conservation/", views.conservation, name="conservation"),
    path("bilans/<uuid:bilan_id>/conservation/purger/", views.purger, name="purger"),
]
