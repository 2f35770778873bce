"""URL patterns of beneficiaries, dossiers and programmes, mounted by the project's urls."""

from django.urls import path

from beneficiaires.views import beneficiaires as views_beneficiaires
from beneficiaires.views import bilans as views_bilans
from beneficiaires.views import conventions as views_conventions
from beneficiaires.views import entretiens as views_entretiens
from beneficiaires.views import portail as views_portail
from beneficiaires.views import programmes as views_programmes

# Namespace "beneficiaires".
beneficiaires_patterns = [
    path("", views_beneficiaires.beneficiaire_list, name="list"),
    path("nouveau/", views_beneficiaires.beneficiaire_create, name="create"),
    path(
        "demandes-suppression/<uuid:demande_id>/traiter/",
        views_beneficiaires.demande_suppression_traiter,
        name="demande_suppression_traiter",
    ),
    path("<uuid:beneficiaire_id>/", views_beneficiaires.beneficiaire_detail, name="detail"),
    path("<uuid:beneficiaire_id>/modifier/", views_beneficiaires.beneficiaire_edit, name="edit"),
    path("<uuid:beneficiaire_id>/inviter/", views_beneficiaires.beneficiaire_invite, name="invite"),
    path(
        "<uuid:beneficiaire_id>/documents/",
        views_beneficiaires.document_upload,
        name="document_upload",
    ),
    path(
        "<uuid:beneficiaire_id>/entretien/",
        views_beneficiaires.entretien_create,
        name="entretien_create",
    ),
    path(
        "<uuid:beneficiaire_id>/entretien/<uuid:entretien_id>/",
        views_entretiens.entretien_modifier,
        name="entretien_modifier",
    ),
    path(
        "<uuid:beneficiaire_id>/consentements/",
        views_beneficiaires.consentement_create,
        name="consentement_create",
    ),
    path(
        "<uuid:beneficiaire_id>/consentements/<uuid:consentement_id>/revoquer/",
        views_beneficiaires.consentement_revoke,
        name="consentement_revoke",
    ),
    path(
        "<uuid:beneficiaire_id>/besoins/", views_beneficiaires.besoins_update, name="besoins_update"
    ),
    path(
        "<uuid:beneficiaire_id>/documents/<uuid:document_id>/",
        views_beneficiaires.document_download,
        name="document_download",
    ),
]


# Namespace "bilans".
bilans_patterns = [
    path("", views_bilans.bilan_list, name="list"),
    path("export.csv", views_bilans.bilan_export, name="export"),
    path("nouveau/<uuid:beneficiaire_id>/", views_bilans.bilan_create, name="create"),
    path("<uuid:bilan_id>/modifier/", views_bilans.bilan_edit, name="edit"),
    path(
        "<uuid:bilan_id>/convention/emettre/",
        views_conventions.convention_emettre,
        name="convention_emettre",
    ),
    path(
        "<uuid:bilan_id>/convention/transmettre/",
        views_conventions.convention_transmettre,
        name="convention_transmettre",
    ),
    path("<uuid:bilan_id>/retractation/", views_bilans.contrat_retracter, name="retractation"),
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


# Namespace "programmes" (with ``seances.urls.programmes_patterns``: a bilan's calendar).
programmes_patterns = [
    path("", views_programmes.programme_list, name="list"),
    path("<uuid:programme_id>/", views_programmes.programme_detail, name="detail"),
    path("<uuid:programme_id>/modifier/", views_programmes.programme_modifier, name="modifier"),
]


# Part of the "portail" namespace (the project's urls join it with the core's portal pages):
# documents, personal data and consents, the attendance certificate.
portail_patterns = [
    path("documents/", views_portail.documents, name="documents"),
    path(
        "documents/<uuid:signed_document_id>/signer/",
        views_portail.document_signer,
        name="document_signer",
    ),
    path(
        "documents/<uuid:signed_document_id>/telecharger/",
        views_portail.document_telecharger,
        name="document_telecharger",
    ),
    path("notifications/lues/", views_portail.notifications_lire, name="notifications_lire"),
    path(
        "notifications/<uuid:notification_id>/",
        views_portail.notification_ouvrir,
        name="notification",
    ),
]
