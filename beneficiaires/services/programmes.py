"""Writes for programme templates, and the calendar a template proposes for a bilan.

Keyword-only, atomic: a refusal raises a French ``ValidationError`` and writes nothing. Every
function runs inside the active organisation (``tenant_context`` or a request). Planning a
bilan's séances from the proposal is the séances' (``seances.services.programmes``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import programmes as catalogue
from beneficiaires.models import Phase, Programme, ProgrammeEtape, TypeSeance
from bilan.core.models import Organisation

ETAPE = gettext_lazy("Étape")
CHAMPS_ETAPE = ("phase", "type", "intitule", "duree_minutes", "ecart_jours")


def etapes_nettoyer(
    *, etapes: list[dict[str, Any]], libelle: str | Promise = ETAPE
) -> list[dict[str, Any]]:
    """Normalise and check each étape (or séance to plan) on its own: choices, bounds; French
    messages numbered with ``libelle``. Raises ``ValidationError`` listing every problem."""
    propres: list[dict[str, Any]] = []
    erreurs: list[str] = []
    for numero, etape in enumerate(etapes, start=1):
        try:
            propre: dict[str, Any] = {
                "phase": str(etape["phase"]),
                "type": str(etape["type"]),
                "intitule": str(etape["intitule"]).strip(),
                "duree_minutes": int(etape["duree_minutes"]),
                "ecart_jours": int(etape.get("ecart_jours") or 0),
            }
        except (KeyError, TypeError, ValueError):
            erreurs.append(
                _("%(libelle)s %(numero)s : description incomplète.")
                % {"libelle": libelle, "numero": numero}
            )
            continue
        if propre["phase"] not in Phase.values:
            erreurs.append(
                _("%(libelle)s %(numero)s : phase inconnue.")
                % {"libelle": libelle, "numero": numero}
            )
        if propre["type"] not in TypeSeance.values:
            erreurs.append(
                _("%(libelle)s %(numero)s : type de séance inconnu.")
                % {"libelle": libelle, "numero": numero}
            )
        if not propre["intitule"]:
            erreurs.append(
                _("%(libelle)s %(numero)s : l'intitulé est obligatoire.")
                % {"libelle": libelle, "numero": numero}
            )
        if not 15 <= propre["duree_minutes"] <= 480:
            erreurs.append(
                _("%(libelle)s %(numero)s : la durée doit être comprise entre 15 et 480 minutes.")
                % {"libelle": libelle, "numero": numero}
            )
        if not 0 <= propre["ecart_jours"] <= 366:
            erreurs.append(
                _("%(libelle)s %(numero)s : l'écart doit être compris entre 0 et 366 jours.")
                % {"libelle": libelle, "numero": numero}
            )
        propres.append(propre)
    if erreurs:
        raise ValidationError(erreurs)
    return propres


def _nom_libre(*, nom: str) -> str:
    if not Programme.objects.filter(nom=nom).exists():
        return nom

    def copie(numero: int) -> str:
        return _("%(nom)s (copie %(numero)s)") % {"nom": nom, "numero": numero}

    numero = 2
    while Programme.objects.filter(nom=copie(numero)).exists():
        numero += 1
    return copie(numero)


@transaction.atomic
def programme_copier_modele(*, organisation: Organisation, slug: str) -> Programme:
    """Copy the built-in template ``slug`` into ``organisation`` as an editable programme.

    The copy keeps the template's étapes and follow-up; a second copy is named
    "<nom> (copie 2)", and so on, since names are unique in an organisation.
    """
    modele = catalogue.modele_obtenir(slug=slug)
    if modele is None:
        raise ValidationError(_("Ce modèle de programme n'existe pas."), code="modele_inconnu")
    for _tentative in range(5):
        try:
            with transaction.atomic():  # a savepoint: a concurrent copy may take the name
                programme = Programme.objects.create(
                    organisation=organisation,
                    nom=_nom_libre(nom=modele.nom),
                    description=modele.description,
                    modele_source=modele.slug,
                    suivi_mois=modele.suivi_mois,
                    suivi_mois_max=modele.suivi_mois_max,
                    delai_reflexion_jours=modele.delai_reflexion_jours,
                    suivi_duree_minutes=modele.suivi_duree_minutes,
                )
        except IntegrityError:
            continue
        break
    else:  # pragma: no cover
        raise ValidationError(_("Copie impossible pour le moment ; réessayez."))
    ProgrammeEtape.objects.bulk_create(
        ProgrammeEtape(organisation=organisation, programme=programme, ordre=ordre, **e.as_dict())
        for ordre, e in enumerate(modele.etapes, start=1)
    )
    return programme


@transaction.atomic
def programme_pour_modele(*, organisation: Organisation, slug: str) -> Programme:
    """The organisation's programme for the built-in ``slug``: its active copy when it has one,
    else a new copy (first use). Lets a bilan be opened straight from any of the five seeds."""
    existant = (
        Programme.objects.filter(organisation=organisation, modele_source=slug, actif=True)
        .order_by("created_at")
        .first()
    )
    if existant is not None:
        return existant
    return programme_copier_modele(organisation=organisation, slug=slug)


@transaction.atomic
def programme_enregistrer_etapes(*, programme: Programme, etapes: list[dict[str, Any]]) -> None:
    """Replace the programme's étapes by ``etapes`` (in order).

    Each dict has phase, type, intitule, duree_minutes, ecart_jours. Refused, with nothing
    written, when the counted total (accompaniment + guided personal work) exceeds 24 hours,
    when the phases are out of order or missing, or when the conclusion has no individual
    interview (entretien or restitution).
    """
    propres = etapes_nettoyer(etapes=etapes)
    erreurs = catalogue.erreurs_etapes(etapes=propres)
    if erreurs:
        raise ValidationError(erreurs)
    # Serialise concurrent edits of the same programme.
    list(Programme.objects.select_for_update().filter(pk=programme.pk).values_list("pk"))
    ProgrammeEtape.objects.filter(programme=programme).delete()
    ProgrammeEtape.objects.bulk_create(
        ProgrammeEtape(organisation_id=programme.organisation_id, programme=programme, ordre=o, **e)
        for o, e in enumerate(propres, start=1)
    )


@transaction.atomic
def programme_modifier(
    *,
    programme: Programme,
    etapes: list[dict[str, Any]],
    nom: str,
    description: str,
    suivi_mois: int,
    suivi_mois_max: int,
    delai_reflexion_jours: int | None,
    suivi_duree_minutes: int,
    actif: bool,
) -> Programme:
    """Update the programme's own fields and replace its étapes, all or nothing. Every field
    is named: a caller that forgets one fails instead of leaving it unchanged."""
    if nom and Programme.objects.filter(nom=nom).exclude(pk=programme.pk).exists():
        raise ValidationError({"nom": _("Un autre programme de l'organisme porte déjà ce nom.")})
    programme.nom = nom
    programme.description = description
    if suivi_mois_max < suivi_mois:
        raise ValidationError(
            {"suivi_mois_max": _("La fin de la fenêtre de suivi ne précède pas son début.")}
        )
    programme.suivi_mois = suivi_mois
    programme.suivi_mois_max = suivi_mois_max
    programme.delai_reflexion_jours = delai_reflexion_jours
    programme.suivi_duree_minutes = suivi_duree_minutes
    programme.actif = actif
    programme.full_clean(exclude=["organisation"])
    programme.save()
    programme_enregistrer_etapes(programme=programme, etapes=etapes)
    return programme


def programme_etapes_lister(*, programme: Programme) -> list[dict[str, Any]]:
    return [
        {champ: getattr(e, champ) for champ in CHAMPS_ETAPE}
        for e in ProgrammeEtape.objects.filter(programme=programme).order_by("ordre")
    ]


def programme_proposer_calendrier(
    *, programme: Programme, debut: dt.datetime
) -> list[dict[str, Any]]:
    """Propose a date for each étape of ``programme`` starting at ``debut``.

    Each étape goes to the previous étape's date + its gap in days (the first one to ``debut``),
    moved to the next working day when that is a Saturday, a Sunday or a French public holiday,
    at the same time of day (Europe/Paris). Writes nothing. Each dict: ordre, phase, type,
    intitule, duree_minutes, ecart_jours, debut (aware datetime), decale (moved or not).
    """
    proposition: list[dict[str, Any]] = []
    precedent = debut
    for ordre, etape in enumerate(programme_etapes_lister(programme=programme), start=1):
        date, decale = catalogue.placer(
            precedent=precedent, ecart_jours=etape["ecart_jours"] if ordre > 1 else 0
        )
        proposition.append({"ordre": ordre, **etape, "debut": date, "decale": decale})
        precedent = date
    return proposition
