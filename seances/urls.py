from django.urls import path

from . import views

app_name = "seances"

urlpatterns = [
    path("nouvelle/<uuid:bilan_id>/", views.seance_create, name="create"),
    path("<uuid:seance_id>/", views.seance_detail, name="detail"),
    path("<uuid:seance_id>/action/<slug:action>/", views.seance_action, name="action"),
]
