"""Forms of guided personal work (consigne, submission, feedback) and of the follow-up."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from beneficiaires.documents import validate_document
from beneficiaires.forms.beneficiaires import consultants_of
from bilan.core.models import Organisation, User
from seances.models import EntretienSuivi, Seance
from seances.services.travail import MAX_FICHIERS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class ConsigneForm(forms.Form):
    titre = forms.CharField(label=_("Titre"), max_length=200)
    consignes = forms.CharField(
        label=_("Consignes"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Ce qui est demandé, comment s'y prendre, ce qu'il faut rendre."),
    )
    ressources = forms.CharField(
        label=_("Ressources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Questionnaires, fiches métiers, sites à consulter… (texte seul)."),
    )
    echeance = forms.DateField(
        label=_("À rendre pour le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    temps_attendu_minutes = forms.IntegerField(
        label=_("Temps attendu (minutes)"),
        min_value=15,
        max_value=480,
        help_text=_("Entre 15 et 480 minutes."),
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class RenduForm(forms.Form):
    texte = forms.CharField(
        label=_("Votre réponse"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    temps_declare_minutes = forms.IntegerField(
        label=_("Temps passé (minutes)"),
        min_value=1,
        max_value=480,
        help_text=_("Le temps que vous avez consacré à ce travail ; il compte dans les 24 heures."),
    )
    fichiers = MultipleFileField(
        label=_("Fichiers joints"),
        required=False,
        help_text=_(
            "PDF, image, texte ou traitement de texte ; 10 Mo au plus par fichier, "
            "%(max)s fichiers au plus."
        )
        % {"max": MAX_FICHIERS},
    )

    def __init__(self, *args: Any, deja: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deja = deja

    def clean_fichiers(self) -> list[UploadedFile]:
        fichiers: list[UploadedFile] = self.cleaned_data.get("fichiers") or []
        if self.deja + len(fichiers) > MAX_FICHIERS:
            raise ValidationError(
                _("%(max)s fichiers au plus par travail rendu (déjà joints : %(deja)s).")
                % {"max": MAX_FICHIERS, "deja": self.deja}
            )
        erreurs: list[str] = []
        for fichier in fichiers:
            try:
                validate_document(fichier)
            except ValidationError as exc:
                erreurs.extend(f"{fichier.name} : {m}" for m in exc.messages)
        if erreurs:
            raise ValidationError(erreurs)
        return fichiers


class RetourForm(forms.Form):
    retour = forms.CharField(
        label=_("Votre retour"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Une fois envoyé, le travail rendu ne peut plus être modifié."),
    )


class ConsultantField(forms.ModelChoiceField):
    """A consultant, shown by name (or e-mail)."""

    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class SuiviForm(forms.Form):
    date_prevue = forms.DateTimeField(
        label=_("Date et heure de l'entretien de suivi"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    consultant = ConsultantField(label=_("Consultant·e"), queryset=User.objects.none())
    # A follow-up interview is held with the consultant: never "en autonomie".
    modalite = forms.ChoiceField(
        label=_("Modalité"),
        choices=[c for c in Seance.Modalite.choices if c[0] != Seance.Modalite.AUTONOMIE],
        initial=Seance.Modalite.VISIO,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        consultant = cast(ConsultantField, self.fields["consultant"])
        consultant.queryset = consultants_of(organisation)


class ResultatSuiviForm(forms.Form):
    resultat = forms.ChoiceField(
        label=_("Situation à l'issue du suivi"),
        choices=[("", _("— Choisir —")), *EntretienSuivi.Resultat.choices],
        error_messages={"required": _("Indiquez la situation à l'issue du suivi.")},
    )
    commentaire = forms.CharField(
        label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
