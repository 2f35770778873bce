"""Questionnaires: assign (consultant), answer with save and resume (beneficiary), score on
completion, release after the debrief (consultant), agree to the synthèse (beneficiary), purge
with the bilan. The reads are in ``exploration.selectors.questionnaires``.

Rights (``beneficiaires.acces``, rule 11): assigning and releasing need ``ACCOMPAGNER`` (the
bilan's consultants and admins); answering and agreeing are the beneficiary's own, checked on
their active portal access to the bilan's beneficiary. Each service re-checks behind the view.

Hours: a passation is always linked to a séance of its bilan, which holds the time (24 hours,
``seances``): a séance activity (any counted séance) or guided personal work (a « travail
personnel guidé » séance, whose consigne and submission stay in ``seances``). Nothing here
adds or moves minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import Bilan, PortalAccess, TypeSeance
from bilan.core.models import User
from exploration import scoring
from exploration.instruments import CODES, LIKERT, PILES, TOP, instrument
from exploration.models import Passation
from seances.models import STATUTS_COMPTES, Seance

logger = logging.getLogger(__name__)


def _exiger_beneficiaire(par: User, passation: Passation) -> None:
    """The portal user must hold an active access to the passation's beneficiary."""
    bilan = passation.bilan
    ok = PortalAccess.objects.filter(
        user=par,
        organisation_id=bilan.organisation_id,
        beneficiaire_id=bilan.beneficiaire_id,
        is_active=True,
    ).exists()
    if not ok:
        raise PermissionDenied(_("Ce questionnaire n'est pas le vôtre."))


def _verrouiller(passation: Passation) -> Passation:
    return Passation.objects.select_for_update().select_related("bilan").get(pk=passation.pk)


def _exiger_ouverte(passation: Passation) -> None:
    if passation.statut == Passation.Statut.TERMINEE:
        raise ValidationError(
            _("Ce questionnaire est terminé : les réponses ne changent plus."), code="terminee"
        )
    if passation.bilan.statut in TERMINAUX:
        raise ValidationError(_("Le bilan est terminé."), code="bilan_termine")


# --- Consultant ------------------------------------------------------------------------------


@transaction.atomic
def passation_assigner(
    *, bilan: Bilan, seance: Seance, instrument_code: str, par: User
) -> Passation:
    """Give a questionnaire to the bilan's beneficiary, linked to ``seance`` of the same bilan:
    a séance activity, or guided personal work when the séance is of that type."""
    acces.verifier_bilan(user=par, bilan=bilan, droit=acces.Droit.ACCOMPAGNER)
    if instrument_code not in CODES:
        raise ValidationError({"instrument": _("Choisissez un questionnaire de la liste.")})
    if bilan.statut in TERMINAUX:
        raise ValidationError(
            _("Le bilan est %(statut)s : plus de questionnaire possible.")
            % {"statut": bilan.get_statut_display().lower()},
            code="bilan_termine",
        )
    if seance.bilan_id != bilan.pk:
        raise ValidationError({"seance": _("Choisissez une séance de ce bilan.")})
    if seance.statut not in STATUTS_COMPTES:
        raise ValidationError(
            {"seance": _("Cette séance est annulée : choisissez une séance prévue ou réalisée.")}
        )
    modalite = (
        Passation.Modalite.TRAVAIL
        if seance.type == TypeSeance.TRAVAIL_PERSONNEL
        else Passation.Modalite.SEANCE
    )
    if (
        Passation.objects.filter(bilan=bilan, instrument=instrument_code)
        .exclude(statut=Passation.Statut.TERMINEE)
        .exists()
    ):
        raise ValidationError(
            {
                "instrument": _(
                    "Ce questionnaire est déjà en cours pour ce bilan : attendez qu'il soit "
                    "terminé pour le proposer à nouveau."
                )
            }
        )
    try:
        with transaction.atomic():
            return Passation.objects.create(
                organisation_id=bilan.organisation_id,
                bilan=bilan,
                seance=seance,
                instrument=instrument_code,
                modalite=modalite,
                assignee_par=par,
            )
    except IntegrityError:  # a simultaneous assignment of the same instrument
        raise ValidationError(
            {"instrument": _("Ce questionnaire vient d'être proposé pour ce bilan.")}
        ) from None


@transaction.atomic
def passation_publier(*, passation: Passation, par: User) -> Passation:
    """Release the results to the beneficiary, after the debrief (dated, by whom, logged).
    Refused before completion or a second time."""
    passation = _verrouiller(passation)
    acces.verifier_bilan(user=par, bilan=passation.bilan, droit=acces.Droit.ACCOMPAGNER)
    if passation.statut != Passation.Statut.TERMINEE:
        raise ValidationError(
            _("Le questionnaire n'est pas terminé : il n'y a pas encore de résultats."),
            code="non_terminee",
        )
    if passation.publiee_le is not None:
        raise ValidationError(_("Les résultats sont déjà communiqués."), code="deja")
    passation.publiee_le = timezone.now()
    passation.publiee_par = par
    passation.save(update_fields=["publiee_le", "publiee_par", "updated_at"])
    logger.info("Résultats communiqués : passation %s, par l'utilisateur %s", passation.pk, par.pk)
    return passation


# --- Beneficiary -----------------------------------------------------------------------------


def _avancer(passation: Passation, page: int) -> None:
    passation.statut = Passation.Statut.EN_COURS
    passation.position = max(passation.position, page)
    passation.save(update_fields=["reponses", "statut", "position", "updated_at"])


@transaction.atomic
def passation_repondre(
    *, passation: Passation, reponses: Mapping[str, int], page: int, par: User
) -> Passation:
    """Save a page of Likert answers (save and resume): merged with the earlier ones; an
    answer may be changed until the questionnaire is finished."""
    passation = _verrouiller(passation)
    _exiger_beneficiaire(par, passation)
    _exiger_ouverte(passation)
    inst = instrument(passation.instrument)
    if inst.type != LIKERT:
        raise ValidationError(_("Ce questionnaire se fait par tri de cartes."))
    ids = {item.id for item in inst.items}
    valeurs = {o.valeur for o in inst.options}
    for cle, valeur in reponses.items():
        if cle not in ids or valeur not in valeurs:
            raise ValidationError(_("Réponse inconnue : rechargez la page."), code="invalide")
    passation.reponses = {**passation.reponses, **{k: int(v) for k, v in reponses.items()}}
    _avancer(passation, page)
    return passation


@transaction.atomic
def passation_trier(
    *, passation: Passation, piles: Mapping[str, str], page: int, par: User
) -> Passation:
    """Save the piles chosen on one page of the card sort (save and resume)."""
    passation = _verrouiller(passation)
    _exiger_beneficiaire(par, passation)
    _exiger_ouverte(passation)
    inst = instrument(passation.instrument)
    ids = {c.id for c in inst.cartes}
    if any(cle not in ids or pile not in PILES for cle, pile in piles.items()):
        raise ValidationError(_("Carte ou pile inconnue : rechargez la page."), code="invalide")
    anciennes = dict(passation.reponses.get("piles", {}))
    anciennes.update(piles)
    # A card moved out of « très important » leaves the ranking.
    top = [i for i in passation.reponses.get("top", []) if anciennes.get(i) == PILES[0]]
    passation.reponses = {"piles": anciennes, "top": top}
    _avancer(passation, page)
    return passation


@transaction.atomic
def passation_classer(*, passation: Passation, top: Sequence[str], par: User) -> Passation:
    """Rank the top five of the card sort (among the « très important » pile)."""
    passation = _verrouiller(passation)
    _exiger_beneficiaire(par, passation)
    _exiger_ouverte(passation)
    piles = passation.reponses.get("piles", {})
    tres = [i for i, p in piles.items() if p == PILES[0]]
    attendu = min(TOP, len(tres))
    choisis = [i for i in top if i]
    if len(choisis) != attendu:
        raise ValidationError(
            {"top": _("Choisissez %(n)s valeurs, une par rang.") % {"n": attendu}}
        )
    if len(set(choisis)) != len(choisis):
        raise ValidationError({"top": _("Une même valeur ne peut occuper deux rangs.")})
    if any(i not in tres for i in choisis):
        raise ValidationError(
            {"top": _("Classez seulement des valeurs de la pile « très important ».")}
        )
    passation.reponses = {"piles": piles, "top": choisis}
    passation.save(update_fields=["reponses", "updated_at"])
    return passation


@transaction.atomic
def passation_terminer(*, passation: Passation, par: User) -> Passation:
    """Finish: every question answered, the result computed (``exploration.scoring``) and
    kept. The consultant sees it at once; the beneficiary after the release."""
    passation = _verrouiller(passation)
    _exiger_beneficiaire(par, passation)
    _exiger_ouverte(passation)
    inst = instrument(passation.instrument)
    try:
        if inst.type == LIKERT:
            resultat = scoring.score_likert(instrument=inst, reponses=passation.reponses)
        else:
            resultat = scoring.score_tri(
                instrument=inst,
                piles=passation.reponses.get("piles", {}),
                top=passation.reponses.get("top", []),
            )
    except ValueError as exc:
        raise ValidationError(
            _("Le questionnaire n'est pas complet : %(detail)s") % {"detail": exc},
            code="incomplet",
        ) from None
    passation.statut = Passation.Statut.TERMINEE
    passation.terminee_le = timezone.now()
    passation.resultat = resultat
    passation.save(update_fields=["statut", "terminee_le", "resultat", "updated_at"])
    return passation


@transaction.atomic
def passation_accord_synthese(*, passation: Passation, accord: bool, par: User) -> Passation:
    """The beneficiary agrees (or no longer agrees) that this released result appears in the
    synthèse. Withdrawing does not change a synthèse already signed."""
    passation = _verrouiller(passation)
    _exiger_beneficiaire(par, passation)
    if passation.publiee_le is None:
        raise ValidationError(_("Les résultats ne vous ont pas encore été communiqués."))
    passation.accord_synthese_le = timezone.now() if accord else None
    passation.save(update_fields=["accord_synthese_le", "updated_at"])
    return passation


# --- Retention -------------------------------------------------------------------------------


def passations_purger(*, bilan: Bilan) -> int:
    """Delete the bilan's passations, answers and results (R6313-7). Called inside
    ``syntheses.services.retention.bilan_purger``'s transaction; returns how many went."""
    nombre, _detail = Passation.objects.filter(bilan=bilan).delete()
    return nombre
