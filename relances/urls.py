"""URL patterns of the reminders outbox (admins), mounted by the project's urls."""

from django.urls import path

from relances import views

# Namespace "relances".
relances_patterns = [
    path("", views.outbox, name="outbox"),
    path("apercu/", views.apercu, name="apercu"),
    path("<uuid:relance_id>/reessayer/", views.reessayer, name="reessayer"),
]
