"""The legal phases of a bilan once it has started (R6313-4): moving to the next phase, handing
over the synthèse, closing. Each step depends on the séances held, so it lives with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.cycle import ORDRE_PHASES, rang_phase
from beneficiaires.models import Bilan, BilanEvenement, Phase, StatutBilan
from beneficiaires.relances import alerte_cpf_sortie_planifier
from beneficiaires.services.bilans import bilan_changer_statut, bilan_verrouiller
from bilan.core.formatting import heures_fr
from bilan.core.models import User
from enquetes.relances import enquetes_planifier
from seances.models import Seance
from seances.relances import invitation_suivi_planifier
from seances.selectors.seances import bilan_conclusion_a_un_entretien


@transaction.atomic
def bilan_changer_phase(*, bilan: Bilan, vers: str, motif: str, par: User) -> Bilan:
    """Move to the next legal phase (R6313-4): never skip one, never go back, and only once the
    current phase has a realised séance."""
    bilan = bilan_verrouiller(bilan=bilan)
    if bilan.statut != StatutBilan.EN_COURS:
        raise ValidationError(_("Seul un bilan en cours change de phase."))
    actuelle = rang_phase(phase=bilan.phase)
    if vers not in ORDRE_PHASES or rang_phase(phase=vers) != actuelle + 1:
        raise ValidationError(_("Les trois phases se suivent dans l'ordre, sans en sauter."))
    if not motif.strip():
        raise ValidationError({"motif": _("Indiquez pourquoi la phase change.")})
    if not Seance.objects.filter(
        bilan=bilan, phase=bilan.phase, statut=Seance.Statut.REALISEE
    ).exists():
        raise ValidationError(_("La phase en cours n'a encore aucune séance réalisée (R6313-4)."))
    if vers == Phase.CONCLUSION and not bilan_conclusion_a_un_entretien(bilan=bilan, realise=False):
        raise ValidationError(
            _(
                "Planifiez d'abord au moins un entretien individuel en phase de "
                "conclusion (R6313-4)."
            )
        )
    de = bilan.phase
    bilan.phase = vers
    bilan.save(update_fields=["phase", "updated_at"])
    BilanEvenement.objects.create(
        organisation=bilan.organisation, bilan=bilan, de=de, vers=vers, par=par, motif=motif
    )
    return bilan


@transaction.atomic
def bilan_remettre_synthese(*, bilan: Bilan, par: User) -> Bilan:
    """Record the hand-over of the synthèse, during the conclusion phase and after at least one
    realised individual interview in it (R6313-4)."""
    bilan = bilan_verrouiller(bilan=bilan)
    if bilan.statut != StatutBilan.EN_COURS or bilan.phase != Phase.CONCLUSION:
        raise ValidationError(_("La synthèse se remet pendant la phase de conclusion."))
    if not bilan_conclusion_a_un_entretien(bilan=bilan, realise=True):
        raise ValidationError(
            _("La conclusion passe par au moins un entretien individuel réalisé (R6313-4).")
        )
    return bilan_changer_statut(bilan=bilan, vers=StatutBilan.SYNTHESE_REMISE, par=par, motif="")


@transaction.atomic
def bilan_clore(*, bilan: Bilan, par: User, aujourdhui: dt.date | None = None) -> list[str]:
    """Close the bilan. Returns warnings (never blocking), e.g. accompaniment below threshold."""
    bilan = bilan_verrouiller(bilan=bilan)
    if bilan.statut != StatutBilan.SYNTHESE_REMISE:
        raise ValidationError(_("Un bilan se clôt après la remise de la synthèse."))
    bilan.date_fin_reelle = aujourdhui or timezone.localdate()
    bilan_changer_statut(
        bilan=bilan, vers=StatutBilan.CLOS, par=par, motif="", termine_le=bilan.date_fin_reelle
    )
    # Surveys, follow-up invitation, CPF exit alert: each app plans its own reminders.
    enquetes_planifier(bilan=bilan, fin=bilan.date_fin_reelle)
    invitation_suivi_planifier(bilan=bilan, fin=bilan.date_fin_reelle)
    alerte_cpf_sortie_planifier(bilan=bilan, fin=bilan.date_fin_reelle)
    avertissements = []
    seuil = bilan.organisation.seuil_accompagnement_heures
    realise = sum(
        s.duree_realisee_minutes or 0
        for s in Seance.objects.filter(bilan=bilan, statut=Seance.Statut.REALISEE)
        if s.est_accompagnement
    )
    heures = Decimal(realise) / 60
    if heures < seuil:
        avertissements.append(
            _("Accompagnement réalisé : %(h)s h, sous le seuil de %(s)s h (décret en attente).")
            % {"h": heures_fr(valeur=round(heures, 2)), "s": heures_fr(valeur=seuil)}
        )
    return avertissements
