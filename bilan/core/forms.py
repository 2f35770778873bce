from typing import Any, cast

from allauth.account.forms import SignupForm
from allauth.core import context as allauth_context
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bilan.core import verification
from bilan.core.adapters import pending_invitation_from_session
from bilan.core.models import Organisation, Role


class InvitationSignupForm(SignupForm):
    """allauth's sign-up form, bound to the invitation in the session: same address only."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)

    field_order = ["email", "first_name", "last_name", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth's sign-up view does not pass the request; its middleware publishes it.
        request = allauth_context.request
        self.invitation = pending_invitation_from_session(request) if request else None
        if self.invitation is not None:
            self.fields["email"].initial = self.invitation.email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = _("L'adresse à laquelle l'invitation a été envoyée.")

    def clean_email(self):
        email = super().clean_email()
        if self.invitation is None or email.lower() != self.invitation.email.lower():
            raise forms.ValidationError(
                _("Utilisez l'adresse électronique à laquelle l'invitation a été envoyée.")
            )
        return email

    def custom_signup(self, request, user):
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])


class OrganisationForm(forms.ModelForm):
    # Accept the usual "732 829 320 00074" spelling; the model validates the 14 digits.
    siret = forms.CharField(label=_("SIRET"), max_length=20, required=False)

    class Meta:
        model = Organisation
        fields = [
            "raison_sociale",
            "siret",
            "numero_declaration_activite",
            "qualiopi_numero_certificat",
            "qualiopi_date_emission",
            "qualiopi_date_expiration",
            "qualiopi_couvre_bilans",
            "referent_handicap_nom",
            "referent_handicap_contact",
            "delai_reflexion_jours",
            "seuil_accompagnement_heures",
            "suivi_delai_mois",
            "abandon_alerte_semaines",
            "logo",
            "couleur_accent",
        ]
        widgets = {
            "couleur_accent": forms.TextInput(
                attrs={"type": "color", "class": "form-control-color"}
            ),
            "qualiopi_date_emission": forms.DateInput(attrs={"type": "date"}),
            "qualiopi_date_expiration": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["couleur_accent"].required = False

    def clean_siret(self):
        return self.cleaned_data["siret"].replace(" ", "")

    def clean_couleur_accent(self):
        """Lower case; empty keeps the current colour (the model checks the contrast)."""
        couleur = (self.cleaned_data.get("couleur_accent") or "").strip().lower()
        return couleur or self.instance.couleur_accent

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > 1024 * 1024:
            raise forms.ValidationError(_("Le logo ne doit pas dépasser 1 Mo."))
        return logo


class StaffInvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique"))
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.CONSULTANT)


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)


class OrganisationSwitchForm(forms.Form):
    organisation = forms.UUIDField(label=_("Organisme"))


class AuditFilterForm(forms.Form):
    """Filters of the access journal; choices limited to the organisation's own people."""

    beneficiaire = forms.ChoiceField(label=_("Bénéficiaire"), required=False)
    utilisateur = forms.ChoiceField(label=_("Personne"), required=False)

    def __init__(self, *args, beneficiaires, members, **kwargs):
        super().__init__(*args, **kwargs)
        beneficiaire = cast(forms.ChoiceField, self.fields["beneficiaire"])
        utilisateur = cast(forms.ChoiceField, self.fields["utilisateur"])
        beneficiaire.choices = [("", _("Tous"))] + [
            (str(b.public_id), str(b)) for b in beneficiaires
        ]
        utilisateur.choices = [("", _("Tout le monde"))] + [
            (str(m.user.public_id), str(m.user)) for m in members
        ]


class SignForm(forms.Form):
    consent = forms.BooleanField(
        label=_("J'ai lu le document et je le signe"),
        required=True,
        error_messages={
            "required": _("Cochez la case pour confirmer que vous signez le document.")
        },
    )


class VerificationForm(forms.Form):
    fichier = forms.FileField(
        label=_("Document PDF à vérifier"),
        required=False,
        help_text=_("20 Mo au plus. Le fichier n'est pas conservé."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    empreinte = forms.CharField(
        label=_("ou empreinte SHA-256 du document"),
        required=False,
        max_length=200,
        help_text=_("64 caractères hexadécimaux, imprimés sur la page de preuve."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if fichier and fichier.size > verification.TAILLE_MAX:
            raise forms.ValidationError(
                gettext("Le fichier dépasse %(max)s.")
                % {"max": filesizeformat(verification.TAILLE_MAX)}
            )
        return fichier

    def clean_empreinte(self):
        texte = self.cleaned_data.get("empreinte", "").strip()
        if not texte:
            return ""
        valeur = verification.empreinte_normalisee(texte)
        if valeur is None:
            raise forms.ValidationError(
                gettext("Une empreinte SHA-256 compte 64 caractères de 0 à 9 et de a à f.")
            )
        return valeur

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fichier, empreinte = data.get("fichier"), data.get("empreinte")
        if not self.errors:
            if fichier and empreinte:
                raise forms.ValidationError(
                    gettext("Déposez un fichier ou collez une empreinte, pas les deux.")
                )
            if not fichier and not empreinte:
                raise forms.ValidationError(
                    gettext("Déposez le document PDF ou collez son empreinte SHA-256.")
                )
        return data
