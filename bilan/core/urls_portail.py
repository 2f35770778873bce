from django.urls import path

from . import views

app_name = "portail"

urlpatterns = [
    path("", views.portail_home, name="home"),
    path("changer/", views.portail_switch, name="switch"),
    path("acces/", views.portail_acces, name="acces"),
]
