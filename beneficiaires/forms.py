from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.core.models import Organisation, Role, User

from .documents import validate_document
from .models import Beneficiaire


class BeneficiaireForm(forms.ModelForm):
    class Meta:
        model = Beneficiaire
        fields = ["civilite", "prenom", "nom", "email", "telephone", "consultant"]

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = User.objects.filter(
            memberships__organisation=organisation,
            memberships__is_active=True,
            memberships__role__in=[Role.CONSULTANT, Role.ADMIN],
        ).order_by("last_name", "first_name")
        self.fields["consultant"].empty_label = _("— à attribuer —")
        self.fields["telephone"].widget.attrs["autocomplete"] = "tel"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class DocumentForm(forms.Form):
    titre = forms.CharField(label=_("Titre du document"), max_length=200)
    fichier = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, image, texte ou traitement de texte ; 10 Mo au plus."),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        self.type_mime = validate_document(fichier)
        return fichier
