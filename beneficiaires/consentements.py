"""What other apps do when a beneficiary withdraws a consent.

Consents belong to beneficiaires, but their consequences may live higher up (a withdrawn
"synthèse to the CEP" consent ends the shares recorded in syntheses). beneficiaires cannot import
those apps, so they register here: ``BeneficiairesConfig.ready()`` imports the
``consentements`` module of every installed app (like Django's admin autodiscovery), and each
such module calls ``apres_revocation.enregistrer(handler)``. ``consentement_revoquer`` calls every
handler inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from beneficiaires.models import Consentement

ApresRevocation = Callable[[Consentement], object]


class RegistreRevocation:
    """The handlers to run after a consent is withdrawn, in registration order."""

    def __init__(self) -> None:
        self._handlers: list[ApresRevocation] = []

    def enregistrer(self, handler: ApresRevocation) -> ApresRevocation:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def executer(self, *, consentement: Consentement) -> None:
        for handler in self._handlers:
            handler(consentement)


apres_revocation = RegistreRevocation()
