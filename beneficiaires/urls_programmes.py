from django.urls import path

from . import views_programmes

app_name = "programmes"

urlpatterns = [
    path("", views_programmes.programme_list, name="list"),
    path("<uuid:programme_id>/", views_programmes.programme_detail, name="detail"),
    path("<uuid:programme_id>/modifier/", views_programmes.programme_modifier, name="modifier"),
    path(
        "bilans/<uuid:bilan_id>/calendrier/",
        views_programmes.bilan_calendrier,
        name="calendrier",
    ),
]
