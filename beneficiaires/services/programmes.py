"""Writes for programme templates and for planning a bilan's séances from one.

Keyword-only, atomic: a refusal raises a French ``ValidationError`` and writes nothing. Every
function runs inside the active organisation (``tenant_context`` or a request).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import programmes as catalogue
from beneficiaires.models import Bilan, Phase, Programme, ProgrammeEtape, StatutBilan, TypeSeance
from bilan.core.models import Organisation

CHAMPS_ETAPE = ("phase", "type", "intitule", "duree_minutes", "ecart_jours")
STATUTS_FIGES = {StatutBilan.CLOS, StatutBilan.ABANDONNE, StatutBilan.REFUSE}


def _nettoyer_etapes(etapes: list[dict], *, libelle: str = gettext_lazy("Étape")) -> list[dict]:
    """Normalise and check each étape on its own (choices, bounds); French messages."""
    propres: list[dict] = []
    erreurs: list[str] = []
    for numero, etape in enumerate(etapes, start=1):
        try:
            propre = {
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
    modele = catalogue.modele_get(slug)
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
def programme_enregistrer_etapes(*, programme: Programme, etapes: list[dict]) -> None:
    """Replace the programme's étapes by ``etapes`` (in order).

    Each dict has phase, type, intitule, duree_minutes, ecart_jours. Refused, with nothing
    written, when the counted total (accompaniment + guided personal work) exceeds 24 hours,
    when the phases are out of order or missing, or when the conclusion has no individual
    interview (entretien or restitution).
    """
    propres = _nettoyer_etapes(etapes)
    erreurs = catalogue.erreurs_etapes(propres)
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
def programme_modifier(*, programme: Programme, etapes: list[dict], **champs) -> Programme:
    """Update the programme's own fields (nom, description, suivi_mois, suivi_duree_minutes,
    actif) and replace its étapes, all or nothing."""
    autorises = {"nom", "description", "suivi_mois", "suivi_duree_minutes", "actif"}
    inconnus = set(champs) - autorises
    if inconnus:
        raise TypeError(f"Champs inattendus : {sorted(inconnus)}")
    nom = champs.get("nom")
    if nom and Programme.objects.filter(nom=nom).exclude(pk=programme.pk).exists():
        raise ValidationError({"nom": _("Un autre programme de l'organisme porte déjà ce nom.")})
    for champ, valeur in champs.items():
        setattr(programme, champ, valeur)
    programme.full_clean(exclude=["organisation"])
    programme.save()
    programme_enregistrer_etapes(programme=programme, etapes=etapes)
    return programme


def programme_etapes_dicts(*, programme: Programme) -> list[dict]:
    return [
        {champ: getattr(e, champ) for champ in CHAMPS_ETAPE}
        for e in ProgrammeEtape.objects.filter(programme=programme).order_by("ordre")
    ]


def programme_proposer_calendrier(*, programme: Programme, debut: dt.datetime) -> list[dict]:
    """Propose a date for each étape of ``programme`` starting at ``debut``.

    Each étape goes to the previous étape's date + its gap in days (the first one to ``debut``),
    moved to the next working day when that is a Saturday, a Sunday or a French public holiday,
    at the same time of day (Europe/Paris). Writes nothing. Each dict: ordre, phase, type,
    intitule, duree_minutes, ecart_jours, debut (aware datetime), decale (moved or not).
    """
    proposition: list[dict] = []
    precedent = debut
    for ordre, etape in enumerate(programme_etapes_dicts(programme=programme), start=1):
        date, decale = catalogue.placer(precedent, etape["ecart_jours"] if ordre > 1 else 0)
        proposition.append({"ordre": ordre, **etape, "debut": date, "decale": decale})
        precedent = date
    return proposition


def _modalite_par_defaut(bilan: Bilan) -> str:
    from seances.models import Seance

    if bilan.modalite == "distanciel":
        return Seance.Modalite.VISIO
    return Seance.Modalite.PRESENTIEL


def bilan_minutes_planifiees(*, bilan: Bilan) -> int:
    """Minutes already counted in the bilan's 24 hours: every séance that is not cancelled
    and not an excused absence."""
    from django.db.models import Sum

    from seances.models import Seance

    comptes = TypeSeance.accompagnement() | {TypeSeance.TRAVAIL_PERSONNEL}
    total = (
        Seance.objects.filter(bilan=bilan, type__in=comptes)
        .exclude(statut__in=[Seance.Statut.ANNULEE, Seance.Statut.ABSENCE_EXCUSEE])
        .aggregate(total=Sum("duree_minutes"))["total"]
    )
    return int(total or 0)


@transaction.atomic
def bilan_planifier(*, bilan: Bilan, seances: list[dict]) -> list:
    """Create planned séances for ``bilan`` from a (possibly edited) calendar proposal.

    Each dict has debut (aware datetime), duree_minutes, type, phase, intitule and optionally
    modalite (default from the bilan's modality). Refused, with nothing written, when the
    séances already counted plus these would exceed 24 hours (the message names the hours
    left), when the bilan is closed, abandoned or refused, or when the new séances put the
    phases out of order. When the bilan's planned hours were 0, they are set from the plan.
    """
    from seances.models import Seance

    # Lock the dossier: two planners at once cannot both pass the 24-hour check.
    verrou = Bilan.objects.select_for_update().get(pk=bilan.pk)
    if verrou.statut in STATUTS_FIGES:
        raise ValidationError(
            _("Ce bilan est « %(statut)s » : aucune séance ne peut y être planifiée.")
            % {"statut": verrou.get_statut_display().lower()}
        )
    if not seances:
        raise ValidationError(_("Aucune séance à planifier : gardez au moins une séance."))
    propres = _nettoyer_etapes(seances, libelle=_("Séance"))
    erreurs: list[str] = []
    debuts = []
    for numero, seance in enumerate(seances, start=1):
        debut = seance.get("debut")
        if not isinstance(debut, dt.datetime):
            erreurs.append(
                _("Séance %(numero)s : la date et l'heure sont obligatoires.") % {"numero": numero}
            )
        debuts.append(debut)
    if erreurs:
        raise ValidationError(erreurs)
    chronologie = sorted(zip(debuts, propres, strict=True), key=lambda p: p[0])
    rangs = [catalogue.ORDRE_PHASES.index(p["phase"]) for _d, p in chronologie]
    if any(b < a for a, b in zip(rangs, rangs[1:], strict=False)):
        raise ValidationError(
            _(
                "Les dates placent une séance d'une phase avant une séance de la phase "
                "précédente : les phases doivent se suivre (préliminaire, investigation, "
                "conclusion)."
            )
        )
    deja = bilan_minutes_planifiees(bilan=bilan)
    nouvelles = catalogue.minutes_comptees(propres)
    if deja + nouvelles > catalogue.HEURES_MAX_MINUTES:
        reste = max(catalogue.HEURES_MAX_MINUTES - deja, 0)
        raise ValidationError(
            _(
                "Ces séances demandent %(demandees)s mais il ne reste que %(reste)s sur les "
                "24 heures du bilan (%(deja)s déjà planifiées)."
            )
            % {
                "demandees": catalogue.format_duree(nouvelles),
                "reste": catalogue.format_duree(reste),
                "deja": catalogue.format_duree(deja),
            },
            code="depassement_24h",
        )
    modalite = _modalite_par_defaut(bilan)
    creees = [
        Seance.objects.create(
            organisation_id=bilan.organisation_id,
            bilan=bilan,
            phase=p["phase"],
            type=p["type"],
            intitule=p["intitule"],
            debut=debut,
            duree_minutes=p["duree_minutes"],
            modalite=seance.get("modalite") or modalite,
        )
        for (debut, p), seance in zip(zip(debuts, propres, strict=True), seances, strict=True)
    ]
    _heures_prevues_depuis_plan(bilan=verrou)
    bilan.heures_accompagnement = verrou.heures_accompagnement
    bilan.heures_travail_personnel = verrou.heures_travail_personnel
    return sorted(creees, key=lambda s: s.debut)


def _heures_prevues_depuis_plan(*, bilan: Bilan) -> None:
    from django.db.models import Sum

    from seances.models import Seance

    if bilan.heures_accompagnement and bilan.heures_travail_personnel:
        return
    actives = Seance.objects.filter(bilan=bilan).exclude(
        statut__in=[Seance.Statut.ANNULEE, Seance.Statut.ABSENCE_EXCUSEE]
    )

    def heures(types) -> Decimal:
        minutes = actives.filter(type__in=types).aggregate(t=Sum("duree_minutes"))["t"] or 0
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"))

    accompagnement = heures(TypeSeance.accompagnement())
    personnel = heures([TypeSeance.TRAVAIL_PERSONNEL])
    champs = []
    if not bilan.heures_accompagnement and accompagnement + bilan.heures_travail_personnel <= 24:
        bilan.heures_accompagnement = accompagnement
        champs.append("heures_accompagnement")
    if not bilan.heures_travail_personnel and personnel + bilan.heures_accompagnement <= 24:
        bilan.heures_travail_personnel = personnel
        champs.append("heures_travail_personnel")
    if champs:
        bilan.save(update_fields=[*champs, "updated_at"])
