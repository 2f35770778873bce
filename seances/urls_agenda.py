"""Staff agenda actions, under /app/agenda/ (the page itself is ``app:agenda``)."""

from django.urls import path

from . import views_agenda

app_name = "agenda"

urlpatterns = [
    path("flux/", views_agenda.flux, name="flux"),
    path(
        "seances/<uuid:seance_id>/deplacer/",
        views_agenda.seance_deplacer,
        name="deplacer",
    ),
    path("seances/<uuid:seance_id>/annuler/", views_agenda.seance_annuler, name="annuler"),
]
