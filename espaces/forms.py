"""Forms of the beneficiary's personal data page."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy

from beneficiaires.services.rgpd import CONSENTEMENTS_PORTAIL


class ConsentementPortailForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Je consens à"))
    destinataire = forms.CharField(
        label=gettext_lazy("Destinataire (pour une transmission à un tiers)"),
        max_length=200,
        required=False,
    )
    accord = forms.BooleanField(
        label=gettext_lazy(
            "Pour une transmission de ma synthèse : je signe mon accord, pour ce ou cette "
            "destinataire seulement (je pourrai le retirer à tout moment)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["type"]).choices = [
            (t.value, t.label) for t in CONSENTEMENTS_PORTAIL
        ]


class SuppressionForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Votre message (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
