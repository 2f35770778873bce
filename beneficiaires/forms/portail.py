"""Forms of the beneficiary's portal pages."""

from django import forms
from django.utils.translation import gettext_lazy


class SignatureForm(forms.Form):
    accord = forms.BooleanField(
        label=gettext_lazy("J'ai lu le document et je le signe électroniquement."),
        error_messages={"required": gettext_lazy("Cochez la case pour signer.")},
    )
