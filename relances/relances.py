"""The outbox's own registrations: its send task, and the one organisation-level kind.

Why the Qualiopi certificate's expiry alert lives here: the certificate is the organisation's
(``bilan.core``), and the core knows no app, so it cannot register into the outbox above it.
The lowest layer that can own the kind is the outbox itself; it needs nothing of a domain app
(the organisation and its administrators are the core's).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bilan.core.dates import ajouter_mois
from bilan.core.models import Organisation
from relances.models import Relance
from relances.registre import TypeRelance, registre, toujours_pertinente
from relances.selectors import admins_emails_lister
from relances.services import relance_planifier
from relances.tasks import envoyer_lot

QUALIOPI_ALERTE_MOIS = 6

registre.register_tache_envoi(envoyer_lot)


def _contexte_qualiopi(*, relance: Relance, apercu: bool) -> dict[str, object]:
    return {"echeance": relance.organisation.qualiopi_date_expiration}


def qualiopi_balayer(*, organisation: Organisation, maintenant: dt.datetime) -> int:
    """Qualiopi certificate expiring within 6 months: one alert per admin and per month."""
    aujourdhui = timezone.localdate(maintenant)
    expiration = organisation.qualiopi_date_expiration
    if not expiration or not aujourdhui <= expiration <= ajouter_mois(
        jour=aujourdhui, mois=QUALIOPI_ALERTE_MOIS
    ):
        return 0
    kind = Relance.Kind.QUALIOPI_EXPIRATION
    return sum(
        relance_planifier(
            kind=kind,
            cle=f"{kind}:{aujourdhui:%Y-%m}:{email}",
            destinataire=email,
            due_le=maintenant,
            target_type="organisation",
            target_id=organisation.public_id,
        )
        is not None
        for email in admins_emails_lister(organisation=organisation)
    )


registre.register(
    TypeRelance(
        kind=Relance.Kind.QUALIOPI_EXPIRATION,
        template="qualiopi-expiration",
        contexte=_contexte_qualiopi,
        pertinente=toujours_pertinente,
    )
)
registre.register_balayage(qualiopi_balayer)
