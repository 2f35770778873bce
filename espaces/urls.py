"""URL patterns of the pages that gather every app, mounted by the project's urls into the
"app", "bilans" and "portail" namespaces."""

from django.urls import path

from espaces.views import organisation as views_organisation
from espaces.views import personnel as views_personnel
from espaces.views import portail as views_portail
from espaces.views import recherche as views_recherche

# Part of the "app" namespace: the staff home, the organisation's page and the access journal.
app_patterns = [
    path("", views_personnel.dashboard, name="dashboard"),
    path("recherche/", views_recherche.recherche, name="recherche"),
    path("organismes/", views_recherche.organismes, name="organismes"),
    path("organisation/", views_organisation.organisation_settings, name="organisation"),
    path("organisation/journal/", views_organisation.audit_journal, name="audit_journal"),
    path(
        "organisation/journal/beneficiaires/",
        views_organisation.audit_journal_beneficiaires,
        name="audit_journal_beneficiaires",
    ),
    path(
        "organisation/questions-entretien/",
        views_organisation.questions_entretien,
        name="questions_entretien",
    ),
    path(
        "organisation/questions-entretien/<uuid:question_entretien_id>/",
        views_organisation.question_entretien_modifier_vue,
        name="question_entretien_modifier",
    ),
    path("organisation/sous-traitance/", views_organisation.sous_traitance, name="sous_traitance"),
    path(
        "organisation/sous-traitance/<uuid:membership_id>/",
        views_organisation.sous_traitance_contrat,
        name="sous_traitance_contrat",
    ),
    path(
        "organisation/sous-traitance/<uuid:membership_id>/retirer/",
        views_organisation.sous_traitance_retirer,
        name="sous_traitance_retirer",
    ),
    path(
        "organisation/invitations/", views_organisation.invitation_create, name="invitation_create"
    ),
    path(
        "organisation/invitations/<uuid:invitation_id>/revoquer/",
        views_organisation.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/role/",
        views_organisation.membership_role,
        name="membership_role",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/desactiver/",
        views_organisation.membership_deactivate,
        name="membership_deactivate",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/reactiver/",
        views_organisation.membership_reactivate,
        name="membership_reactivate",
    ),
]

# Part of the "bilans" namespace: the dossier page, its lifecycle actions and payments.
bilans_patterns = [
    path("<uuid:bilan_id>/", views_personnel.bilan_detail, name="detail"),
    path("<uuid:bilan_id>/action/<slug:action>/", views_personnel.bilan_action, name="action"),
    path("<uuid:bilan_id>/paiements/", views_personnel.paiement_create, name="paiement_create"),
]

# Part of the "portail" namespace: the home and the personal data page.
portail_patterns = [
    path("", views_portail.portail_home, name="home"),
    path("logo/", views_portail.portail_logo, name="logo"),
    path("donnees/", views_portail.donnees_page, name="donnees"),
    path("donnees/archive.zip", views_portail.donnees_archive, name="donnees_archive"),
    path("donnees/consentements/", views_portail.consentement_accorder, name="consentement"),
    path(
        "donnees/consentements/<uuid:consentement_id>/retirer/",
        views_portail.consentement_revoquer,
        name="consentement_retirer",
    ),
    path("donnees/suppression/", views_portail.suppression_demander, name="suppression"),
]
