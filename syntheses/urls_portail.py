from django.urls import path

from . import views_portail as views

app_name = "portail_synthese"

urlpatterns = [
    path("", views.lire, name="lire"),
    path("commenter/", views.commenter, name="commenter"),
    path("valider/", views.valider, name="valider"),
    path("signer/", views.signer, name="signer"),
    path("documents/<uuid:signed_document_id>/", views.telecharger, name="telecharger"),
]
