"""URL patterns of the exploration tools (staff and portal), mounted by the project."""

from django.urls import URLPattern, path

from exploration.views import pistes, rome

# Namespace "exploration" (staff), mounted at /app/exploration/.
exploration_patterns: list[URLPattern] = [
    path("metiers/", rome.recherche, name="recherche"),
    path("metiers/<str:code>/", rome.fiche, name="fiche"),
    path("bilans/<uuid:bilan_id>/", pistes.bilan_exploration, name="bilan"),
    path("bilans/<uuid:bilan_id>/pistes/", pistes.piste_ajouter, name="piste_ajouter"),
    path(
        "bilans/<uuid:bilan_id>/pistes/<uuid:piste_id>/<str:action>/",
        pistes.piste_action,
        name="piste_action",
    ),
    path(
        "bilans/<uuid:bilan_id>/enquetes/<uuid:enquete_id>/commenter/",
        pistes.enquete_commenter,
        name="enquete_commenter",
    ),
]

# Namespace "portail_exploration" (beneficiary), mounted at /portail/exploration/.
portail_exploration_patterns: list[URLPattern] = [
    path("", pistes.portail_pistes, name="pistes"),
    path("metiers/", rome.portail_recherche, name="recherche"),
    path("metiers/<str:code>/", rome.portail_fiche, name="fiche"),
    path("pistes/", pistes.portail_piste_ajouter, name="piste_ajouter"),
    path(
        "pistes/<uuid:piste_id>/auto-evaluation/",
        pistes.portail_auto_evaluer,
        name="auto_evaluer",
    ),
    path("pistes/<uuid:piste_id>/<str:action>/", pistes.portail_piste_action, name="piste_action"),
    path("enquetes/nouvelle/", pistes.portail_enquete, name="enquete_nouvelle"),
    path("enquetes/<uuid:enquete_id>/", pistes.portail_enquete, name="enquete"),
]
