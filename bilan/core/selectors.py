"""Reads for the core: memberships, invitations and the organisation's staff."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Protocol, cast

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from bilan.core.dates import ajouter_mois
from bilan.core.formatting import date_fr
from bilan.core.models import Invitation, Membership, Organisation, Role, User, hash_token


class AccesPortail(Protocol):
    """What the core reads of a portal access (``settings.BILAN_PORTAL_ACCESS_MODEL``)."""

    pk: int
    user_id: int
    organisation: Organisation
    organisation_id: int
    beneficiaire_id: int
    is_active: bool


def portal_access_model() -> type[models.Model]:
    """The model linking an account to a beneficiary's dossier in one organisation
    (``settings.BILAN_PORTAL_ACCESS_MODEL``, like ``AUTH_USER_MODEL``): the core reads and
    creates portal accesses without importing the app that defines them.

    Its fields, relied on here: ``user``, ``organisation``, ``beneficiaire`` and ``is_active``.
    """
    return apps.get_model(settings.BILAN_PORTAL_ACCESS_MODEL)


def mfa_obligatoire(*, user: User) -> bool:
    """Staff of any organisation, and superusers, must use a second factor."""
    return user.is_superuser or user.memberships.filter(is_active=True).exists()


def mfa_forte_configuree(*, user: User) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def mfa_par_code_possible(*, user: User) -> bool:
    """Whether ``user`` can pass the second factor by typing a code (TOTP or recovery code);
    otherwise only by security key (WebAuthn)."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    ).exists()


def membres_du_compte(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__raison_sociale")
    )


def membre_de_session(*, user: User, organisation_public_id: str | None) -> Membership | None:
    """The membership matching the session's organisation, else the user's first one."""
    memberships = membres_du_compte(user=user)
    if organisation_public_id:
        chosen = memberships.filter(organisation__public_id=organisation_public_id).first()
        if chosen is not None:
            return chosen
    return memberships.first()


def acces_portail_du_compte(*, user: User) -> QuerySet[models.Model]:
    """The user's active portal accesses, in active organisations."""
    return (
        portal_access_model()
        ._default_manager.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__raison_sociale")
    )


def acces_portail_de_session(
    *, user: User, organisation_public_id: str | None
) -> AccesPortail | None:
    """The portal access matching the session's organisation, else the user's first one."""
    accesses = acces_portail_du_compte(user=user)
    chosen = None
    if organisation_public_id:
        chosen = accesses.filter(organisation__public_id=organisation_public_id).first()
    if chosen is None:
        chosen = accesses.first()
    return cast("AccesPortail | None", chosen)


def membres_de_organisation(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )


def membre_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Membership:
    """Tenant-aware accessor: 404 unless the membership belongs to ``organisation``."""
    return get_object_or_404(
        Membership.objects.select_related("user"), organisation=organisation, public_id=public_id
    )


def invitation_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Invitation:
    return get_object_or_404(Invitation, organisation=organisation, public_id=public_id)


def invitations_en_attente(*, organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        beneficiaire__isnull=True,
    ).select_related("invited_by")


def invitation_trouver(*, token: str) -> Invitation | None:
    """Look an invitation up by its secret token (stored hashed). None if unknown."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def admins_actifs_compter(*, organisation: Organisation) -> int:
    return Membership.objects.filter(
        organisation=organisation, role=Role.ADMIN, is_active=True, user__is_active=True
    ).count()


# --- Rule 25: the organisation's Qualiopi certificate -----------------------------------------

QUALIOPI_PREAVIS_EXPIRATION_MOIS = 6
QUALIOPI_SURVEILLANCE_MOIS = (14, 22)  # surveillance audit window after issue (arrêté 6 juin 2019)
QUALIOPI_SURVEILLANCE_PREAVIS_MOIS = 2  # warned this long before the window opens


def qualiopi_alertes(*, organisation: Organisation, aujourdhui: dt.date) -> list[str]:
    """French warnings for the admins about the Qualiopi certificate (rule 25, L6316-1,
    R6316-2): settings missing, expiry within 6 months (or past), and the surveillance audit
    window (14 to 22 months after issue) open or opening within 2 months."""
    alertes: list[str] = []
    if not organisation.numero_declaration_activite:
        alertes.append(
            _(
                "Le numéro de déclaration d'activité n'est pas renseigné : aucun bilan financé "
                "ne peut commencer (L6351-1)."
            )
        )
    if not organisation.qualiopi_numero_certificat or not organisation.qualiopi_couvre_bilans:
        alertes.append(
            _(
                "Le certificat Qualiopi couvrant les bilans de compétences n'est pas renseigné : "
                "seuls les bilans autofinancés peuvent commencer (L6316-1)."
            )
        )
        return alertes
    expiration = organisation.qualiopi_date_expiration
    emission = organisation.qualiopi_date_emission
    if expiration is None or emission is None:
        alertes.append(
            _(
                "Renseignez les dates de délivrance et d'expiration du certificat Qualiopi : "
                "sans elles, les échéances (audit de surveillance, renouvellement) ne sont pas "
                "suivies et aucun bilan financé ne peut commencer."
            )
        )
    if expiration is not None:
        if expiration < aujourdhui:
            alertes.append(
                _(
                    "Le certificat Qualiopi a expiré le %(date)s : aucun bilan financé ne peut "
                    "commencer (L6316-1)."
                )
                % {"date": date_fr(jour=expiration)}
            )
        elif expiration <= ajouter_mois(jour=aujourdhui, mois=QUALIOPI_PREAVIS_EXPIRATION_MOIS):
            alertes.append(
                _(
                    "Le certificat Qualiopi expire le %(date)s : planifiez l'audit de "
                    "renouvellement."
                )
                % {"date": date_fr(jour=expiration)}
            )
    if emission is not None:
        debut, fin = (ajouter_mois(jour=emission, mois=m) for m in QUALIOPI_SURVEILLANCE_MOIS)
        preavis = ajouter_mois(jour=debut, mois=-QUALIOPI_SURVEILLANCE_PREAVIS_MOIS)
        if preavis <= aujourdhui <= fin:
            alertes.append(
                _(
                    "L'audit de surveillance du certificat Qualiopi (délivré le %(emission)s) "
                    "doit avoir lieu entre le %(debut)s et le %(fin)s (14 à 22 mois après la "
                    "délivrance)."
                )
                % {
                    "emission": date_fr(jour=emission),
                    "debut": date_fr(jour=debut),
                    "fin": date_fr(jour=fin),
                }
            )
    return alertes
