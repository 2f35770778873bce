from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.core.models import Organisation, Role, User

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
