"""Forms of the job exploration pages (search, pistes, enquêtes métier)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from exploration.models import EnqueteMetier


class RechercheForm(forms.Form):
    q = forms.CharField(label=_("Intitulé de métier"), max_length=100, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Ma note"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CommentaireForm(forms.Form):
    commentaire = forms.CharField(
        label=_("Commentaire du ou de la consultant·e"),
        required=False,
        max_length=6000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EnqueteMetierForm(forms.Form):
    interlocuteur = forms.CharField(label=_("Personne rencontrée"), max_length=200)
    fonction = forms.CharField(label=_("Son métier ou sa fonction"), max_length=200)
    type_organisation = forms.ChoiceField(
        label=_("Type d'organisation"), choices=EnqueteMetier.TypeOrganisation.choices
    )
    modalite = forms.ChoiceField(label=_("Modalité"), choices=EnqueteMetier.Modalite.choices)
    rencontre_le = forms.DateField(
        label=_("Date de l'échange"), widget=forms.DateInput(attrs={"type": "date"})
    )
    piste = forms.ChoiceField(label=_("Piste liée (facultatif)"), required=False)
    questions = forms.CharField(
        label=_("Questions préparées"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    apprentissages = forms.CharField(
        label=_("Ce que j'ai appris"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    effet_projet = forms.CharField(
        label=_("Effet sur mon projet"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, pistes=(), **kwargs):
        super().__init__(*args, **kwargs)
        champ_piste = self.fields["piste"]
        assert isinstance(champ_piste, forms.ChoiceField)
        champ_piste.choices = [("", _("Aucune"))] + [
            (str(p.public_id), p.fiche.libelle) for p in pistes
        ]
