"""URL patterns of séances, agenda, attendance, personal work and follow-up, mounted by the
project's urls, each list under its namespace."""

from django.urls import path

from seances.views import agenda as views_agenda
from seances.views import emargement as views_emargement
from seances.views import portail as views_portail
from seances.views import programmes as views_programmes
from seances.views import seances as views_seances
from seances.views import suivi as views_suivi
from seances.views import travail as views_travail

# Namespace "seances".
seances_patterns = [
    path("nouvelle/<uuid:bilan_id>/", views_seances.seance_create, name="create"),
    path("<uuid:seance_id>/", views_seances.seance_detail, name="detail"),
    path("<uuid:seance_id>/modifier/", views_seances.seance_modifier, name="modifier"),
    path("<uuid:seance_id>/action/<slug:action>/", views_seances.seance_action, name="action"),
]


# Part of the "programmes" namespace (with ``beneficiaires.urls.programmes_patterns``): the
# calendar a programme proposes for a bilan, planned as séances.
programmes_patterns = [
    path(
        "bilans/<uuid:bilan_id>/calendrier/",
        views_programmes.bilan_calendrier,
        name="calendrier",
    ),
]


# Namespace "agenda". Staff agenda actions, under /app/agenda/ (the page itself is
# ``app:agenda``).
agenda_patterns = [
    path("flux/", views_agenda.flux, name="flux"),
    path(
        "seances/<uuid:seance_id>/deplacer/",
        views_agenda.seance_deplacer,
        name="deplacer",
    ),
    path("seances/<uuid:seance_id>/annuler/", views_agenda.seance_annuler, name="annuler"),
    path(
        "seances/<uuid:seance_id>/formulaire/<slug:quoi>/",
        views_agenda.seance_formulaire,
        name="formulaire",
    ),
]


# Namespace "emargement". Attendance signatures in the staff space, mounted at /app/seances/
# (app_name "emargement").
emargement_patterns = [
    path(
        "<uuid:seance_id>/emargement/",
        views_emargement.seance_emargement,
        name="seance",
    ),
    path(
        "<uuid:seance_id>/emargement/demande/",
        views_emargement.demande_creer,
        name="demande",
    ),
    path(
        "bilans/<uuid:bilan_id>/attestation-assiduite.pdf",
        views_emargement.attestation_assiduite,
        name="attestation",
    ),
]


# Namespace "flux". The public, token-protected iCalendar feed:
# /agenda/<organisation>/<token>.ics.
flux_patterns = [
    path("<uuid:organisation_id>/<str:token>.ics", views_agenda.flux_ics, name="ics"),
]


# Namespace "lien_emargement". The emailed single-use attendance link, mounted at /emargement/
# (app_name "lien_emargement"). The organisation's public id is in the URL because the request (a
# tenant row, under row-level security) can only be looked up once that organisation is bound.
lien_emargement_patterns = [
    path("<uuid:organisation_id>/<str:token>/", views_emargement.lien_signer, name="signer"),
]


# Namespace "portail_emargement". Attendance signatures in the beneficiary's portal, mounted at
# /portail/emargement/ (app_name "portail_emargement"); the tenant middleware binds the portal
# organisation.
portail_emargement_patterns = [
    path("", views_emargement.portail_liste, name="liste"),
    path("<uuid:seance_id>/", views_emargement.portail_preuve, name="preuve"),
    path("<uuid:seance_id>/signer/", views_emargement.portail_signer, name="signer"),
]


# Namespace "portail_travail".
portail_travail_patterns = [
    path("", views_travail.portail_liste, name="liste"),
    path("<uuid:consigne_id>/", views_travail.portail_consigne, name="consigne"),
    path(
        "<uuid:consigne_id>/fichiers/<uuid:fichier_id>/",
        views_travail.portail_fichier,
        name="fichier",
    ),
]


# Namespace "travail".
travail_patterns = [
    path("bilans/<uuid:bilan_id>/", views_travail.bilan_travail, name="bilan"),
    path("seances/<uuid:seance_id>/consigne/", views_travail.consigne_edit, name="consigne_edit"),
    path("consignes/<uuid:consigne_id>/", views_travail.consigne_detail, name="consigne"),
    path(
        "consignes/<uuid:consigne_id>/fichiers/<uuid:fichier_id>/",
        views_travail.rendu_fichier,
        name="fichier",
    ),
    # The follow-up interview (its own views module, URL names kept in this namespace).
    path("bilans/<uuid:bilan_id>/suivi/", views_suivi.bilan_suivi, name="suivi"),
    path("suivis/", views_suivi.suivis_list, name="suivis"),
    path("suivis/<uuid:suivi_id>/resultat/", views_suivi.suivi_resultat, name="suivi_resultat"),
    path("suivis/<uuid:suivi_id>/annuler/", views_suivi.suivi_annuler, name="suivi_annuler"),
]


# Part of the "app" namespace: the agenda page.
app_patterns = [
    path("agenda/", views_agenda.agenda, name="agenda"),
]


# Part of the "portail" namespace: one séance as a calendar file, the attendance certificate.
portail_patterns = [
    path("seances/<uuid:seance_id>.ics", views_portail.seance_ics, name="seance_ics"),
    path(
        "attestation-assiduite.pdf",
        views_portail.attestation_assiduite,
        name="attestation_assiduite",
    ),
]
