"""Demo questionnaires, lived through the services: one beneficiary per organisation with a
completed RIASEC whose results were released after the debrief, and an IPIP-NEO-120 under way
(37 questions answered of 120, to resume in the portal)."""

from __future__ import annotations

from beneficiaires.models import Bilan, TypeSeance
from bilan.core.models import User
from exploration.instruments import IPIP_NEO_120, RIASEC_48, instrument
from exploration.models import Passation
from exploration.services import questionnaires
from seances.models import STATUTS_COMPTES, Seance

# A profile that reads naturally: social and artistic interests first, then enterprising.
RIASEC_DEMO = {"R": 2, "I": 3, "A": 4, "S": 5, "E": 4, "C": 2}


def questionnaires_vivre(*, bilan: Bilan, consultant: User, beneficiaire: User) -> bool:
    """Give the two questionnaires to ``bilan`` once per organisation (False when already
    done). The RIASEC hangs on a realised séance, the IPIP-NEO on guided personal work."""
    if Passation.objects.exists():
        return False
    seances = Seance.objects.filter(bilan=bilan, statut__in=STATUTS_COMPTES).order_by("debut")
    realisee = (
        seances.filter(statut=Seance.Statut.REALISEE)
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
        .first()
        or seances.first()
    )
    if realisee is None:
        return False
    travail = seances.filter(type=TypeSeance.TRAVAIL_PERSONNEL).last() or realisee

    riasec = questionnaires.passation_assigner(
        bilan=bilan, seance=realisee, instrument_code=RIASEC_48, par=consultant
    )
    reponses = {}
    for rang, item in enumerate(instrument(RIASEC_48).items):
        # A little variety inside each scale so that the sums are not all round.
        base = RIASEC_DEMO[item.echelle]
        reponses[item.id] = max(1, min(5, base - (1 if rang % 4 == 3 else 0)))
    questionnaires.passation_repondre(passation=riasec, reponses=reponses, page=6, par=beneficiaire)
    questionnaires.passation_terminer(passation=riasec, par=beneficiaire)
    questionnaires.passation_publier(passation=riasec, par=consultant)

    neo = questionnaires.passation_assigner(
        bilan=bilan, seance=travail, instrument_code=IPIP_NEO_120, par=consultant
    )
    items = instrument(IPIP_NEO_120).items[:37]
    questionnaires.passation_repondre(
        passation=neo,
        reponses={item.id: 2 + (int(item.id) % 3) for item in items},
        page=4,
        par=beneficiaire,
    )
    return True
