"""The emailed single-use attendance link, mounted at /emargement/ (app_name
"lien_emargement"). The organisation's public id is in the URL because the request (a tenant
row, under row-level security) can only be looked up once that organisation is bound."""

from django.urls import path

from . import views_emargement

app_name = "lien_emargement"

urlpatterns = [
    path("<uuid:organisation_id>/<str:token>/", views_emargement.lien_signer, name="signer"),
]
