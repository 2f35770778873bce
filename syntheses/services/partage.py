"""Sharing the signed synthèse with a CEP operator or a named third party (L6313-4).

Rule 10: only under a **written** consent (signed by the beneficiary in the portal, or a
signed paper form uploaded: ``beneficiaires.services.consentements``) naming the recipient; an
oral consent is refused here, and the database refuses an active oral one
(``consentement_transmission_ecrite``).

The synthèse belongs to the beneficiary. It goes to the *conseil en évolution professionnelle*
only at their request, and to anybody else only with their agreement: a share is recorded only
under an **active** consent of the same beneficiary, of type ``synthese_cep`` or
``synthese_tiers``, to the recipient that consent names (when it names one), and only for a
**signed** synthèse. Otherwise it is refused with a French message and nothing is written.
Employers and funders never get an account: a share goes to the named recipient alone.

Delivery is out of band, by design: the ``Partage`` row records the decision (who decided, to
whom, under which consent, when) and an ``export`` line is written to the audit trail; the staff
member then sends the signed PDF (downloaded from the documents page) through the organisation's
secure channel (e.g. the CEP operator's secure mail or platform). No download link for
strangers is created here: such a link would be a bearer secret to a confidential document,
and the ``Partage`` table has no token field. Revoking the consent (or the share) ends it:
``partages_actifs_lister`` only lists shares whose own revocation date and whose consent's
are empty, so a revoked consent ends its shares even before
``partages_clore_pour_consentement`` stamps them (``syntheses/consentements.py`` registers it
to run when a consent is revoked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.models import Consentement
from bilan.core.audit import ClientInfo, TypeObjet, audit_enregistrer
from bilan.core.models import AuditEvent, SignedDocument
from syntheses.models import Partage, Synthese

if TYPE_CHECKING:
    from bilan.core.models import User

TYPES_PARTAGE = frozenset({Consentement.Type.SYNTHESE_CEP, Consentement.Type.SYNTHESE_TIERS})

# Journal: kind and id only, never the recipient (bilan.core.audit).
PARTAGE_SYNTHESE = TypeObjet("partage_synthese", gettext_lazy("Transmission de la synthèse"))


# --- Selectors --------------------------------------------------------------------------------


def partages_actifs_lister(*, synthese: Synthese) -> QuerySet[Partage]:
    """Shares of ``synthese`` still in force: neither the share nor its consent revoked."""
    return (
        Partage.objects.filter(
            synthese=synthese, revoque_le__isnull=True, consentement__revoque_le__isnull=True
        )
        .select_related("consentement", "par")
        .order_by("-created_at")
    )


def partages_lister(*, synthese: Synthese) -> QuerySet[Partage]:
    """Every share of ``synthese`` (history), newest first."""
    return (
        Partage.objects.filter(synthese=synthese)
        .select_related("consentement", "par")
        .order_by("-created_at")
    )


def synthese_est_signee(*, synthese: Synthese) -> bool:
    if synthese.document_id is None:
        return False
    return SignedDocument.objects.filter(
        pk=synthese.document_id, status=SignedDocument.Status.SIGNE
    ).exists()


# --- Services ---------------------------------------------------------------------------------


def _meme_destinataire(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@transaction.atomic
def synthese_partager_tiers(
    *,
    synthese: Synthese,
    consentement: Consentement,
    destinataire: str,
    courriel: str,
    par: User,
    client: ClientInfo | None = None,
) -> Partage:
    """Record the sharing of the signed synthèse with ``destinataire`` under ``consentement``.

    Refused (``ValidationError``, nothing written) unless the consent is active, written
    (portal or paper), of type ``synthese_cep`` or ``synthese_tiers``, of the synthèse's
    beneficiary, names this recipient, and the synthèse is signed. Writes an audit ``export`` line
    (``partage_synthese``); ``client`` (optional) adds the IP address and user agent.
    """
    # Lock the consent: a revocation at the same instant must not let a share through.
    consentement = Consentement.objects.select_for_update().get(pk=consentement.pk)
    synthese = Synthese.objects.select_related("bilan", "bilan__beneficiaire").get(pk=synthese.pk)
    destinataire = " ".join((destinataire or "").split())
    courriel = (courriel or "").strip().lower()
    if consentement.type not in TYPES_PARTAGE:
        raise ValidationError(_("Ce consentement ne porte pas sur la transmission de la synthèse."))
    if consentement.beneficiaire_id != synthese.bilan.beneficiaire_id:
        raise ValidationError(_("Ce consentement n'a pas été donné par le ou la bénéficiaire."))
    if consentement.revoque_le is not None:
        raise ValidationError(
            _("Ce consentement a été révoqué : la synthèse ne peut être transmise.")
        )
    if consentement.methode not in Consentement.Methode.ecrites():
        raise ValidationError(
            _(
                "Un consentement recueilli oralement ne permet pas de transmettre la synthèse : "
                "il faut l'accord écrit de la personne, signé dans son portail ou sur papier "
                "(L6313-4)."
            )
        )
    if not consentement.destinataire:
        raise ValidationError(
            _(
                "Ce consentement ne nomme pas de destinataire : l'accord doit viser un ou une "
                "destinataire précis·e. Demandez à la personne de le signer pour ce ou cette "
                "destinataire."
            )
        )
    if not destinataire:
        raise ValidationError(_("Indiquez le ou la destinataire."))
    if consentement.destinataire and not _meme_destinataire(
        consentement.destinataire, destinataire
    ):
        raise ValidationError(
            _("Le consentement autorise la transmission à « %(d)s » seulement.")
            % {"d": consentement.destinataire}
        )
    if courriel:
        try:
            validate_email(courriel)
        except ValidationError:
            raise ValidationError(
                _("L'adresse électronique du destinataire est invalide.")
            ) from None
    if not synthese_est_signee(synthese=synthese):
        raise ValidationError(_("Seule une synthèse signée peut être transmise."))
    partage = Partage.objects.create(
        organisation_id=synthese.organisation_id,
        synthese=synthese,
        consentement=consentement,
        destinataire=destinataire[:200],
        courriel=courriel,
        par=par,
    )
    audit_enregistrer(
        organisation=synthese.organisation,
        acteur=par,
        client=client,
        action=AuditEvent.Action.EXPORT,
        objet=PARTAGE_SYNTHESE,
        object_id=partage.public_id,
        beneficiaire=synthese.bilan.beneficiaire,
    )
    return partage


@transaction.atomic
def partage_revoquer(*, partage: Partage) -> Partage:
    """End a share (idempotent). What was already sent cannot be taken back: the recipient is
    asked out of band to destroy it."""
    if partage.revoque_le is None:
        partage.revoque_le = timezone.now()
        partage.save(update_fields=["revoque_le", "updated_at"])
    return partage


@transaction.atomic
def partages_clore_pour_consentement(*, consentement: Consentement) -> int:
    """Stamp as revoked every open share made under ``consentement`` (call it when the consent
    is revoked). Returns how many were ended."""
    now = timezone.now()
    return Partage.objects.filter(consentement=consentement, revoque_le__isnull=True).update(
        revoque_le=now, updated_at=now
    )
