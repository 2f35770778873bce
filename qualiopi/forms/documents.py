"""Form of an organisation document version."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qualiopi.forms.registres import DateInput
from qualiopi.models.documents import KindDocument


class DocumentVersionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=KindDocument.choices)
    fichier = forms.FileField(label=_("Fichier (PDF de préférence)"))
    en_vigueur_le = forms.DateField(
        label=_("En vigueur le"), widget=DateInput(), initial=timezone.localdate
    )
    commentaire = forms.CharField(label=_("Ce qui change"), max_length=300, required=False)
