from django.urls import path

from . import views_bilans, views_conventions

app_name = "bilans"

urlpatterns = [
    path("", views_bilans.bilan_list, name="list"),
    path("export.csv", views_bilans.bilan_export, name="export"),
    path("nouveau/<uuid:beneficiaire_id>/", views_bilans.bilan_create, name="create"),
    path("<uuid:bilan_id>/", views_bilans.bilan_detail, name="detail"),
    path("<uuid:bilan_id>/modifier/", views_bilans.bilan_edit, name="edit"),
    path("<uuid:bilan_id>/action/<slug:action>/", views_bilans.bilan_action, name="action"),
    path("<uuid:bilan_id>/paiements/", views_bilans.paiement_create, name="paiement_create"),
    path(
        "<uuid:bilan_id>/convention/emettre/",
        views_conventions.convention_emettre,
        name="convention_emettre",
    ),
    path(
        "<uuid:bilan_id>/documents/<uuid:signed_document_id>/signer/",
        views_conventions.document_signer,
        name="document_signer",
    ),
    path(
        "<uuid:bilan_id>/documents/<uuid:signed_document_id>/lien-employeur/",
        views_conventions.lien_employeur,
        name="lien_employeur",
    ),
    path(
        "<uuid:bilan_id>/documents/<uuid:signed_document_id>/telecharger/",
        views_conventions.document_telecharger,
        name="document_telecharger",
    ),
]
