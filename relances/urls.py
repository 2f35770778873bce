from django.urls import path

from . import views

app_name = "relances"

urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("apercu/", views.apercu, name="apercu"),
    path("<uuid:relance_id>/reessayer/", views.reessayer, name="reessayer"),
]
