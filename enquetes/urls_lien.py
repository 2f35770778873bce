"""The emailed survey link, mounted at /enquete/ (app_name "lien_enquete"). The organisation's
public id is in the URL because the survey (a tenant row, under row-level security) can only be
looked up once that organisation is bound; the token is a bearer secret, stored hashed."""

from django.urls import path

from . import views

app_name = "lien_enquete"

urlpatterns = [
    path("<uuid:organisation_id>/<str:token>/", views.lien_repondre, name="repondre"),
]
