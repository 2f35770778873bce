"""The administrators' form of a consultant's sub-contracting contract (rule 27)."""

from __future__ import annotations

from django import forms

from beneficiaires.services.sous_traitance import ContratSousTraitance
from bilan.core.models import Membership


class SousTraitanceForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = [
            "st_reference",
            "st_debut",
            "st_fin",
            "st_missions",
            "st_contenu_sanction",
            "st_moyens",
            "st_conditions",
            "st_prix",
            "st_communique_cdc_le",
        ]
        widgets = {
            "st_debut": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "st_fin": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "st_communique_cdc_le": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "st_missions": forms.Textarea(attrs={"rows": 2}),
            "st_contenu_sanction": forms.Textarea(attrs={"rows": 2}),
            "st_moyens": forms.Textarea(attrs={"rows": 2}),
            "st_conditions": forms.Textarea(attrs={"rows": 2}),
        }

    def contrat(self) -> ContratSousTraitance:
        data = self.cleaned_data
        return ContratSousTraitance(
            reference=data["st_reference"],
            debut=data["st_debut"],
            fin=data["st_fin"],
            missions=data["st_missions"],
            contenu_sanction=data["st_contenu_sanction"],
            moyens=data["st_moyens"],
            conditions=data["st_conditions"],
            prix=data["st_prix"],
            communique_cdc_le=data["st_communique_cdc_le"],
        )
