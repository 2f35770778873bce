from django.urls import path

from . import views_travail as views

app_name = "travail"

urlpatterns = [
    path("bilans/<uuid:bilan_id>/", views.bilan_travail, name="bilan"),
    path("seances/<uuid:seance_id>/consigne/", views.consigne_edit, name="consigne_edit"),
    path("consignes/<uuid:consigne_id>/", views.consigne_detail, name="consigne"),
    path(
        "consignes/<uuid:consigne_id>/fichiers/<uuid:fichier_id>/",
        views.rendu_fichier,
        name="fichier",
    ),
    path("bilans/<uuid:bilan_id>/suivi/", views.bilan_suivi, name="suivi"),
    path("suivis/", views.suivis_list, name="suivis"),
    path("suivis/<uuid:suivi_id>/resultat/", views.suivi_resultat, name="suivi_resultat"),
    path("suivis/<uuid:suivi_id>/annuler/", views.suivi_annuler, name="suivi_annuler"),
]
