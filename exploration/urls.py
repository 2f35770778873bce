"""URL patterns of the exploration tools (staff and portal), mounted by the project."""

from django.urls import URLPattern, path

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
]
