"""The evidence export's request form: the audit window and an optional sample."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.core.dates import ajouter_mois


def periode_par_defaut(*, aujourdhui: date) -> tuple[date, date]:
    """The last twelve months, today included."""
    return ajouter_mois(jour=aujourdhui, mois=-12) + timedelta(days=1), aujourdhui


class ExportQualiopiForm(forms.Form):
    debut = forms.DateField(
        label=_("Début de la période auditée"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez le début de la période.")},
    )
    fin = forms.DateField(
        label=_("Fin de la période auditée"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indiquez la fin de la période.")},
    )
    echantillon = forms.IntegerField(
        label=_("Échantillon : nombre de dossiers tirés au hasard (facultatif)"),
        required=False,
        help_text=_("Laissez vide pour exporter tous les dossiers de la période."),
    )
    graine = forms.IntegerField(
        label=_("Graine du tirage (facultatif)"),
        required=False,
        help_text=_(
            "La même graine redonne le même échantillon ; laissée vide, elle est tirée et "
            "inscrite dans l'index de l'archive."
        ),
    )
