"""The staff's consent form: how it was given, and, for a transmission of the synthèse, the
signed paper form to upload (rule 10)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaires.documents import validate_document
from beneficiaires.models import Consentement


class ConsentementForm(forms.ModelForm):
    fichier = forms.FileField(
        label=_("Formulaire d'accord signé (transmission de la synthèse)"),
        required=False,
        help_text=_(
            "Obligatoire pour une transmission : l'accord écrit de la personne, nommant le "
            "ou la destinataire. Un accord oral ne suffit pas (L6313-4)."
        ),
    )

    class Meta:
        model = Consentement
        fields = ["type", "methode", "destinataire"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type_mime = ""

    def clean_fichier(self) -> Any:
        fichier = self.cleaned_data.get("fichier")
        if fichier:
            self.type_mime = validate_document(fichier)
        return fichier
