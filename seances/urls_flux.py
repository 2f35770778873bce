"""The public, token-protected iCalendar feed: /agenda/<organisation>/<token>.ics."""

from django.urls import path

from . import views_agenda

app_name = "flux"

urlpatterns = [
    path("<uuid:organisation_id>/<str:token>.ics", views_agenda.flux_ics, name="ics"),
]
