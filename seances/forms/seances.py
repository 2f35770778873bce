"""Forms of a séance (staff): plan, move, cancel or record an absence, realise, notes."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.forms.beneficiaires import consultants_of
from beneficiaires.models import TypeSeance
from bilan.core.models import Organisation
from seances.models import NatureAnnulation, Seance

FORMAT_SAISIE = "%Y-%m-%dT%H:%M"
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=FORMAT_SAISIE)


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

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultant = cast(forms.ModelChoiceField, self.fields["consultant"])
        consultant.queryset = consultants_of(organisation)
        consultant.required = False
        self.fields["duree_minutes"].help_text = _("De 15 à 480 minutes.")
        self.fields["modalite"].help_text = _(
            "Le travail personnel guidé se fait en autonomie : ni lieu, ni lien."
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("type") == TypeSeance.TRAVAIL_PERSONNEL:
            # Guided personal work is done alone: no place or link (the service says so too).
            data.update(modalite=Seance.Modalite.AUTONOMIE, lieu="", lien_visio="")
            self.instance.modalite, self.instance.lieu, self.instance.lien_visio = (
                Seance.Modalite.AUTONOMIE,
                "",
                "",
            )
        return data


class SeanceModifierForm(SeanceForm):
    """Every field of a planned séance, and the reason when its date moves."""

    motif = forms.CharField(
        label=_("Motif du report"),
        max_length=300,
        required=False,
        help_text=_("Obligatoire si la date ou l'heure change ; conservé sur la séance."),
    )


class ReporterForm(forms.Form):
    debut = forms.DateTimeField(label=_("Nouvelle date et heure"), widget=DATETIME)
    motif = forms.CharField(label=_("Motif du report"), max_length=300)


class DeplacerForm(forms.Form):
    """Move a séance from the agenda: a new date and time, different from the current one,
    and a reason."""

    debut = forms.DateTimeField(
        label=_("Nouvelle date et heure"),
        input_formats=[FORMAT_SAISIE, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=FORMAT_SAISIE),
        error_messages={
            "required": _("Indiquez la nouvelle date et l'heure."),
            "invalid": _("Indiquez une date et une heure valides."),
        },
    )
    motif = forms.CharField(
        label=_("Motif du report"),
        max_length=500,
        error_messages={"required": _("Indiquez pourquoi la séance est déplacée.")},
    )

    def __init__(self, *args: Any, seance: Seance, **kwargs: Any) -> None:
        self.seance = seance
        kwargs.setdefault("auto_id", f"deplacer-{seance.public_id}-%s")
        kwargs.setdefault(
            "initial",
            {"debut": timezone.localtime(seance.debut).strftime(FORMAT_SAISIE)},
        )
        super().__init__(*args, **kwargs)

    def clean_motif(self) -> str:
        motif = str(self.cleaned_data["motif"]).strip()
        if not motif:
            raise ValidationError(_("Indiquez pourquoi la séance est déplacée."))
        return motif

    def clean_debut(self) -> Any:
        debut = self.cleaned_data["debut"]
        if debut == self.seance.debut:
            raise ValidationError(_("Choisissez une date ou une heure différente de l'actuelle."))
        return debut


class AnnulerForm(forms.Form):
    """Cancel a séance or record an absence (séance page and agenda). With ``seance``, its
    field ids carry the séance's id (several forms on the agenda page)."""

    nature = forms.ChoiceField(
        label=_("Nature"),
        choices=NatureAnnulation.choices,
        initial=NatureAnnulation.ANNULEE,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez : annulée, absence excusée ou non excusée."),
            "invalid_choice": _("Choisissez : annulée, absence excusée ou non excusée."),
        },
    )
    motif = forms.CharField(
        label=_("Motif"),
        max_length=500,
        error_messages={"required": _("Indiquez le motif.")},
    )

    def __init__(self, *args: Any, seance: Seance | None = None, **kwargs: Any) -> None:
        self.seance = seance
        if seance is not None:
            kwargs.setdefault("auto_id", f"annuler-{seance.public_id}-%s")
        super().__init__(*args, **kwargs)

    def clean_motif(self) -> str:
        motif = str(self.cleaned_data["motif"]).strip()
        if not motif:
            raise ValidationError(_("Indiquez le motif."))
        return motif

    def clean_nature(self) -> NatureAnnulation:
        return NatureAnnulation(self.cleaned_data["nature"])


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
