from django.urls import path

from . import views

app_name = "enquetes"

urlpatterns = [
    path("", views.tableau, name="tableau"),
    path("reglages/", views.parametres, name="parametres"),
    path("questions/ajouter/", views.question_ajouter, name="question_ajouter"),
    path("questions/<uuid:question_id>/retirer/", views.question_retirer, name="question_retirer"),
]
