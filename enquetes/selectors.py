"""Reads of the surveys (bound organisation): the beneficiary's surveys, and the satisfaction
figures for Qualiopi indicators 2 and 30."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from enquetes.models import (
    KindEnquete,
    ParametresEnquete,
    Question,
    Questionnaire,
    Reponse,
    ReponseItem,
)

NOTE = Question.Type.NOTE
CHOIX = Question.Type.CHOIX
TEXTE = Question.Type.TEXTE

# Default questionnaires: title, then (question, type, options, required, counts in the rate).
QUESTIONS_PAR_DEFAUT: dict[str, tuple[str, list[tuple[str, str, list[str], bool, bool]]]] = {
    KindEnquete.CHAUD: (
        "Votre avis sur votre bilan de compétences",
        [
            ("Dans l'ensemble, êtes-vous satisfait·e de votre bilan ?", NOTE, [], True, True),
            ("L'accompagnement de votre consultant·e vous a-t-il aidé·e ?", NOTE, [], True, False),
            (
                "Les objectifs fixés au début du bilan ont-ils été atteints ?",
                CHOIX,
                ["Oui, tout à fait", "En partie", "Non"],
                True,
                False,
            ),
            (
                "Les conditions (lieu, outils, rythme) vous ont-elles convenu ?",
                NOTE,
                [],
                False,
                False,
            ),
            (
                "Recommanderiez-vous ce bilan à une personne de votre entourage ?",
                CHOIX,
                ["Oui", "Peut-être", "Non"],
                False,
                False,
            ),
            ("Que pourrions-nous améliorer ?", TEXTE, [], False, False),
        ],
    ),
    KindEnquete.FROID: (
        "Quelques mois après votre bilan de compétences",
        [
            ("Avec le recul, êtes-vous satisfait·e de votre bilan ?", NOTE, [], True, True),
            (
                "Où en est votre projet aujourd'hui ?",
                CHOIX,
                [
                    "Réalisé",
                    "En cours de réalisation",
                    "Modifié",
                    "Pas encore engagé",
                    "Abandonné",
                ],
                True,
                False,
            ),
            ("Le bilan vous a-t-il été utile pour avancer ?", NOTE, [], False, False),
            ("Un commentaire ?", TEXTE, [], False, False),
        ],
    ),
}


def parametres_lire(*, organisation: Organisation) -> ParametresEnquete:
    """The organisation's survey settings; the defaults, unsaved, before any were stored (a
    page that shows them writes nothing)."""
    return ParametresEnquete.objects.filter().first() or ParametresEnquete(
        organisation=organisation
    )


def questionnaire_lire(
    *, organisation: Organisation, kind: KindEnquete | str
) -> tuple[Questionnaire, list[Question]]:
    """The questionnaire of ``kind`` and its active questions, as stored; before the first
    survey seeds it, the default one, unsaved (``pk`` None): reading never writes."""
    kind = KindEnquete(kind)
    questionnaire = Questionnaire.objects.filter(kind=kind).first()
    if questionnaire is not None:
        return questionnaire, list(
            questionnaire.questions.filter(active=True).order_by("ordre", "pk")
        )
    titre, questions = QUESTIONS_PAR_DEFAUT[kind]
    questionnaire = Questionnaire(organisation=organisation, kind=kind, titre=titre)
    return questionnaire, [
        Question(
            organisation=organisation,
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
    ]


@dataclass(frozen=True)
class TauxSatisfaction:
    kind: str
    envoyees: int
    repondues: int
    notes: int
    satisfaites: int
    note_moyenne: float | None

    @property
    def taux_reponse(self) -> float | None:
        return round(self.repondues / self.envoyees * 100, 1) if self.envoyees else None

    @property
    def taux(self) -> float | None:
        """Share of satisfied answers (4 or 5 out of 5) to the questions that count."""
        return round(self.satisfaites / self.notes * 100, 1) if self.notes else None


def satisfaction_calculer(*, debut: dt.date, fin: dt.date) -> dict[str, TauxSatisfaction]:
    """Per survey kind, for the surveys sent in [debut, fin] (Europe/Paris days): how many were
    sent, how many answered, and the satisfaction rate (notes of 4-5 on the questions that count
    in the rate) with the number of notes it rests on."""
    if fin < debut:
        raise ValidationError(_("La fin de la période précède son début."))
    resultats = {}
    for kind in KindEnquete.values:
        envoyees = Reponse.objects.filter(
            kind=kind, envoyee_le__date__gte=debut, envoyee_le__date__lte=fin
        )
        notes = list(
            ReponseItem.objects.filter(
                reponse__in=envoyees,
                question__type=Question.Type.NOTE,
                question__compte_satisfaction=True,
                note__isnull=False,
            ).values_list("note", flat=True)
        )
        resultats[kind] = TauxSatisfaction(
            kind=kind,
            envoyees=envoyees.count(),
            repondues=envoyees.filter(repondu_le__isnull=False).count(),
            notes=len(notes),
            satisfaites=sum(1 for n in notes if n >= 4),
            note_moyenne=round(sum(notes) / len(notes), 2) if notes else None,
        )
    return resultats


def beneficiaire_enquetes_lister(*, beneficiaire: Beneficiaire) -> QuerySet[Reponse]:
    """Surveys already sent to the beneficiary (answered or not), newest first."""
    return (
        Reponse.objects.filter(bilan__beneficiaire=beneficiaire, envoyee_le__isnull=False)
        .select_related("bilan")
        .order_by("-envoyee_le")
    )


def reponse_obtenir(
    *,
    organisation: Organisation,
    public_id: uuid.UUID | str,
    queryset: QuerySet[Reponse] | None = None,
) -> Reponse:
    return get_for_organisation(
        Reponse, organisation=organisation, public_id=public_id, queryset=queryset
    )


def reponses_detailler(*, reponse: Reponse) -> list[tuple[Question, ReponseItem | None]]:
    items = {i.question_id: i for i in reponse.items.select_related("question")}
    questions = {i.question_id: i.question for i in items.values()}
    return [
        (questions[qid], items[qid])
        for qid in sorted(questions, key=lambda q: (questions[q].ordre, q))
    ]
