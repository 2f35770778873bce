from django.urls import path

from . import views

app_name = "beneficiaires"

urlpatterns = [
    path("", views.beneficiaire_list, name="list"),
    path("nouveau/", views.beneficiaire_create, name="create"),
    path(
        "demandes-suppression/<uuid:demande_id>/traiter/",
        views.demande_suppression_traiter,
        name="demande_suppression_traiter",
    ),
    path("<uuid:beneficiaire_id>/", views.beneficiaire_detail, name="detail"),
    path("<uuid:beneficiaire_id>/modifier/", views.beneficiaire_edit, name="edit"),
    path("<uuid:beneficiaire_id>/inviter/", views.beneficiaire_invite, name="invite"),
    path("<uuid:beneficiaire_id>/documents/", views.document_upload, name="document_upload"),
    path("<uuid:beneficiaire_id>/entretien/", views.entretien_create, name="entretien_create"),
    path(
        "<uuid:beneficiaire_id>/consentements/",
        views.consentement_create,
        name="consentement_create",
    ),
    path(
        "<uuid:beneficiaire_id>/consentements/<uuid:consentement_id>/revoquer/",
        views.consentement_revoke,
        name="consentement_revoke",
    ),
    path("<uuid:beneficiaire_id>/besoins/", views.besoins_update, name="besoins_update"),
    path(
        "<uuid:beneficiaire_id>/documents/<uuid:document_id>/",
        views.document_download,
        name="document_download",
    ),
]
