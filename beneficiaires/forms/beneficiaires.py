from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from beneficiaires.documents import validate_document
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    Document,
    Programme,
)
from beneficiaires.programmes import MODELES
from bilan.core.models import Organisation, Role, User


def consultants_of(organisation: Organisation):
    return User.objects.filter(
        memberships__organisation=organisation,
        memberships__is_active=True,
        memberships__role__in=[Role.CONSULTANT, Role.ADMIN],
    ).order_by("last_name", "first_name")


class BeneficiaireForm(forms.ModelForm):
    class Meta:
        model = Beneficiaire
        fields = [
            "civilite",
            "prenom",
            "nom",
            "email",
            "telephone",
            "statut",
            "statut_precision",
            "employeur_nom",
            "employeur_siret",
            "poste",
            "consultant",
        ]

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultant = cast(forms.ModelChoiceField, self.fields["consultant"])
        consultant.queryset = consultants_of(organisation)
        consultant.empty_label = _("— à attribuer —")
        self.fields["employeur_siret"].help_text = _("14 chiffres, si la personne est salariée.")
        self.fields["telephone"].widget.attrs["autocomplete"] = "tel"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class DocumentForm(forms.Form):
    titre = forms.CharField(label=_("Titre du document"), max_length=200)
    categorie = forms.ChoiceField(
        label=_("Nature"),
        choices=Document.Categorie.choices,
        initial=Document.Categorie.TRAVAIL,
        required=False,
    )
    fichier = forms.FileField(
        label=_("Fichier"),
        help_text=_("PDF, image, texte ou traitement de texte ; 10 Mo au plus."),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        self.type_mime = validate_document(fichier)
        return fichier


class BesoinsForm(forms.Form):
    besoins_accessibilite = forms.CharField(
        label=_("Besoins d'aménagement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Donnée de santé : conservée seulement avec le consentement explicite."),
    )


BILAN_FIELDS = [
    "consultant",
    "consultants_associes",
    "programme",
    "modalite",
    "heures_accompagnement",
    "heures_travail_personnel",
    "date_debut_prevue",
    "date_fin_prevue",
    "objectifs",
    "financement",
    "prix_ttc",
    "conditions_paiement",
    "financeur_nom",
    "financeur_reference",
    "employeur_signataire_nom",
    "employeur_signataire_fonction",
    "employeur_signataire_email",
    "convention_transmise_le",
    "cpf_proposition_commande_le",
    "cpf_aucun_bilan_finance_5_ans",
    "cpf_exoneration",
    "cpf_entree_declaree_le",
    "cpf_sortie_declaree_le",
    "sur_temps_de_travail",
    "autorisation_demandee_le",
    "autorisation_reponse",
    "autorisation_reponse_le",
]
DATE_FIELDS = [
    "date_debut_prevue",
    "date_fin_prevue",
    "convention_transmise_le",
    "cpf_proposition_commande_le",
    "cpf_entree_declaree_le",
    "cpf_sortie_declaree_le",
    "autorisation_demandee_le",
    "autorisation_reponse_le",
]


class BilanForm(forms.ModelForm):
    # Declared here: a tenant-owned queryset cannot be built when the class is defined.
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.unscoped.none(), required=False
    )
    # The five built-in seeds the organisation has not copied yet, offered directly: choosing
    # one copies it into the organisation when the bilan is opened (no detour by the catalogue).
    modele = forms.ChoiceField(
        label=_("ou un programme modèle"),
        required=False,
        help_text=_("Copié dans vos programmes à l'ouverture du bilan, puis modifiable."),
    )
    cpf_aucun_bilan_finance_5_ans = forms.NullBooleanField(
        label=_("Aucun bilan financé par un financeur public ou mutualisé depuis 5 ans (CPF)"),
        required=False,
        widget=forms.Select(
            choices=[
                ("unknown", _("— non renseigné —")),
                ("true", _("Oui, aucun")),
                ("false", _("Non, j'en ai eu un")),
            ]
        ),
    )

    class Meta:
        model = Bilan
        fields = BILAN_FIELDS
        widgets = {
            **{
                name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
                for name in DATE_FIELDS
            },
            "objectifs": forms.Textarea(attrs={"rows": 3}),
            "conditions_paiement": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultants = consultants_of(organisation)
        cast(forms.ModelChoiceField, self.fields["consultant"]).queryset = consultants
        associes = cast(forms.ModelMultipleChoiceField, self.fields["consultants_associes"])
        associes.queryset = consultants
        associes.required = False
        programme = cast(forms.ModelChoiceField, self.fields["programme"])
        programme.queryset = Programme.objects.filter(actif=True)
        self.fields["programme"].required = False
        copies = set(programme.queryset.values_list("modele_source", flat=True))
        modeles = [(m.slug, m.nom) for m in MODELES if m.slug not in copies]
        if self.instance.pk or not modeles:
            del self.fields["modele"]  # a seed is chosen when opening, not when editing
        else:
            cast(forms.ChoiceField, self.fields["modele"]).choices = [
                ("", _("— aucun —")),
                *modeles,
            ]
            ordre = [name for name in self.fields if name != "modele"]
            ordre.insert(ordre.index("programme") + 1, "modele")
            self.order_fields(ordre)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("programme") and cleaned.get("modele"):
            self.add_error(
                "modele", _("Choisissez un programme de l'organisme ou un modèle, pas les deux.")
            )
        return cleaned


class PaiementForm(forms.Form):
    le = forms.DateField(
        label=_("Date du paiement"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    montant = forms.DecimalField(label=_("Montant (€)"), min_value=0.01, decimal_places=2)
    mode = forms.CharField(label=_("Mode de paiement"), max_length=50, required=False)


class RetractationForm(forms.Form):
    """The beneficiary's withdrawal from a self-funded contract (L6353-5), as received."""

    le = forms.DateField(
        label=_("Date de la rétractation"),
        help_text=_("Date d'envoi de la lettre recommandée ou de la remise en main propre."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    motif = forms.CharField(
        label=_("Motif indiqué par la personne"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
