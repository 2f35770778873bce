from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaires.forms.beneficiaires import consultants_of
from seances.models import Seance

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SeanceForm(forms.ModelForm):
    class Meta:
        model = Seance
        fields = [
            "phase",
            "type",
            "intitule",
            "objectifs",
            "debut",
            "duree_minutes",
            "modalite",
            "lieu",
            "lien_visio",
            "consultant",
        ]
        widgets = {"debut": DATETIME, "objectifs": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = consultants_of(organisation)
        self.fields["consultant"].required = False
        self.fields["duree_minutes"].help_text = _("De 15 à 480 minutes.")


class ReporterForm(forms.Form):
    debut = forms.DateTimeField(label=_("Nouvelle date et heure"), widget=DATETIME)
    motif = forms.CharField(label=_("Motif du report"), max_length=300)


class AnnulerForm(forms.Form):
    absence = forms.ChoiceField(
        label=_("Nature"),
        choices=[
            ("", _("Annulation")),
            ("excusee", _("Absence excusée")),
            ("non_excusee", _("Absence non excusée")),
        ],
        required=False,
    )
    motif = forms.CharField(label=_("Motif"), max_length=300)


class RealiserForm(forms.Form):
    duree_realisee_minutes = forms.IntegerField(
        label=_("Durée réalisée (minutes)"), min_value=1, max_value=480
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes confidentielles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Visibles de vous seul·e ; chaque lecture est journalisée."),
    )
