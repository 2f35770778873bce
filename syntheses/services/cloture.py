"""Closing a bilan (rule 13): the only path to « clos ». It lives with the synthèse because
closing needs it (the séances' layer cannot see it); the séances' conditions come from
``seances.selectors.phases``.

Closing requires the synthèse signed by both parties and handed over (date and mode, recorded
by ``synthese_remettre``), a realised individual interview in the conclusion phase with both
attendance signatures (rules 06 and 13) and the end date. Every missing piece is named with the
page where to fix it (``RefusAvecLiens``) and nothing is written. A bilan that stops without
its synthèse takes the abandonment path (``bilan_abandonner``).

Then, after the end date is recorded: the satisfaction surveys à chaud and à froid with their
reminders (rule 28, ``enquetes``), the follow-up interview created as planned at the end + the
programme's window (rule 16) with the beneficiary's invitation two weeks before it, and the CPF
exit alert. An accompaniment below the organisation's threshold gives a warning, never a
refusal (rule 05).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import Bilan, StatutBilan
from beneficiaires.relances import alerte_cpf_sortie_planifier
from beneficiaires.services.bilans import bilan_changer_statut, bilan_verrouiller
from bilan.core.form_errors import RefusAvecLiens
from bilan.core.formatting import heures_fr
from bilan.core.models import User
from enquetes.relances import enquetes_planifier
from seances.relances import invitation_suivi_planifier
from seances.selectors.phases import accompagnement_realise_heures
from seances.services.suivi import suivi_creer_a_la_cloture
from syntheses.selectors import bilan_manques_cloture

# The beneficiary is invited to the follow-up interview two weeks before it (time to confirm
# or ask for another date from the portal).
INVITATION_SUIVI_AVANT_JOURS = 14


def bilan_clore(
    *, bilan: Bilan, par: User, fin: dt.date | None, aujourdhui: dt.date | None = None
) -> list[str]:
    """Close the bilan on its end date ``fin`` (rule 13). Refused with every missing piece
    named (``RefusAvecLiens``), nothing written; returns the warnings (rule 05), never
    blocking."""
    # Not decorated: mutmut 3 does not mutate decorated functions (tests/MUTATION.md).
    with transaction.atomic():
        bilan = bilan_verrouiller(bilan=bilan)
        aujourdhui = aujourdhui or timezone.localdate()
        if bilan.statut in TERMINAUX:
            raise ValidationError(
                _("Ce bilan est déjà terminé (%(statut)s).")
                % {"statut": bilan.get_statut_display().lower()}
            )
        manques = bilan_manques_cloture(bilan=bilan, fin=fin, aujourdhui=aujourdhui)
        if manques or fin is None:
            raise RefusAvecLiens(manques)
        bilan.date_fin_reelle = fin
        bilan_changer_statut(bilan=bilan, vers=StatutBilan.CLOS, par=par, motif="", termine_le=fin)
        # Surveys, follow-up, CPF exit alert: each app plans its own reminders.
        enquetes_planifier(bilan=bilan, fin=fin)
        suivi = suivi_creer_a_la_cloture(bilan=bilan)
        invitation_suivi_planifier(
            bilan=bilan,
            fin=fin,
            le=suivi.date_prevue - dt.timedelta(days=INVITATION_SUIVI_AVANT_JOURS),
        )
        alerte_cpf_sortie_planifier(bilan=bilan, fin=fin)
        avertissements = []
        seuil = bilan.organisation.seuil_accompagnement_heures
        heures = accompagnement_realise_heures(bilan=bilan)
        if heures < seuil:
            avertissements.append(
                _(
                    "Accompagnement réalisé : %(h)s h, sous le seuil de %(s)s h (seuil annoncé, "
                    "décret en attente) : le bilan est clos, vérifiez que c'est voulu."
                )
                % {"h": heures_fr(valeur=round(heures, 2)), "s": heures_fr(valeur=seuil)}
            )
        return avertissements
