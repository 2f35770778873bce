"""Forms of the quality registers. Every choice of a linked row is limited to the bound
organisation's rows and travels by public id, never by primary key."""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import ForeignKey, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from bilan.core.models import Organisation, TenantOwned, User
from qualiopi.models.registres import (
    ActionAmelioration,
    AdaptationHandicap,
    Intervenant,
    NatureReclamation,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _membres(organisation: Organisation):
    return (
        User.objects.filter(memberships__organisation=organisation, memberships__is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def _champ(db_field, **kwargs):
    """Form field of a model field: a link to a tenant row starts empty (a tenant queryset
    cannot be built when the class is defined) and travels by public id."""
    if isinstance(db_field, ForeignKey) and issubclass(db_field.related_model, TenantOwned):
        return forms.ModelChoiceField(
            queryset=db_field.related_model.unscoped.none(),
            required=not db_field.blank,
            label=capfirst(db_field.verbose_name),
            to_field_name="public_id",
        )
    if isinstance(db_field, ForeignKey) and db_field.related_model is User:
        return forms.ModelChoiceField(
            queryset=User.objects.none(),
            required=not db_field.blank,
            label=capfirst(db_field.verbose_name),
        )
    return db_field.formfield(**kwargs)


class RegistreForm(forms.ModelForm):
    """Base: dates as date pickers, linked rows scoped to ``organisation`` by public id."""

    class Meta:
        formfield_callback = _champ

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput()
            if isinstance(field, forms.ModelChoiceField):
                modele = cast(QuerySet, field.queryset).model
                if modele is User:
                    field.queryset = _membres(organisation)
                else:
                    field.queryset = modele.objects.filter(organisation=organisation)


class ReclamationForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = Reclamation
        fields = [
            "recue_le",
            "canal",
            "nature",
            "objet",
            "description",
            "auteur",
            "beneficiaire",
            "bilan",
            "accuse_le",
            "reponse_le",
            "reponse",
            "cloture_le",
        ]


class ActionForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = ActionAmelioration
        fields = [
            "intitule",
            "description",
            "source",
            "source_precision",
            "reclamation",
            "retour",
            "responsable",
            "ouverte_le",
            "echeance",
            "statut",
            "realisee_le",
            "resultat",
        ]


class VeilleForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = VeilleEntree
        fields = ["kind", "date", "source", "apprentissage", "action_prise", "action"]


class IntervenantForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = Intervenant
        fields = ["membre", "nom", "sous_traitant", "fonction"]


class PieceIntervenantForm(RegistreForm):
    fichier = forms.FileField(label=_("Justificatif (PDF, image, document)"), required=False)

    class Meta(RegistreForm.Meta):
        model = PieceIntervenant
        fields = ["kind", "intitule", "organisme", "date", "expire_le", "heures"]


class PartenaireForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = PartenaireHandicap
        fields = ["kind", "nom", "contact", "telephone", "courriel", "notes"]


class AdaptationForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = AdaptationHandicap
        fields = ["date", "besoin", "adaptation", "partenaire"]
        help_texts = {
            "besoin": _("Sans nom ni élément permettant d'identifier la personne."),
        }


class RetourForm(RegistreForm):
    class Meta(RegistreForm.Meta):
        model = RetourPartiePrenante
        fields = ["recu_le", "source", "organisme_nom", "resume"]


class ParametresForm(forms.Form):
    delai_accuse_jours = forms.IntegerField(
        label=_("Délai cible d'accusé de réception des réclamations (jours ouvrés)"),
        min_value=0,
        max_value=30,
    )


class ReclamationPortailForm(forms.Form):
    """What a beneficiary writes in the portal (rule 30)."""

    nature = forms.ChoiceField(
        label=_("Sujet"),
        choices=[(v, label) for v, label in NatureReclamation.choices if v != "incident"],
    )
    objet = forms.CharField(label=_("Objet"), max_length=200)
    description = forms.CharField(
        label=_("Votre réclamation"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Décrivez ce qui s'est passé et ce que vous attendez de l'organisme."),
    )
