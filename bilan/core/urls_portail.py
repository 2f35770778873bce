from django.urls import path

from beneficiaires import views_portail

from . import views

app_name = "portail"

urlpatterns = [
    path("", views.portail_home, name="home"),
    path("changer/", views.portail_switch, name="switch"),
    path("acces/", views.portail_acces, name="acces"),
    path("documents/", views_portail.documents, name="documents"),
    path(
        "documents/<uuid:signed_document_id>/signer/",
        views_portail.document_signer,
        name="document_signer",
    ),
    path(
        "documents/<uuid:signed_document_id>/telecharger/",
        views_portail.document_telecharger,
        name="document_telecharger",
    ),
]
