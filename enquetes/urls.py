"""URL patterns of satisfaction surveys (staff, portal, emailed link), mounted by the project."""

from django.urls import path

from enquetes import views

# Namespace "enquetes".
enquetes_patterns = [
    path("", views.tableau, name="tableau"),
    path("reglages/", views.parametres, name="parametres"),
    path("questions/ajouter/", views.question_ajouter, name="question_ajouter"),
    path("questions/<uuid:question_id>/retirer/", views.question_retirer, name="question_retirer"),
]


# Namespace "lien_enquete". The emailed survey link, mounted at /enquete/ (app_name
# "lien_enquete"). The organisation's public id is in the URL because the survey (a tenant row,
# under row-level security) can only be looked up once that organisation is bound; the token is a
# bearer secret, stored hashed.
lien_enquete_patterns = [
    path("<uuid:organisation_id>/<str:token>/", views.lien_repondre, name="repondre"),
]


# Namespace "portail_enquetes".
portail_enquetes_patterns = [
    path("", views.portail_liste, name="liste"),
    path("<uuid:reponse_id>/", views.portail_repondre, name="repondre"),
]
