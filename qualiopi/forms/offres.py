"""Form of an offer page version (rule 31: the service refuses a missing ind. 1 item)."""

import datetime as dt

from django import forms
from django.forms.models import construct_instance
from django.utils.translation import gettext_lazy as _

from qualiopi.forms.registres import DateInput
from qualiopi.models.offres import CHAMPS_CONTENU, CHAMPS_OBLIGATOIRES, OffreVersion


class OffreVersionForm(forms.ModelForm):
    resultats_debut = forms.DateField(label=_("Résultats publiés : du"), widget=DateInput())
    resultats_fin = forms.DateField(label=_("au"), widget=DateInput())

    class Meta:
        model = OffreVersion
        fields = list(CHAMPS_CONTENU)
        widgets = {
            champ: forms.Textarea(attrs={"rows": 3})
            for champ in CHAMPS_OBLIGATOIRES
            if champ not in ("titre", "referent_handicap_contact")
        } | {"prerequis": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service gives each missing mention its French message at the field (rule 31).
        for champ in (*CHAMPS_OBLIGATOIRES, "duree_heures"):
            champ_formulaire = self.fields[champ]
            champ_formulaire.required = False
            champ_formulaire.label = f"{champ_formulaire.label} *"
            champ_formulaire.widget.attrs["aria-required"] = "true"

    def _post_clean(self) -> None:
        # Validation is the publication service's (one place for rule 31's messages): only
        # fill the unsaved version here.
        self.instance = construct_instance(self, self.instance, self._meta.fields)

    @staticmethod
    def periode_defaut() -> tuple[dt.date, dt.date]:
        fin = dt.date.today()
        return fin.replace(year=fin.year - 1), fin
