from django.urls import path

from beneficiaires import views_portail

from . import views

app_name = "portail"

urlpatterns = [
    path("", views.portail_home, name="home"),
    path("changer/", views.portail_switch, name="switch"),
    path("acces/", views.portail_acces, name="acces"),
    path("documents/", views_portail.documents, name="documents"),
    path("donnees/", views_portail.donnees_page, name="donnees"),
    path("donnees/archive.zip", views_portail.donnees_archive, name="donnees_archive"),
    path("donnees/consentements/", views_portail.consentement_accorder, name="consentement"),
    path(
        "donnees/consentements/<uuid:consentement_id>/retirer/",
        views_portail.consentement_revoquer,
        name="consentement_retirer",
    ),
    path("donnees/suppression/", views_portail.suppression_demander, name="suppression"),
    path("seances/<uuid:seance_id>.ics", views_portail.seance_ics, name="seance_ics"),
    path(
        "attestation-assiduite.pdf",
        views_portail.attestation_assiduite,
        name="attestation_assiduite",
    ),
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
]
