"""The beneficiary's rights over their data (RGPD): access and portability, consents,
erasure request. The law on retention (R6313-7) decides what erasure can remove and when."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire, Consentement, DemandeSuppression
from beneficiaires.services.consentements import (
    consentement_accorder,
    consentement_transmission_signer,
)
from bilan.core.audit import ClientInfo
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import Membership, Role, User

# The consents a beneficiary manages alone in the portal; consenting to the bilan itself is
# given and withdrawn with the consultant (withdrawing ends the bilan).
CONSENTEMENTS_PORTAIL = [
    Consentement.Type.ACCESSIBILITE,
    Consentement.Type.SYNTHESE_CEP,
    Consentement.Type.SYNTHESE_TIERS,
    Consentement.Type.CONSERVATION_SUIVI,
]


@transaction.atomic
def suppression_demander(
    *, beneficiaire: Beneficiaire, message: str, par: User
) -> DemandeSuppression:
    """Record an erasure request and tell the organisation's admins (after commit)."""
    if DemandeSuppression.objects.filter(
        beneficiaire=beneficiaire, traitee_le__isnull=True
    ).exists():
        raise ValidationError(_("Une demande est déjà en cours de traitement."))
    demande = DemandeSuppression.objects.create(
        organisation=beneficiaire.organisation,
        beneficiaire=beneficiaire,
        message=message.strip(),
        par=par,
    )
    admins = Membership.objects.filter(
        organisation=beneficiaire.organisation, role=Role.ADMIN, is_active=True
    ).select_related("user")
    for membership in admins:
        send_templated_email_on_commit(
            template="demande-suppression",
            to=membership.user.email,
            context={"organisation": beneficiaire.organisation},
        )
    return demande


@transaction.atomic
def consentement_portail_accorder(
    *,
    beneficiaire: Beneficiaire,
    type: str,
    destinataire: str,
    par: User,
    accord: bool,
    client: ClientInfo,
) -> Consentement:
    """A consent the beneficiary gives in the portal. A transmission of the synthèse is signed
    (statement naming the recipient, time, IP, user agent: rule 10)."""
    if type not in CONSENTEMENTS_PORTAIL:
        raise ValidationError({"type": _("Ce consentement se donne avec votre consultant·e.")})
    if type in Consentement.Type.transmissions():
        return consentement_transmission_signer(
            beneficiaire=beneficiaire,
            type=type,
            destinataire=destinataire,
            accord=accord,
            par=par,
            client=client,
        )
    return consentement_accorder(
        beneficiaire=beneficiaire,
        type=type,
        methode=Consentement.Methode.PORTAIL,
        par=par,
        destinataire=destinataire,
    )
