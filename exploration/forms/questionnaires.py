"""Forms of the questionnaires: assigning one (staff), answering a page, sorting cards and
ranking the top five (portal). The portal pages render their radio groups by hand (one
fieldset and legend per question); these forms read and check what comes back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exploration.instruments import PILES, TOP, Carte, Item, Option
from exploration.models import Passation
from exploration.selectors.questionnaires import LIBELLES_PILES
from seances.models import Seance


class SeanceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Seance) -> str:
        debut = timezone.localtime(obj.debut).strftime("%d/%m/%Y %H:%M")
        return f"{debut} — {obj.intitule} ({obj.get_type_display()})"


class AssignerForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"), choices=Passation.Instrument.choices)
    seance = SeanceChoiceField(
        label=_("Séance"),
        queryset=None,  # set per bilan in __init__ (tenant rows: nothing at import)
        to_field_name="public_id",
        help_text=_(
            "Une séance du bilan : le questionnaire est alors une activité de cette séance. "
            "Choisissez une séance « Travail personnel guidé » pour le confier en travail "
            "personnel (le temps compte dans les 24 heures avec cette séance)."
        ),
        empty_label=None,
    )

    def __init__(self, *args: Any, seances: QuerySet[Seance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seance"].queryset = seances  # type: ignore[attr-defined]


class PageLikertForm(forms.Form):
    """One page of Likert questions: field ``q-<item id>``, radio value 1-5, optional (the
    page is saved as it is; the questionnaire is finished only when complete)."""

    def __init__(self, *args: Any, items: list[Item], options: tuple[Option, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choix = [(str(o.valeur), o.libelle) for o in options]
        for item in items:
            self.fields[f"q-{item.id}"] = forms.TypedChoiceField(
                label=item.texte,
                choices=choix,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )

    def reponses(self) -> dict[str, int]:
        return {
            nom.removeprefix("q-"): valeur
            for nom, valeur in self.cleaned_data.items()
            if valeur not in (None, "")
        }


class PageTriForm(forms.Form):
    """One page of the card sort: field ``c-<card id>``, one of the three piles."""

    def __init__(self, *args: Any, cartes: list[Carte], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for carte in cartes:
            self.fields[f"c-{carte.id}"] = forms.ChoiceField(
                label=carte.nom,
                choices=[(p, LIBELLES_PILES[p]) for p in PILES],
                required=False,
                widget=forms.RadioSelect,
            )

    def piles(self) -> dict[str, str]:
        return {
            nom.removeprefix("c-"): valeur for nom, valeur in self.cleaned_data.items() if valeur
        }


class ClassementForm(forms.Form):
    """The top five: one select per rank, among the « très important » cards."""

    def __init__(self, *args: Any, cartes: list[Carte], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choix = [("", _("— choisir une valeur —"))] + [(c.id, c.nom) for c in cartes]
        for rang in range(1, min(TOP, len(cartes)) + 1):
            self.fields[f"rang-{rang}"] = forms.ChoiceField(
                label=_("Rang %(n)s") % {"n": rang}, choices=choix
            )

    def top(self) -> list[str]:
        return [self.cleaned_data[f"rang-{r}"] for r in range(1, len(self.fields) + 1)]
