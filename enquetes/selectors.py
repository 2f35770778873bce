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
from enquetes.models import KindEnquete, Question, Reponse, ReponseItem


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
