"""Forms of the prior interview (fixed fields plus the organisation's questions) and of the
administrators' question catalogue (rule 12)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaires.forms.beneficiaires import consultants_of
from beneficiaires.models import EntretienPrealable, QuestionEntretien
from beneficiaires.services.entretiens import FicheEntretien, FicheQuestion
from bilan.core.models import Organisation


class EntretienPrealableForm(forms.ModelForm):
    """The fixed fields, then one field ``q_<question id>`` per active question."""

    class Meta:
        model = EntretienPrealable
        fields = [
            "date",
            "consultant",
            "demande",
            "contexte",
            "contraintes",
            "attentes",
            "issue",
            "commentaire",
        ]
        widgets = {
            "date": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "demande": forms.Textarea(attrs={"rows": 3}),
            "contexte": forms.Textarea(attrs={"rows": 3}),
            "contraintes": forms.Textarea(attrs={"rows": 3}),
            "attentes": forms.Textarea(attrs={"rows": 3}),
            "commentaire": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        organisation: Organisation,
        questions: list[QuestionEntretien],
        reponses: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["consultant"]).queryset = consultants_of(
            organisation
        )
        self.questions = questions
        reponses = reponses or {}
        for question in questions:
            nom = f"q_{question.public_id.hex}"
            field: forms.Field
            if question.type == QuestionEntretien.Type.CHOIX:
                field = forms.ChoiceField(
                    choices=[("", "—")] + [(c, c) for c in question.liste_choix]
                )
            elif question.type == QuestionEntretien.Type.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
            else:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
            field.label = question.libelle
            field.required = question.obligatoire
            if question.obligatoire:
                field.error_messages["required"] = str(_("Cette question est obligatoire."))
            if question.pk in reponses:
                field.initial = reponses[question.pk]
            self.fields[nom] = field

    def fiche(self) -> FicheEntretien:
        data = self.cleaned_data
        return FicheEntretien(
            consultant=data["consultant"],
            date=data["date"],
            demande=data["demande"],
            issue=data["issue"],
            contexte=data["contexte"],
            contraintes=data["contraintes"],
            attentes=data["attentes"],
            commentaire=data["commentaire"],
        )

    def reponses(self) -> dict[str, object]:
        """The answers keyed by the question's public id (hex), as the service takes them."""
        resultat: dict[str, object] = {}
        for question in self.questions:
            valeur = self.cleaned_data.get(f"q_{question.public_id.hex}")
            resultat[question.public_id.hex] = (
                valeur.isoformat() if isinstance(valeur, dt.date) else (valeur or "")
            )
        return resultat


class QuestionEntretienForm(forms.ModelForm):
    class Meta:
        model = QuestionEntretien
        fields = ["libelle", "finalite", "type", "choix", "obligatoire", "active", "ordre"]
        widgets = {"choix": forms.Textarea(attrs={"rows": 3})}

    def fiche(self) -> FicheQuestion:
        data = self.cleaned_data
        return FicheQuestion(
            libelle=data["libelle"],
            finalite=data["finalite"],
            type=data["type"],
            choix=data["choix"],
            obligatoire=data["obligatoire"],
            active=data["active"],
            ordre=data["ordre"] or 0,
        )
