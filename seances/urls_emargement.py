"""Attendance signatures in the staff space, mounted at /app/seances/ (app_name "emargement")."""

from django.urls import path

from . import views_emargement

app_name = "emargement"

urlpatterns = [
    path(
        "<uuid:seance_id>/emargement/",
        views_emargement.seance_emargement,
        name="seance",
    ),
    path(
        "<uuid:seance_id>/emargement/demande/",
        views_emargement.demande_creer,
        name="demande",
    ),
    path(
        "bilans/<uuid:bilan_id>/attestation-assiduite.pdf",
        views_emargement.attestation_assiduite,
        name="attestation",
    ),
]
