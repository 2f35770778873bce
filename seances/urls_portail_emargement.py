"""Attendance signatures in the beneficiary's portal, mounted at /portail/emargement/
(app_name "portail_emargement"); the tenant middleware binds the portal organisation."""

from django.urls import path

from . import views_emargement

app_name = "portail_emargement"

urlpatterns = [
    path("", views_emargement.portail_liste, name="liste"),
    path("<uuid:seance_id>/", views_emargement.portail_preuve, name="preuve"),
    path("<uuid:seance_id>/signer/", views_emargement.portail_signer, name="signer"),
]
