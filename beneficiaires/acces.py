"""Need-to-know: who may see, and who may act on, a bilan, a beneficiary and their
confidential parts. This module is the only place that decides it; views, services and
selectors ask it and never re-derive a rule from roles or assignments.

Law (``shared/reference/domain.md`` section 8):

- rule 10 (L6313-4): employer and funder users never read séance notes, results or the
  synthèse without a written, dated, specific consent. They have no staff account here: what
  they receive goes through a share (``syntheses.Partage``) backed by such a consent.
- rule 11 (professional secrecy, Code pénal 226-13 via L6313-4): only staff assigned to the
  bilan (its consultants, and administrators on a need-to-know basis) access bilan content,
  and every access to it is logged (``bilan.core.audit``).

Who is *assigned* to a bilan: its referent consultant (``Bilan.consultant``) and its
associated consultants (``Bilan.consultants_associes``), provided their membership is active
and their role is consultant or admin (an account later made assistant loses the
assignment's rights). For one séance, the consultant who runs it (``Seance.consultant``) is
assigned too. For a beneficiary: their consultant (``Beneficiaire.consultant``) and whoever is
assigned to any of their bilans.

The rules, by member (``AccesBilan`` / ``AccesBeneficiaire`` carry them):

- **Assigned consultant**: sees the dossier, acts on its administration and on the
  accompaniment (séances, personal work and feedback, synthèse, attendance, follow-up), reads
  its confidential content (personal work submissions, the synthèse, work documents of the
  dossier, questionnaire results). Séance notes: only the séance's consultant and the
  bilan's referent consultant (associated consultants do not read another's notes).
- **Administrator**: sees every dossier and acts on its administration (status transitions,
  financing, payments, documents to issue and sign, retention, reminders, the beneficiary's
  identity and consents). Confidential content: read on the need-to-know basis rule 11 grants
  administrators (the person answerable for the bilan: replacing an absent consultant,
  answering a complaint or an audit), every read being audit-logged and shown to the
  beneficiary in the portal. Existing behaviour kept on that ground: an admin opens the
  synthèse editor, writes a consigne, acts on any séance. Never, unless they are themselves
  the séance's or the bilan's consultant: séance notes (the consultant's working notes, not
  needed to run the organisation) and accessibility needs (health data, below). Destroying
  work documents (manual purge, R6313-7) is for admins only.
- **Assistant**: sees the administrative data (the beneficiary's page and the dossier page
  without notes, work documents of the dossier, submissions or synthèse; the attendance page
  and certificate; the list of consignes without their content). Acts on nothing except the
  follow-up interview's logistics (plan, re-plan, cancel), which the code already granted
  them. The dossier views used to let any member act on the administration (the defect this
  module closes); the explicit rules elsewhere said "assistants read, never act", and that is
  the rule kept.
- **Another consultant of the organisation**: nothing; the bilan answers 404 as it does for
  another organisation, so its existence is not revealed.
- **The référent handicap** (the member whose e-mail is the organisation's référent handicap
  contact) sees every beneficiary's page and their accessibility needs (RGPD art. 9), like the
  beneficiary's own consultant; nothing else beyond their role.

Enforcement (one approach everywhere): **the view checks before calling**. A view reads the
object through the tenant accessor by public UUID (404 in another organisation), then calls
``exiger_bilan`` / ``exiger_beneficiaire`` with the right it needs: 404 when the member may
not even see it, 403 when they see it but may not do this. Services that receive the acting
user (``par``) re-check through ``verifier_bilan`` as a second line (PermissionDenied); lists
start from ``bilans_visibles`` / ``beneficiaires_visibles``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire, Bilan, PortalAccess
from bilan.core.middleware import PortalRequest
from bilan.core.models import Membership, Role, User
from bilan.core.tenancy import parmi

ROLES_CONSULTANTS = frozenset({Role.CONSULTANT, Role.ADMIN})


class Droit(StrEnum):
    """A right on a bilan or a beneficiary; the value is the attribute of the access object."""

    VOIR = "voir"
    ADMINISTRER = "administrer"
    ACCOMPAGNER = "accompagner"
    LIRE_CONFIDENTIEL = "lire_confidentiel"
    LIRE_NOTES = "lire_notes"
    ORGANISER_SUIVI = "organiser_suivi"
    DETRUIRE = "detruire"
    VOIR_BESOINS = "voir_besoins"


def _message(droit: Droit) -> str:
    return {
        Droit.ADMINISTRER: _(
            "Seul·es les consultant·es du bilan et les administrateur·rices peuvent le faire."
        ),
        Droit.ACCOMPAGNER: _(
            "Seul·es les consultant·es du bilan et les administrateur·rices peuvent le faire."
        ),
        Droit.LIRE_CONFIDENTIEL: _(
            "Ce contenu est réservé aux consultant·es du bilan (secret professionnel)."
        ),
        Droit.LIRE_NOTES: _("Ces notes sont réservées au ou à la consultant·e de la séance."),
        Droit.ORGANISER_SUIVI: _("Votre rôle ne permet pas d'organiser ce suivi."),
        Droit.DETRUIRE: _("Seul·es les administrateur·rices lancent une destruction."),
        Droit.VOIR_BESOINS: _(
            "Les besoins d'aménagement sont réservés au ou à la consultant·e et au ou à la "
            "référent·e handicap."
        ),
    }.get(droit, _("Votre rôle ne permet pas cette action."))


@dataclass(frozen=True)
class AccesBilan:
    """What one member may do with one bilan (or one of its séances)."""

    voir: bool = False
    administrer: bool = False
    accompagner: bool = False
    lire_confidentiel: bool = False
    lire_notes: bool = False
    organiser_suivi: bool = False
    detruire: bool = False

    def exiger(self, droit: Droit) -> None:
        """404 if the bilan is not even visible (never reveal it exists), 403 if ``droit``
        is missing."""
        if not self.voir:
            raise Http404
        if not getattr(self, droit.value):
            raise PermissionDenied(_message(droit))


@dataclass(frozen=True)
class AccesBeneficiaire:
    """What one member may do with one beneficiary's page and dossier files."""

    voir: bool = False
    administrer: bool = False
    lire_confidentiel: bool = False
    voir_besoins: bool = False

    def exiger(self, droit: Droit) -> None:
        if not self.voir:
            raise Http404
        if not getattr(self, droit.value):
            raise PermissionDenied(_message(droit))


AUCUN_BILAN = AccesBilan()
AUCUN_BENEFICIAIRE = AccesBeneficiaire()


# --- Who is who -------------------------------------------------------------------------------


def membership_de(*, user: User | None, organisation_id: int) -> Membership | None:
    """The user's active membership in the organisation, if any (services get a user)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user=user, organisation_id=organisation_id, is_active=True)
        .select_related("user", "organisation")
        .first()
    )


def _valide(membership: Membership | None, organisation_id: int) -> bool:
    return (
        membership is not None
        and membership.is_active
        and membership.organisation_id == organisation_id
    )


def est_assigne(*, user_id: int | None, bilan: Bilan) -> bool:
    """The user is the bilan's referent or an associated consultant (no role check)."""
    if user_id is None:
        return False
    return bilan.consultant_id == user_id or bilan.consultants_associes.filter(pk=user_id).exists()


def est_referent_handicap(*, membership: Membership) -> bool:
    contact = (membership.organisation.referent_handicap_contact or "").strip().lower()
    return bool(contact) and contact == (membership.user.email or "").strip().lower()


# --- Bilans -----------------------------------------------------------------------------------


def acces_bilan(
    *, membership: Membership | None, bilan: Bilan, consultant_seance_id: int | None = None
) -> AccesBilan:
    """The rights of ``membership`` on ``bilan``; ``consultant_seance_id`` (the consultant
    running one séance) also counts as assigned, for that séance only."""
    if not _valide(membership, bilan.organisation_id):
        return AUCUN_BILAN
    assert membership is not None
    user_id = membership.user_id
    role = membership.role
    redacteur_notes = role in ROLES_CONSULTANTS and user_id in {
        bilan.consultant_id,
        consultant_seance_id,
    }
    if role == Role.ADMIN:
        return AccesBilan(
            voir=True,
            administrer=True,
            accompagner=True,
            lire_confidentiel=True,
            lire_notes=redacteur_notes,
            organiser_suivi=True,
            detruire=True,
        )
    if role == Role.CONSULTANT and (
        user_id == consultant_seance_id or est_assigne(user_id=user_id, bilan=bilan)
    ):
        return AccesBilan(
            voir=True,
            administrer=True,
            accompagner=True,
            lire_confidentiel=True,
            lire_notes=redacteur_notes,
            organiser_suivi=True,
        )
    if role == Role.ASSISTANT:
        return AccesBilan(voir=True, organiser_suivi=True)
    return AUCUN_BILAN


def acces_bilan_de(
    *, user: User | None, bilan: Bilan, consultant_seance_id: int | None = None
) -> AccesBilan:
    """``acces_bilan`` for a service that knows the acting user, not the membership."""
    membership = membership_de(user=user, organisation_id=bilan.organisation_id)
    return acces_bilan(
        membership=membership, bilan=bilan, consultant_seance_id=consultant_seance_id
    )


def exiger_bilan(
    *,
    membership: Membership | None,
    bilan: Bilan,
    droit: Droit = Droit.VOIR,
    consultant_seance_id: int | None = None,
) -> AccesBilan:
    """For views: the access, after raising Http404 (not visible) or PermissionDenied."""
    acces = acces_bilan(
        membership=membership, bilan=bilan, consultant_seance_id=consultant_seance_id
    )
    acces.exiger(droit)
    return acces


def verifier_bilan(
    *, user: User | None, bilan: Bilan, droit: Droit, consultant_seance_id: int | None = None
) -> None:
    """For services (second line behind the view): PermissionDenied unless ``droit``."""
    acces = acces_bilan_de(user=user, bilan=bilan, consultant_seance_id=consultant_seance_id)
    if not getattr(acces, droit.value):
        raise PermissionDenied(_message(droit))


def _q_assigne(user_id: int, prefix: str = "") -> Q:
    # The co-consulting rows as a sub-select, not a join: a join multiplies the bilan's rows
    # and called for DISTINCT (issue 16). Same rows either way.
    associes = Bilan.consultants_associes.through.objects.filter(user_id=user_id)
    return Q(**{f"{prefix}consultant_id": user_id}) | parmi(
        f"{prefix}pk", associes.values("bilan_id")
    )


def bilans_visibles(*, membership: Membership | None) -> QuerySet[Bilan]:
    """The bilans of the bound organisation that ``membership`` may see (lists, exports)."""
    if membership is None or not membership.is_active:
        return Bilan.objects.none()
    qs = Bilan.objects.filter(organisation_id=membership.organisation_id)
    if membership.role in {Role.ADMIN, Role.ASSISTANT}:
        return qs
    if membership.role == Role.CONSULTANT:
        return qs.filter(_q_assigne(membership.user_id))
    return Bilan.objects.none()


# --- Beneficiaries ----------------------------------------------------------------------------


def _q_beneficiaires_assignes(user_id: int) -> Q:
    return (
        Q(consultant_id=user_id)
        | Q(bilans__consultant_id=user_id)
        | Q(bilans__consultants_associes=user_id)
    )


def acces_beneficiaire(
    *, membership: Membership | None, beneficiaire: Beneficiaire
) -> AccesBeneficiaire:
    if not _valide(membership, beneficiaire.organisation_id):
        return AUCUN_BENEFICIAIRE
    assert membership is not None
    user_id = membership.user_id
    referent_handicap = est_referent_handicap(membership=membership)
    besoins = referent_handicap or (
        membership.role in ROLES_CONSULTANTS and beneficiaire.consultant_id == user_id
    )
    if membership.role == Role.ADMIN:
        return AccesBeneficiaire(
            voir=True, administrer=True, lire_confidentiel=True, voir_besoins=besoins
        )
    if membership.role == Role.CONSULTANT and (
        beneficiaire.consultant_id == user_id
        or Beneficiaire.objects.filter(
            Q(pk=beneficiaire.pk) & _q_beneficiaires_assignes(user_id)
        ).exists()
    ):
        return AccesBeneficiaire(
            voir=True, administrer=True, lire_confidentiel=True, voir_besoins=besoins
        )
    if membership.role == Role.ASSISTANT or referent_handicap:
        return AccesBeneficiaire(voir=True, voir_besoins=besoins)
    return AUCUN_BENEFICIAIRE


def exiger_beneficiaire(
    *, membership: Membership | None, beneficiaire: Beneficiaire, droit: Droit = Droit.VOIR
) -> AccesBeneficiaire:
    acces = acces_beneficiaire(membership=membership, beneficiaire=beneficiaire)
    acces.exiger(droit)
    return acces


def beneficiaires_visibles(*, membership: Membership | None) -> QuerySet[Beneficiaire]:
    """The beneficiaries of the bound organisation that ``membership`` may see."""
    if membership is None or not membership.is_active:
        return Beneficiaire.objects.none()
    qs = Beneficiaire.objects.filter(organisation_id=membership.organisation_id)
    if membership.role in {Role.ADMIN, Role.ASSISTANT} or est_referent_handicap(
        membership=membership
    ):
        return qs
    if membership.role == Role.CONSULTANT:
        return qs.filter(
            pk__in=Beneficiaire.objects.filter(
                _q_beneficiaires_assignes(membership.user_id)
            ).values("pk")
        )
    return Beneficiaire.objects.none()


def creer_beneficiaire_permis(*, membership: Membership | None) -> bool:
    """Opening a new beneficiary's file: consultants and admins; assistants never act."""
    return membership is not None and membership.is_active and membership.role in ROLES_CONSULTANTS


class PortailRequest(PortalRequest):
    """For annotations only: a portal request (``portal_required``) whose access is this app's
    ``PortalAccess`` (the model ``settings.BILAN_PORTAL_ACCESS_MODEL`` names), with its
    beneficiary."""

    portal_access: PortalAccess
