"""Planning a bilan's séances from a programme's calendar proposal
(``beneficiaires.services.programmes.programme_proposer_calendrier``), within the 24 hours and
the order of the phases.

The 24 hours are checked by the séances' one check (``budget_verifier``) with the bilan row
locked, and guaranteed by the database (trigger + CHECK ``bilan_24_heures_au_plus``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from beneficiaires.budget import BUDGET_MINUTES, Demande, etapes_minutes_comptees
from beneficiaires.cycle import TERMINAUX, phases_dans_l_ordre
from beneficiaires.models import Bilan, TypeSeance
from beneficiaires.services.programmes import etapes_nettoyer
from seances.models import STATUTS_COMPTES, Seance
from seances.selectors.seances import seance_modalite_par_defaut
from seances.services.seances import budget_verifier, seance_enregistrer_sous_budget


@transaction.atomic
def seances_planifier_depuis_programme(
    *, bilan: Bilan, seances: list[dict[str, Any]]
) -> list[Seance]:
    """Create planned séances for ``bilan`` from a (possibly edited) calendar proposal.

    Each dict has debut (aware datetime), duree_minutes, type, phase, intitule and optionally
    modalite (default from the bilan's modality). Refused, with nothing written, when the
    séances already counted plus these would exceed 24 hours (the message names the time
    left), when the bilan is closed, abandoned or refused, or when the new séances put the
    phases out of order. When the bilan's planned hours were 0, they are set from the plan.
    """
    # Lock the dossier: two planners at once cannot both pass the 24-hour check.
    verrou = Bilan.objects.select_for_update().get(pk=bilan.pk)
    if verrou.statut in TERMINAUX:
        raise ValidationError(
            _("Ce bilan est « %(statut)s » : aucune séance ne peut y être planifiée.")
            % {"statut": verrou.get_statut_display().lower()}
        )
    if not seances:
        raise ValidationError(_("Aucune séance à planifier : gardez au moins une séance."))
    propres = etapes_nettoyer(etapes=seances, libelle=_("Séance"))
    erreurs: list[str] = []
    debuts: list[dt.datetime] = []
    for numero, seance in enumerate(seances, start=1):
        debut = seance.get("debut")
        if isinstance(debut, dt.datetime):
            debuts.append(debut)
        else:
            erreurs.append(
                _("Séance %(numero)s : la date et l'heure sont obligatoires.") % {"numero": numero}
            )
    if erreurs:
        raise ValidationError(erreurs)
    chronologie = sorted(zip(debuts, propres, strict=True), key=lambda p: p[0])
    if not phases_dans_l_ordre(phases=[p["phase"] for _d, p in chronologie]):
        raise ValidationError(
            _(
                "Les dates placent une séance d'une phase avant une séance de la phase "
                "précédente : les phases doivent se suivre (préliminaire, investigation, "
                "conclusion)."
            )
        )
    budget_verifier(
        bilan=verrou,
        demande_minutes=etapes_minutes_comptees(etapes=propres),
        demande=Demande.PLANNING,
        champ=None,
    )
    modalite = seance_modalite_par_defaut(bilan=bilan)
    creees = [
        seance_enregistrer_sous_budget(
            seance=Seance(
                organisation_id=bilan.organisation_id,
                bilan=bilan,
                phase=p["phase"],
                type=p["type"],
                intitule=p["intitule"],
                debut=debut,
                duree_minutes=p["duree_minutes"],
                modalite=seance.get("modalite") or modalite,
            ),
            bilan=verrou,
        )
        for (debut, p), seance in zip(zip(debuts, propres, strict=True), seances, strict=True)
    ]
    _heures_prevues_depuis_plan(bilan=verrou)
    bilan.heures_accompagnement = verrou.heures_accompagnement
    bilan.heures_travail_personnel = verrou.heures_travail_personnel
    return sorted(creees, key=lambda s: s.debut)


def _heures_prevues_depuis_plan(*, bilan: Bilan) -> None:
    """Fill the bilan's planned hours (accompaniment, personal work) from its counted séances,
    each only while it is still 0 and within the 24 hours."""
    if bilan.heures_accompagnement and bilan.heures_travail_personnel:
        return
    comptees = Seance.objects.filter(bilan=bilan, statut__in=STATUTS_COMPTES)

    def heures(types: Iterable[str]) -> Decimal:
        minutes = comptees.filter(type__in=types).aggregate(t=Sum("duree_minutes"))["t"] or 0
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"))

    plafond = Decimal(BUDGET_MINUTES) / 60
    accompagnement = heures(TypeSeance.accompagnement())
    personnel = heures([TypeSeance.TRAVAIL_PERSONNEL])
    champs = []
    if (
        not bilan.heures_accompagnement
        and accompagnement + bilan.heures_travail_personnel <= plafond
    ):
        bilan.heures_accompagnement = accompagnement
        champs.append("heures_accompagnement")
    if not bilan.heures_travail_personnel and personnel + bilan.heures_accompagnement <= plafond:
        bilan.heures_travail_personnel = personnel
        champs.append("heures_travail_personnel")
    if champs:
        bilan.save(update_fields=[*champs, "updated_at"])
