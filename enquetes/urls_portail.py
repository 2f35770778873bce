from django.urls import path

from . import views

app_name = "portail_enquetes"

urlpatterns = [
    path("", views.portail_liste, name="liste"),
    path("<uuid:reponse_id>/", views.portail_repondre, name="repondre"),
]
