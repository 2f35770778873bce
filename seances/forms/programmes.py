"""Forms of a bilan's calendar page: the programme and first date chosen, then the proposed
séances to keep, edit and plan (a formset)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Phase, Programme, TypeSeance
from seances.models import Seance

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class CalendrierChoixForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.unscoped.none(), empty_label=None
    )
    debut = forms.DateTimeField(
        label=_("Date et heure de la première séance"), widget=_datetime_widget()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programme = cast(forms.ModelChoiceField, self.fields["programme"])
        programme.queryset = Programme.objects.order_by("nom")


class CalendrierLieuForm(forms.Form):
    """Asked once when a calendar is applied: where the in-person séances take place, the
    video link of the remote ones; and, when the proposal clashes with other séances of the
    consultant, the explicit choice to plan anyway."""

    lieu = forms.CharField(
        label=_("Lieu des séances en présentiel"),
        max_length=200,
        required=False,
        help_text=_("Adresse ou salle ; repris sur chaque séance en présentiel."),
    )
    lien_visio = forms.URLField(
        label=_("Lien de visioconférence"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_("Repris sur chaque séance en visioconférence."),
    )
    accepter_chevauchements = forms.BooleanField(
        label=_("Planifier malgré les chevauchements signalés"), required=False
    )

    def verifier(self, *, modalites: set[str]) -> bool:
        """The place and link the kept séances need (their modalities): field errors."""
        if not self.is_valid():
            return False
        if Seance.Modalite.PRESENTIEL in modalites and not self.cleaned_data["lieu"].strip():
            self.add_error("lieu", _("Indiquez le lieu des séances en présentiel."))
        if Seance.Modalite.VISIO in modalites and not self.cleaned_data["lien_visio"]:
            self.add_error("lien_visio", _("Indiquez le lien des séances en visioconférence."))
        return not self.errors


class SeancePlanForm(forms.Form):
    garder = forms.BooleanField(label=_("Garder"), required=False, initial=True)
    debut = forms.DateTimeField(label=_("Date et heure"), required=False, widget=_datetime_widget())
    duree_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=15, max_value=480, required=False
    )
    type = forms.ChoiceField(label=_("Type"), choices=TypeSeance.choices)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    intitule = forms.CharField(label=_("Intitulé"), max_length=200, required=False)
    modalite = forms.ChoiceField(label=_("Modalité"), choices=Seance.Modalite.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Rendered by hand in a table row (no crispy): give the Bootstrap classes here.
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"
            elif name != "garder":
                field.widget.attrs["class"] = "form-control form-control-sm"
        self.fields["intitule"].widget.attrs["size"] = 30

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("garder"):
            messages = {
                "debut": _("Indiquez la date et l'heure."),
                "duree_minutes": _("Indiquez la durée."),
                "intitule": _("Indiquez l'intitulé."),
            }
            for champ, message in messages.items():
                if data.get(champ) in (None, "") and champ not in self.errors:
                    self.add_error(champ, message)
        return data


class BaseSeancePlanFormSet(forms.BaseFormSet):
    def seances(self) -> list[dict[str, Any]]:
        """The séances kept, as ``seances_planifier_depuis_programme`` takes them."""
        return [
            {k: v for k, v in form.cleaned_data.items() if k != "garder"}
            for form in self.forms
            if form.cleaned_data.get("garder")
        ]


SeancePlanFormSet = cast(
    type[BaseSeancePlanFormSet],
    forms.formset_factory(SeancePlanForm, formset=BaseSeancePlanFormSet, extra=0, max_num=60),
)
