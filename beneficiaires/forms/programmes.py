"""Forms of the programme pages: the programme itself and its étapes (a formset). The calendar
proposal of a bilan is the séances' (``seances.forms.programmes``)."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Phase, Programme, TypeSeance


class ProgrammeForm(forms.Form):
    nom = forms.CharField(label=_("Nom du programme"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    suivi_mois = forms.IntegerField(
        label=_("Entretien de suivi : au plus tôt (mois après la fin)"),
        min_value=3,
        max_value=9,
        help_text=_("Hors des 24 heures ; entre 3 et 9 mois après la fin du bilan."),
    )
    suivi_mois_max = forms.IntegerField(
        label=_("Entretien de suivi : au plus tard (mois après la fin)"),
        min_value=3,
        max_value=9,
        help_text=_("Égal au début pour une date fixe (par exemple 6 et 6)."),
    )
    delai_reflexion_jours = forms.IntegerField(
        label=_("Délai de réflexion après l'entretien préalable (jours)"),
        min_value=0,
        max_value=60,
        required=False,
        help_text=_("Laissez vide pour appliquer le délai de l'organisme."),
    )
    suivi_duree_minutes = forms.IntegerField(
        label=_("Durée de l'entretien de suivi (minutes)"), min_value=15, max_value=480
    )
    actif = forms.BooleanField(label=_("Proposé pour les nouveaux bilans"), required=False)

    def __init__(self, *args, programme: Programme, **kwargs):
        self.programme = programme
        kwargs.setdefault(
            "initial",
            {
                "nom": programme.nom,
                "description": programme.description,
                "suivi_mois": programme.suivi_mois,
                "suivi_mois_max": programme.suivi_mois_max,
                "delai_reflexion_jours": programme.delai_reflexion_jours,
                "suivi_duree_minutes": programme.suivi_duree_minutes,
                "actif": programme.actif,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean() or {}
        debut, fin = data.get("suivi_mois"), data.get("suivi_mois_max")
        if debut is not None and fin is not None and fin < debut:
            self.add_error(
                "suivi_mois_max", _("La fin de la fenêtre de suivi ne précède pas son début.")
            )
        return data

    def clean_nom(self):
        nom = self.cleaned_data["nom"].strip()
        if Programme.objects.filter(nom=nom).exclude(pk=self.programme.pk).exists():
            raise forms.ValidationError(_("Un autre programme de l'organisme porte déjà ce nom."))
        return nom


class EtapeForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    type = forms.ChoiceField(label=_("Type de séance"), choices=TypeSeance.choices)
    intitule = forms.CharField(label=_("Intitulé"), max_length=200)
    duree_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=480)
    ecart_jours = forms.IntegerField(
        label=_("Jours après l'étape précédente"), min_value=0, max_value=366, initial=7
    )

    def has_changed(self) -> bool:
        """A new row counts only once it has a title or a duration: its selects and its default
        gap are always submitted by the browser."""
        return any(
            str(self.data.get(self.add_prefix(name), "")).strip()
            for name in ("intitule", "duree_minutes")
        ) or bool(self.initial)


class BaseEtapeFormSet(forms.BaseFormSet):
    renderer: Any  # set by BaseFormSet.__init__ (missing from the type stubs)

    def refuser(self, messages: list[str]) -> None:
        """Show a refusal of the service above the rows, as ``full_clean`` shows its own."""
        self._non_form_errors = self.error_class(
            messages, error_class="nonform", renderer=self.renderer
        )

    def etapes(self) -> list[dict]:
        """The étapes kept, in the chosen order (deleted and untouched empty rows left out)."""
        return [
            {k: v for k, v in form.cleaned_data.items() if k not in {"ORDER", "DELETE"}}
            for form in self.ordered_forms
        ]


EtapeFormSet = cast(
    type[BaseEtapeFormSet],
    forms.formset_factory(
        EtapeForm, formset=BaseEtapeFormSet, extra=2, can_order=True, can_delete=True, max_num=60
    ),
)
