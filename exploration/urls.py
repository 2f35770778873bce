"""URL patterns of the exploration tools (staff and portal), mounted by the project."""

from django.urls import URLPattern, path

from exploration.views import pistes, rome
from exploration.views import portail_questionnaires as portail_q
from exploration.views import questionnaires as views_q

# Namespace "exploration" (staff), mounted at /app/exploration/.
exploration_patterns: list[URLPattern] = [
    path("outils/", views_q.a_propos, name="a_propos"),
    path(
        "bilans/<uuid:bilan_id>/questionnaires/",
        views_q.bilan_questionnaires,
        name="bilan",
    ),
    path("questionnaires/<uuid:passation_id>/", views_q.passation_detail, name="passation"),
    path(
        "questionnaires/<uuid:passation_id>/communiquer/",
        views_q.passation_publier,
        name="publier",
    ),
    # Job exploration (ROME), pistes and enquêtes métier.
    path("metiers/", rome.recherche, name="recherche"),
    path("metiers/<str:code>/", rome.fiche, name="fiche"),
    path("bilans/<uuid:bilan_id>/pistes/", pistes.bilan_exploration, name="pistes"),
    path("bilans/<uuid:bilan_id>/pistes/ajouter/", pistes.piste_ajouter, name="piste_ajouter"),
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
    path("outils/", portail_q.a_propos, name="a_propos"),
    path("questionnaires/", portail_q.liste, name="liste"),
    path("questionnaires/<uuid:passation_id>/", portail_q.repondre, name="repondre"),
    path(
        "questionnaires/<uuid:passation_id>/resultats/",
        portail_q.resultats,
        name="resultats",
    ),
    path("questionnaires/<uuid:passation_id>/accord/", portail_q.accord, name="accord"),
    # Pistes, job search and fiches, enquêtes métier.
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
