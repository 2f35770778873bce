from django.urls import path

from . import views_bilans

app_name = "bilans"

urlpatterns = [
    path("", views_bilans.bilan_list, name="list"),
]
