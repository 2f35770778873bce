"""Writes for the free prior interview and the organisation's intake questions (rule 12).

The interview's own fields are fixed (``EntretienPrealable``). An organisation adds questions
(text, choice, date; required or not) that its administrators keep in a catalogue, each with
its link to the bilan (L6313-4, L6353-9). Answers are bilan content (``ReponseEntretien``):
purged with the interview's texts (``syntheses.services.retention``) and shown only to who may
read the beneficiary's confidential content (``beneficiaires.acces``).

The bilan always rests on the **latest** interview, by its date then by when it was recorded:
recording or editing an interview re-points the bilans not yet confirmed (demande, entretien
préalable réalisé), so the reflection delay (``bilan_fin_reflexion``) is recomputed from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    EntretienPrealable,
    QuestionEntretien,
    ReponseEntretien,
    StatutBilan,
)
from beneficiaires.selectors import entretien_le_plus_recent, questions_actives_lister
from beneficiaires.services.bilans import bilan_changer_statut
from bilan.core.models import Organisation, User

# The dossiers whose prior interview can still change: not yet confirmed.
STATUTS_AVANT_CONFIRMATION = (StatutBilan.DEMANDE, StatutBilan.PREALABLE_REALISE)


@dataclass(frozen=True, kw_only=True)
class FicheEntretien:
    """The fixed fields of a prior interview, as the consultant fills them in."""

    consultant: User
    date: dt.datetime
    demande: str
    issue: str
    contexte: str
    contraintes: str
    attentes: str
    commentaire: str


@dataclass(frozen=True, kw_only=True)
class FicheQuestion:
    """An intake question as the administrator writes it."""

    libelle: str
    finalite: str
    type: str
    choix: str
    obligatoire: bool
    active: bool
    ordre: int


# --- Answers --------------------------------------------------------------------------------


def _valeur(question: QuestionEntretien, brute: object) -> str:
    """The answer as stored (text), checked against the question's type."""
    if brute is None:
        return ""
    if isinstance(brute, dt.date):
        return brute.isoformat()
    valeur = str(brute).strip()
    if not valeur:
        return ""
    if question.type == QuestionEntretien.Type.CHOIX and valeur not in question.liste_choix:
        raise ValidationError(
            {f"q_{question.public_id.hex}": _("Choisissez une réponse proposée.")}
        )
    if question.type == QuestionEntretien.Type.DATE:
        try:
            dt.date.fromisoformat(valeur)
        except ValueError:
            raise ValidationError(
                {f"q_{question.public_id.hex}": _("Saisissez une date valide.")}
            ) from None
    return valeur


def _enregistrer_reponses(*, entretien: EntretienPrealable, reponses: dict[str, object]) -> None:
    """Write the answers (keyed by the question's public id, hex) to the active questions;
    a required one left empty is refused. Answers to deactivated questions stay untouched."""
    erreurs: dict[str, str] = {}
    valeurs: dict[int, tuple[QuestionEntretien, str]] = {}
    for question in questions_actives_lister(organisation=entretien.organisation):
        cle = question.public_id.hex
        try:
            valeur = _valeur(question, reponses.get(cle))
        except ValidationError as exc:
            erreurs.update({k: v[0] for k, v in exc.message_dict.items()})
            continue
        if not valeur and question.obligatoire:
            erreurs[f"q_{cle}"] = _("Cette question est obligatoire.")
            continue
        valeurs[question.pk] = (question, valeur)
    if erreurs:
        raise ValidationError(erreurs)
    for question, valeur in valeurs.values():
        if valeur:
            ReponseEntretien.objects.update_or_create(
                organisation=entretien.organisation,
                entretien=entretien,
                question=question,
                defaults={"libelle": question.libelle, "valeur": valeur},
            )
        else:
            ReponseEntretien.objects.filter(entretien=entretien, question=question).delete()


def _rattacher_bilans(*, beneficiaire: Beneficiaire, par: User) -> None:
    """Point the beneficiary's not-yet-confirmed bilans at the latest interview; a bilan still
    at "demande" moves to "entretien préalable réalisé"."""
    dernier = entretien_le_plus_recent(beneficiaire=beneficiaire)
    if dernier is None:
        return
    for bilan in Bilan.objects.select_for_update().filter(
        beneficiaire=beneficiaire, statut__in=STATUTS_AVANT_CONFIRMATION
    ):
        if bilan.statut == StatutBilan.DEMANDE:
            bilan.entretien_prealable = dernier
            bilan_changer_statut(bilan=bilan, vers=StatutBilan.PREALABLE_REALISE, par=par, motif="")
        elif bilan.entretien_prealable_id != dernier.pk:
            bilan.entretien_prealable = dernier
            bilan.save(update_fields=["entretien_prealable", "updated_at"])


def _verifier_consultant(*, organisation: Organisation, consultant: User) -> None:
    if not consultant.memberships.filter(organisation=organisation, is_active=True).exists():
        raise ValidationError(
            {"consultant": _("Ce ou cette consultant·e n'est pas de l'organisme.")}
        )


def _verifier_fiche(fiche: FicheEntretien) -> None:
    if not fiche.demande.strip():
        raise ValidationError({"demande": _("Indiquez la demande exprimée.")})
    if fiche.issue not in EntretienPrealable.Issue.values:
        raise ValidationError({"issue": _("Choisissez l'issue de l'entretien.")})


# --- Prior interview ------------------------------------------------------------------------


@transaction.atomic
def entretien_prealable_enregistrer(
    *,
    beneficiaire: Beneficiaire,
    fiche: FicheEntretien,
    reponses: dict[str, object],
) -> EntretienPrealable:
    """Record the free prior interview (never counted in the 24 hours) with the answers to the
    organisation's questions (``reponses``: public id hex -> value). Refused, nothing written,
    when a required question is unanswered. The beneficiary's bilans not yet confirmed then
    rest on the latest interview (a bilan at "demande" moves to "entretien préalable
    réalisé")."""
    _verifier_consultant(organisation=beneficiaire.organisation, consultant=fiche.consultant)
    _verifier_fiche(fiche)
    entretien = EntretienPrealable.objects.create(
        organisation=beneficiaire.organisation,
        beneficiaire=beneficiaire,
        consultant=fiche.consultant,
        date=fiche.date,
        demande=fiche.demande.strip(),
        issue=fiche.issue,
        contexte=fiche.contexte,
        contraintes=fiche.contraintes,
        attentes=fiche.attentes,
        commentaire=fiche.commentaire,
    )
    _enregistrer_reponses(entretien=entretien, reponses=reponses)
    _rattacher_bilans(beneficiaire=beneficiaire, par=fiche.consultant)
    return entretien


@transaction.atomic
def entretien_prealable_modifier(
    *,
    entretien: EntretienPrealable,
    fiche: FicheEntretien,
    reponses: dict[str, object],
    par: User,
) -> EntretienPrealable:
    """Correct a prior interview (its date included) and its answers. The bilans not yet
    confirmed are re-pointed at the latest interview, so their reflection delay is recomputed.
    Refused once the interview's texts were purged (R6313-7)."""
    entretien = EntretienPrealable.objects.select_for_update().get(pk=entretien.pk)
    if not entretien.demande:
        raise ValidationError(
            _("Le contenu de cet entretien a été détruit (R6313-7) : il ne se modifie plus.")
        )
    _verifier_consultant(organisation=entretien.organisation, consultant=fiche.consultant)
    _verifier_fiche(fiche)
    entretien.consultant = fiche.consultant
    entretien.date = fiche.date
    entretien.demande = fiche.demande.strip()
    entretien.issue = fiche.issue
    entretien.contexte = fiche.contexte
    entretien.contraintes = fiche.contraintes
    entretien.attentes = fiche.attentes
    entretien.commentaire = fiche.commentaire
    entretien.save()
    _enregistrer_reponses(entretien=entretien, reponses=reponses)
    _rattacher_bilans(beneficiaire=entretien.beneficiaire, par=par)
    return entretien


# --- The organisation's questions -------------------------------------------------------------


def _verifier_question(fiche: FicheQuestion) -> None:
    erreurs = {}
    if not fiche.libelle.strip():
        erreurs["libelle"] = _("Écrivez la question.")
    if not fiche.finalite.strip():
        erreurs["finalite"] = _(
            "Indiquez le lien de cette question avec le bilan : seules les informations "
            "nécessaires au bilan peuvent être demandées (L6313-4, L6353-9)."
        )
    if fiche.type not in QuestionEntretien.Type.values:
        erreurs["type"] = _("Choisissez un type de réponse.")
    choix = [ligne.strip() for ligne in fiche.choix.splitlines() if ligne.strip()]
    if fiche.type == QuestionEntretien.Type.CHOIX and len(choix) < 2:
        erreurs["choix"] = _("Proposez au moins deux réponses, une par ligne.")
    if erreurs:
        raise ValidationError(erreurs)


def _choix(fiche: FicheQuestion) -> str:
    if fiche.type != QuestionEntretien.Type.CHOIX:
        return ""
    return "\n".join(ligne.strip() for ligne in fiche.choix.splitlines() if ligne.strip())


@transaction.atomic
def question_entretien_creer(
    *, organisation: Organisation, fiche: FicheQuestion
) -> QuestionEntretien:
    """Add a question to the organisation's prior-interview form (administrators)."""
    _verifier_question(fiche)
    return QuestionEntretien.objects.create(
        organisation=organisation,
        libelle=fiche.libelle.strip(),
        finalite=fiche.finalite.strip(),
        type=fiche.type,
        choix=_choix(fiche),
        obligatoire=fiche.obligatoire,
        active=fiche.active,
        ordre=fiche.ordre,
    )


@transaction.atomic
def question_entretien_modifier(
    *, question: QuestionEntretien, fiche: FicheQuestion
) -> QuestionEntretien:
    """Change a question. Its type is fixed once answered (past answers keep their meaning;
    each answer also keeps the wording it was given under)."""
    _verifier_question(fiche)
    if fiche.type != question.type and question.reponses.exists():
        raise ValidationError(
            {
                "type": _(
                    "Cette question a déjà des réponses : son type ne change plus. "
                    "Désactivez-la et créez-en une autre."
                )
            }
        )
    question.libelle = fiche.libelle.strip()
    question.finalite = fiche.finalite.strip()
    question.type = fiche.type
    question.choix = _choix(fiche)
    question.obligatoire = fiche.obligatoire
    question.active = fiche.active
    question.ordre = fiche.ordre
    question.save()
    return question
