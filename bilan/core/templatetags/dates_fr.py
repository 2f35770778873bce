"""``{% load dates_fr %}``: French dates on portal pages and in e-mails, through the one
formatting function (``bilan.core.formatting``): ``{{ seance.debut|moment_fr }}`` ->
"lundi 30 novembre 2026 à 9 h", ``{{ echeance|jour_fr }}`` -> "lundi 15 mars 2027"."""

import datetime as dt

from django import template

from bilan.core import formatting

register = template.Library()


@register.filter
def jour_fr(valeur: dt.date | None) -> str:
    return formatting.jour_fr(jour=valeur) if valeur else ""


@register.filter
def moment_fr(valeur: dt.datetime | dt.date | None) -> str:
    if not valeur:
        return ""
    if not isinstance(valeur, dt.datetime):
        return formatting.jour_fr(jour=valeur)
    return formatting.moment_fr(moment=valeur)


@register.filter
def heure_fr(valeur: dt.datetime | None) -> str:
    return formatting.heure_fr(moment=valeur) if valeur else ""
