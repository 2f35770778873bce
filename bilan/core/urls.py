from django.urls import path

from seances import views_agenda

from . import views

app_name = "app"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("agenda/", views_agenda.agenda, name="agenda"),
    path("organisation/", views.organisation_settings, name="organisation"),
    path("organisation/journal/", views.audit_journal, name="audit_journal"),
    path("organisation/logo/", views.organisation_logo, name="organisation_logo"),
    path("organisation/changer/", views.organisation_switch, name="organisation_switch"),
    path("organisation/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "organisation/invitations/<uuid:invitation_id>/revoquer/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/role/",
        views.membership_role,
        name="membership_role",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/desactiver/",
        views.membership_deactivate,
        name="membership_deactivate",
    ),
    path(
        "organisation/membres/<uuid:membership_id>/reactiver/",
        views.membership_reactivate,
        name="membership_reactivate",
    ),
]
