from django.urls import path

from . import views

app_name = "syntheses"

urlpatterns = [
    path("bilans/<uuid:bilan_id>/", views.editeur, name="editeur"),
    path("<uuid:synthese_id>/autosave/", views.autosave, name="autosave"),
    path("<uuid:synthese_id>/plan/", views.plan, name="plan"),
    path("<uuid:synthese_id>/criteres/", views.criteres, name="criteres"),
    path("<uuid:synthese_id>/scenarios/", views.scenarios, name="scenarios"),
    path("<uuid:synthese_id>/ecarts/", views.ecarts, name="ecarts"),
    path("<uuid:synthese_id>/partager/", views.partager, name="partager"),
    path("<uuid:synthese_id>/reviser/", views.reviser, name="reviser"),
    path("<uuid:synthese_id>/valider/", views.valider, name="valider"),
    path("<uuid:synthese_id>/emettre/", views.emettre, name="emettre"),
    path("<uuid:synthese_id>/signer/", views.signer, name="signer"),
    path("<uuid:synthese_id>/nouvelle-version/", views.nouvelle_version, name="nouvelle_version"),
    path("<uuid:synthese_id>/remettre/", views.remettre, name="remettre"),
    path("<uuid:synthese_id>/versions/", views.versions, name="versions"),
    path(
        "<uuid:synthese_id>/documents/<uuid:signed_document_id>/",
        views.document,
        name="document",
    ),
]
