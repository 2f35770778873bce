"""Forms of the attendance signatures: the beneficiary's agreement (portal, emailed link) and
the signature drawn on the consultant's device."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ACCORD_LABEL = _("Je confirme avoir participé à cette séance et je la signe.")


class AccordForm(forms.Form):
    accord = forms.BooleanField(
        label=ACCORD_LABEL,
        error_messages={"required": _("Cochez la case pour signer.")},
    )


class DessinForm(forms.Form):
    signataire = forms.CharField(
        label=_("Nom et prénom du ou de la bénéficiaire"),
        max_length=200,
        error_messages={"required": _("Saisissez le nom du ou de la bénéficiaire.")},
    )
    trace = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        max_length=400_000,
    )
    accord = forms.BooleanField(
        label=_("Le ou la bénéficiaire confirme avoir participé à cette séance."),
        error_messages={"required": _("Cochez la case de confirmation.")},
    )

    def clean_trace(self) -> str:
        trace = str(self.cleaned_data.get("trace", ""))
        if not trace:
            raise ValidationError(
                _(
                    "Tracez la signature dans le cadre. Sans dessin possible, le ou la "
                    "bénéficiaire confirme depuis son espace personnel."
                )
            )
        return trace
