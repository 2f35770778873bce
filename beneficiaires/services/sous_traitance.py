"""Writes for CPF sub-contracting (rule 27, R6333-6-2): the administrators record or end a
consultant's sub-contracting contract, with every mention the decree requires (the database
refuses an incomplete one: ``membership_sous_traitance_contrat_complet``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import Bilan
from beneficiaires.sous_traitance import contrat_en_vigueur
from bilan.core.models import Membership, Role


@dataclass(frozen=True, kw_only=True)
class ContratSousTraitance:
    """The R6333-6-2 mentions of a written sub-contracting contract."""

    reference: str
    debut: dt.date | None
    fin: dt.date | None
    missions: str
    contenu_sanction: str
    moyens: str
    conditions: str
    prix: Decimal | None
    communique_cdc_le: dt.date | None


def _verifier(contrat: ContratSousTraitance) -> None:
    erreurs: dict[str, str] = {}
    obligatoire = _("Mention obligatoire du contrat (R6333-6-2).")
    for champ in ("reference", "missions", "contenu_sanction", "moyens", "conditions"):
        if not str(getattr(contrat, champ)).strip():
            erreurs[f"st_{champ}"] = obligatoire
    if contrat.debut is None:
        erreurs["st_debut"] = obligatoire
    if contrat.fin is None:
        erreurs["st_fin"] = obligatoire
    if contrat.debut and contrat.fin and contrat.fin < contrat.debut:
        erreurs["st_fin"] = _("La fin du contrat précède son début.")
    if contrat.prix is None or contrat.prix <= 0:
        erreurs["st_prix"] = _("Indiquez le prix convenu (R6333-6-2).")
    if erreurs:
        raise ValidationError(erreurs)


def _cascade_existante(membership: Membership, contrat: ContratSousTraitance) -> bool:
    """Would this contract put a running bilan in cascade (a sub-contractor referent with a
    sub-contractor associate)?"""
    bilans = (
        Bilan.objects.filter(organisation_id=membership.organisation_id)
        .exclude(statut__in=TERMINAUX)
        .filter(Q(consultant_id=membership.user_id) | Q(consultants_associes=membership.user_id))
        .distinct()
        .prefetch_related("consultants_associes")
    )
    for bilan in bilans:
        jour = bilan.date_debut_reelle or bilan.date_debut_prevue
        if jour is None or not (
            contrat.debut and contrat.fin and contrat.debut <= jour <= contrat.fin
        ):
            continue
        autres = [u for u in bilan.consultants_associes.all() if u.pk != membership.user_id]
        if bilan.consultant_id == membership.user_id:
            if any(
                contrat_en_vigueur(organisation_id=bilan.organisation_id, user_id=u.pk, jour=jour)
                for u in autres
            ):
                return True
        elif contrat_en_vigueur(
            organisation_id=bilan.organisation_id, user_id=bilan.consultant_id, jour=jour
        ):
            return True
    return False


@transaction.atomic
def membre_sous_traitance_enregistrer(
    *, membership: Membership, contrat: ContratSousTraitance
) -> Membership:
    """Mark a consultant as working under a written sub-contracting contract. Refused (nothing
    written) when a mention is missing, for an assistant, or when it would put a running bilan
    in cascade (a sub-contractor under another one)."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role not in {Role.CONSULTANT, Role.ADMIN}:
        raise ValidationError(_("Seul·e un·e consultant·e peut intervenir en sous-traitance."))
    _verifier(contrat)
    if _cascade_existante(membership, contrat):
        raise ValidationError(
            _(
                "Un bilan en cours associerait alors deux sous-traitant·es : pas de "
                "sous-traitance en cascade (R6333-6-2). Modifiez d'abord ses consultant·es."
            )
        )
    membership.sous_traitant = True
    membership.st_reference = contrat.reference.strip()
    membership.st_debut = contrat.debut
    membership.st_fin = contrat.fin
    membership.st_missions = contrat.missions.strip()
    membership.st_contenu_sanction = contrat.contenu_sanction.strip()
    membership.st_moyens = contrat.moyens.strip()
    membership.st_conditions = contrat.conditions.strip()
    membership.st_prix = contrat.prix
    membership.st_communique_cdc_le = contrat.communique_cdc_le
    membership.save()
    return membership


@transaction.atomic
def membre_sous_traitance_retirer(*, membership: Membership) -> Membership:
    """The consultant no longer works in sub-contracting (the contract's mentions are kept as a
    record; only the flag goes)."""
    membership.sous_traitant = False
    membership.save(update_fields=["sous_traitant", "updated_at"])
    return membership
