"""The legal phases of a bilan once it has started (R6313-4): moving to the next phase and the
bilan's side of the synthèse handover. Each step depends on the séances held, so it lives with
them. The handover itself is ``syntheses.services.syntheses.synthese_remettre`` (its only caller)
and the closing ``syntheses.services.cloture.bilan_clore``: both need the synthèse, which this
layer does not see."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaires.cycle import ORDRE_PHASES, rang_phase
from beneficiaires.models import Bilan, BilanEvenement, Phase, StatutBilan
from beneficiaires.services.bilans import bilan_changer_statut, bilan_verrouiller
from bilan.core.models import User
from seances.models import Seance
from seances.selectors.seances import bilan_conclusion_a_un_entretien


def bilan_changer_phase(*, bilan: Bilan, vers: str, motif: str, par: User) -> Bilan:
    """Move to the next legal phase (R6313-4): never skip one, never go back, and only once the
    current phase has a realised séance."""
    # Not decorated: mutmut 3 does not mutate decorated functions (tests/MUTATION.md).
    with transaction.atomic():
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
            raise ValidationError(
                _("La phase en cours n'a encore aucune séance réalisée (R6313-4).")
            )
        if vers == Phase.CONCLUSION and not bilan_conclusion_a_un_entretien(
            bilan=bilan, realise=False
        ):
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


def bilan_remettre_synthese(*, bilan: Bilan, par: User) -> Bilan:
    """The bilan's side of the synthèse handover (called by ``synthese_remettre`` only): during
    the conclusion phase and after at least one realised individual interview in it (R6313-4,
    rule 06)."""
    # Not decorated: mutmut 3 does not mutate decorated functions (tests/MUTATION.md).
    with transaction.atomic():
        bilan = bilan_verrouiller(bilan=bilan)
        if bilan.statut != StatutBilan.EN_COURS or bilan.phase != Phase.CONCLUSION:
            raise ValidationError(_("La synthèse se remet pendant la phase de conclusion."))
        if not bilan_conclusion_a_un_entretien(bilan=bilan, realise=True):
            raise ValidationError(
                _("La conclusion passe par au moins un entretien individuel réalisé (R6313-4).")
            )
        return bilan_changer_statut(
            bilan=bilan, vers=StatutBilan.SYNTHESE_REMISE, par=par, motif=""
        )
