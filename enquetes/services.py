"""Writes of the satisfaction surveys: settings, questionnaires (seeded on first use), the
invitation row of each bilan and the answer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from beneficiaires.models import Bilan
from bilan.core.models import Organisation
from enquetes import selectors
from enquetes.models import (
    KindEnquete,
    ParametresEnquete,
    Question,
    Questionnaire,
    Reponse,
    ReponseItem,
)
from relances.models import Relance
from relances.services import relance_annuler

# The default questions, seeded on first use (``questionnaire_obtenir``); the staff page
# shows them unsaved until then (``selectors.questionnaire_lire``).
QUESTIONS_PAR_DEFAUT = selectors.QUESTIONS_PAR_DEFAUT
NOTE = Question.Type.NOTE
CHOIX = Question.Type.CHOIX


def parametres_obtenir(*, organisation: Organisation) -> ParametresEnquete:
    parametres, _created = ParametresEnquete.objects.get_or_create(organisation=organisation)
    return parametres


@transaction.atomic
def parametres_modifier(
    *, organisation: Organisation, froid_delai_mois: int, rappel_jours: int
) -> ParametresEnquete:
    if not 3 <= froid_delai_mois <= 6:
        raise ValidationError(
            {"froid_delai_mois": _("L'enquête à froid part entre 3 et 6 mois après la fin.")}
        )
    if not 1 <= rappel_jours <= 30:
        raise ValidationError({"rappel_jours": _("Le rappel part entre 1 et 30 jours après.")})
    parametres = parametres_obtenir(organisation=organisation)
    parametres.froid_delai_mois = froid_delai_mois
    parametres.rappel_jours = rappel_jours
    parametres.save()
    return parametres


def questionnaire_obtenir(*, organisation: Organisation, kind: KindEnquete) -> Questionnaire:
    """The organisation's questionnaire of ``kind``, created with default questions on first
    use."""
    kind = KindEnquete(kind)  # an unknown kind fails here, before anything is written
    questionnaire = Questionnaire.objects.filter(kind=kind).first()
    if questionnaire is not None:
        return questionnaire
    titre, questions = QUESTIONS_PAR_DEFAUT[kind]
    with transaction.atomic():
        questionnaire, created = Questionnaire.objects.get_or_create(
            organisation=organisation, kind=kind, defaults={"titre": titre}
        )
        if created:
            Question.objects.bulk_create(
                Question(
                    organisation=organisation,
                    questionnaire=questionnaire,
                    ordre=ordre,
                    libelle=libelle,
                    type=type_,
                    options=options,
                    obligatoire=obligatoire,
                    compte_satisfaction=satisfaction,
                )
                for ordre, (libelle, type_, options, obligatoire, satisfaction) in enumerate(
                    questions, start=1
                )
            )
    return questionnaire


def _options(texte_ou_liste: str | Iterable[str]) -> list[str]:
    if isinstance(texte_ou_liste, str):
        texte_ou_liste = texte_ou_liste.splitlines()
    return [o.strip()[:200] for o in texte_ou_liste if o and o.strip()]


@transaction.atomic
def question_ajouter(
    *,
    questionnaire: Questionnaire,
    libelle: str,
    type: str,
    options: str | Iterable[str] = (),
    obligatoire: bool = False,
    compte_satisfaction: bool = False,
) -> Question:
    libelle = (libelle or "").strip()
    if not libelle:
        raise ValidationError({"libelle": _("Saisissez la question.")})
    if type not in Question.Type.values:
        raise ValidationError({"type": _("Type de réponse inconnu.")})
    choix = _options(options)
    if type == CHOIX and len(choix) < 2:
        raise ValidationError({"options": _("Une question à choix propose au moins deux options.")})
    if type != CHOIX:
        choix = []
    dernier = questionnaire.questions.order_by("-ordre").values_list("ordre", flat=True).first()
    return Question.objects.create(
        organisation=questionnaire.organisation,
        questionnaire=questionnaire,
        ordre=(dernier or 0) + 1,
        libelle=libelle[:300],
        type=type,
        options=choix,
        obligatoire=obligatoire,
        compte_satisfaction=compte_satisfaction and type == NOTE,
    )


@transaction.atomic
def question_retirer(*, question: Question) -> Question:
    """Withdraw a question from future surveys; past answers keep it."""
    question.active = False
    question.save(update_fields=["active", "updated_at"])
    return question


# --- Invitation and answer --------------------------------------------------------------------


def reponse_jeton_signer(*, reponse: Reponse) -> str:
    """The emailed link's secret: derived (HMAC with SECRET_KEY) from the survey's id, so the
    first email and its reminder carry the same link; only its SHA-256 is stored."""
    return salted_hmac("enquetes.reponse", str(reponse.public_id), algorithm="sha256").hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enquete_preparer(*, bilan: Bilan, kind: KindEnquete) -> Reponse:
    """The survey row of ``bilan`` and ``kind`` (created once; the key makes it unique)."""
    reponse = Reponse.objects.filter(bilan_id=bilan.pk, kind=kind).first()
    if reponse is not None:
        return reponse
    questionnaire_obtenir(organisation=bilan.organisation, kind=kind)  # seeded on first use
    reponse = Reponse(organisation_id=bilan.organisation_id, bilan=bilan, kind=kind)
    reponse.token_hash = _hash(reponse_jeton_signer(reponse=reponse))
    with transaction.atomic():
        reponse.save()
    return reponse


def enquete_marquer_envoyee(*, reponse: Reponse | None, le: dt.datetime) -> None:
    if reponse is not None and reponse.envoyee_le is None:
        Reponse.objects.filter(pk=reponse.pk).update(envoyee_le=le, updated_at=timezone.now())


def reponse_trouver_par_jeton(*, token: str) -> Reponse | None:
    """The survey a link opens (bound organisation), or None."""
    if not token or len(token) > 128:
        return None
    return (
        Reponse.objects.select_related("bilan", "bilan__beneficiaire")
        .filter(token_hash=_hash(token))
        .first()
    )


def questions_actives_lister(*, organisation: Organisation, kind: KindEnquete) -> list[Question]:
    questionnaire = questionnaire_obtenir(organisation=organisation, kind=kind)
    return list(questionnaire.questions.filter(active=True).order_by("ordre", "pk"))


@transaction.atomic
def enquete_repondre(*, reponse: Reponse, donnees: dict, par_lien: bool = False) -> Reponse:
    """Record the answer (once) and cancel the pending reminder. ``donnees`` maps
    ``q<question pk>`` to the submitted value. Refused with French messages, nothing written."""
    reponse = Reponse.objects.select_for_update().get(pk=reponse.pk)
    if reponse.repondu_le is not None:
        raise ValidationError(_("Vous avez déjà répondu à cette enquête. Merci !"))
    erreurs: dict[str, str] = {}
    items = []
    for question in questions_actives_lister(
        organisation=reponse.organisation, kind=KindEnquete(reponse.kind)
    ):
        cle = f"q{question.pk}"
        valeur = str(donnees.get(cle, "") or "").strip()
        if not valeur:
            if question.obligatoire:
                erreurs[cle] = _("Merci de répondre à cette question.")
            continue
        item = ReponseItem(organisation=reponse.organisation, reponse=reponse, question=question)
        if question.type == NOTE:
            if valeur not in {"1", "2", "3", "4", "5"}:
                erreurs[cle] = _("Choisissez une note de 1 à 5.")
                continue
            item.note = int(valeur)
        elif question.type == CHOIX:
            if valeur not in question.options:
                erreurs[cle] = _("Choisissez une des réponses proposées.")
                continue
            item.choix = valeur
        else:
            item.texte = valeur[:5000]
        items.append(item)
    if erreurs:
        raise ValidationError(erreurs)
    ReponseItem.objects.bulk_create(items)
    reponse.repondu_le = timezone.now()
    reponse.par_lien = par_lien
    reponse.save(update_fields=["repondu_le", "par_lien", "updated_at"])
    # Answering cancels the reminder (and the first email, if it had not left yet).
    kinds = {
        KindEnquete.CHAUD: (Relance.Kind.ENQUETE_CHAUD, Relance.Kind.ENQUETE_CHAUD_RAPPEL),
        KindEnquete.FROID: (Relance.Kind.ENQUETE_FROID, Relance.Kind.ENQUETE_FROID_RAPPEL),
    }[KindEnquete(reponse.kind)]
    for kind in kinds:
        relance_annuler(cle=f"{kind}:{reponse.bilan.public_id}")
    return reponse
