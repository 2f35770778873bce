"""Forms of the synthèse pages: they parse; the services validate and decide."""

import uuid
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Bilan, Consentement
from syntheses.models import SECTIONS, EtapePlanAction
from syntheses.services import partage

NIVEAUX = [(n, str(n)) for n in range(0, 5)]
POIDS = [(n, str(n)) for n in range(1, 6)]


class SyntheseForm(forms.Form):
    """The 7 sections (rich text from the editor, or plain text without JavaScript; sanitised
    on save to the editor's allow-list) and the revision read."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # One random token per opened editor page: autosave and the button of the same page share it.
    page = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"].initial = uuid.uuid4().hex
        for key, label in SECTIONS:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 6, "data-autosave": key, "data-editeur": key}),
                help_text=_(
                    "Mise en forme avec la barre d'outils : gras, italique, titres, listes. "
                    "Sans JavaScript, séparez les paragraphes par une ligne vide."
                ),
            )

    def sections(self) -> dict:
        return {key: self.cleaned_data.get(key, "") for key, _label in SECTIONS}


class EtapeForm(forms.Form):
    intitule = forms.CharField(label=_("Étape"), max_length=300)
    echeance = forms.DateField(
        label=_("Échéance"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    responsable = forms.CharField(label=_("Qui"), max_length=200, required=False)
    ressource_type = forms.ChoiceField(
        label=_("Type de ressource"),
        choices=[("", "—"), *EtapePlanAction.Ressource.choices],
        required=False,
    )
    ressource = forms.CharField(label=_("Ressource"), max_length=300, required=False)
    statut = forms.ChoiceField(
        label=_("Statut"),
        choices=EtapePlanAction.Statut.choices,
        initial=EtapePlanAction.Statut.A_FAIRE,
    )


class CritereForm(forms.Form):
    libelle = forms.CharField(label=_("Critère"), max_length=200)
    poids = forms.TypedChoiceField(
        label=_("Poids (1 faible à 5 fort)"), choices=POIDS, coerce=int, initial=3
    )


class ScenarioForm(forms.Form):
    intitule = forms.CharField(label=_("Intitulé du scénario"), max_length=200)
    avantages = forms.CharField(
        label=_("Atouts"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    risques = forms.CharField(
        label=_("Risques, freins"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class NotesForm(forms.Form):
    """One score (0-5) per criterion for one scenario; fields named after the criteria."""

    def __init__(self, *args, criteres=(), notes=None, **kwargs):
        super().__init__(*args, **kwargs)
        notes = notes or {}
        self.criteres = list(criteres)
        for critere in self.criteres:
            self.fields[f"note_{critere.public_id}"] = forms.TypedChoiceField(
                label=_("%(c)s (poids %(p)s)") % {"c": critere.libelle, "p": critere.poids},
                choices=[("", "—"), *[(n, str(n)) for n in range(0, 6)]],
                coerce=int,
                empty_value=None,
                required=False,
                initial=notes.get(critere.pk),
            )

    def notes(self) -> dict:
        return {
            str(c.public_id): self.cleaned_data.get(f"note_{c.public_id}") for c in self.criteres
        }


class EcartForm(forms.Form):
    competence = forms.CharField(label=_("Compétence"), max_length=200)
    cible = forms.CharField(label=_("Métier ou projet visé"), max_length=200, required=False)
    niveau_actuel = forms.TypedChoiceField(
        label=_("Niveau actuel (0 à 4)"), choices=NIVEAUX, coerce=int
    )
    niveau_requis = forms.TypedChoiceField(
        label=_("Niveau requis (0 à 4)"), choices=NIVEAUX, coerce=int
    )


class CommentaireForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=SECTIONS)
    texte = forms.CharField(
        label=_("Votre commentaire"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RemiseForm(forms.Form):
    mode = forms.CharField(
        label=_("Mode de remise"),
        max_length=100,
        help_text=_("Par exemple : en main propre lors de l'entretien de conclusion."),
    )


class SignatureForm(forms.Form):
    accord = forms.BooleanField(
        label=_("J'ai lu la synthèse et je la signe électroniquement."),
        error_messages={"required": _("Cochez la case pour signer.")},
    )


class ConsentementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Consentement) -> str:
        destinataire = f" — {obj.destinataire}" if obj.destinataire else ""
        return (
            f"{obj.get_type_display()}{destinataire}"
            f" ({timezone.localtime(obj.accorde_le):%d/%m/%Y})"
        )


class PartageForm(forms.Form):
    consentement = ConsentementChoiceField(
        label=_("Consentement du ou de la bénéficiaire"),
        queryset=None,  # set per bilan in __init__ (the manager needs a bound organisation)
        to_field_name="public_id",
        empty_label=None,
    )
    destinataire = forms.CharField(label=_("Destinataire (organisme et personne)"), max_length=200)
    courriel = forms.EmailField(label=_("Courriel du ou de la destinataire"), required=False)

    def __init__(self, *args: Any, bilan: Bilan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The consents that allow sharing, still in force.
        self.consentements = Consentement.objects.filter(
            beneficiaire_id=bilan.beneficiaire_id,
            type__in=partage.TYPES_PARTAGE,
            methode__in=Consentement.Methode.ecrites(),
            revoque_le__isnull=True,
        ).exclude(destinataire="")
        cast(forms.ModelChoiceField, self.fields["consentement"]).queryset = self.consentements
