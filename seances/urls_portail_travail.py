from django.urls import path

from . import views_travail as views

app_name = "portail_travail"

urlpatterns = [
    path("", views.portail_liste, name="liste"),
    path("<uuid:consigne_id>/", views.portail_consigne, name="consigne"),
    path(
        "<uuid:consigne_id>/fichiers/<uuid:fichier_id>/",
        views.portail_fichier,
        name="fichier",
    ),
]
