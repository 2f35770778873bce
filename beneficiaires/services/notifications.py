"""Notifications to the beneficiary: one row shown in the portal and one e-mail through the
outbox (``relances``), written in the caller's transaction, so both exist only if the event
does and the e-mail leaves after the commit (the outbox's dispatcher sends committed rows).

The one mechanism for every notice: séances planned, moved or cancelled
(``seances.services``), the synthèse shared (``syntheses.services``), a document awaiting the
beneficiary's signature (the signed-documents engine's hook, ``beneficiaires/signatures.py``).
Idempotent by ``cle``: the same event never notifies twice. The text says what happened and
when, never content (no title, objective, note or synthèse text): it is e-mailed as is.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaires.models import Beneficiaire, Bilan, Notification
from relances.models import Relance
from relances.services import relance_planifier


@transaction.atomic
def notification_envoyer(
    *,
    beneficiaire: Beneficiaire,
    bilan: Bilan | None,
    sujet: Notification.Sujet,
    texte: str,
    lien: str,
    cle: str,
) -> Notification:
    """Notify ``beneficiaire``: a portal notice (``texte``, ``lien`` in the portal) and one
    e-mail, planned in the outbox for now. A second call with the same ``cle`` returns the
    first notice and writes nothing. Runs inside the bound organisation."""
    existante = Notification.objects.filter(cle=cle).first()
    if existante is not None:
        return existante
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                organisation_id=beneficiaire.organisation_id,
                beneficiaire=beneficiaire,
                bilan=bilan,
                sujet=sujet,
                texte=texte[:300],
                lien=lien[:300],
                cle=cle[:200],
            )
    except IntegrityError:
        # A concurrent transaction notified the same event first.
        return Notification.objects.get(cle=cle)
    relance_planifier(
        kind=Relance.Kind.NOTIFICATION_BENEFICIAIRE,
        cle=f"notification:{notification.public_id}",
        destinataire=beneficiaire.email,
        due_le=timezone.now(),
        target_type="notification",
        target_id=notification.public_id,
        bilan=bilan,
    )
    return notification


def notification_marquer_lue(*, notification: Notification) -> Notification:
    """The beneficiary opened the notice (first time only)."""
    if notification.lue_le is None:
        notification.lue_le = timezone.now()
        notification.save(update_fields=["lue_le", "updated_at"])
    return notification


def notifications_marquer_lues(*, beneficiaire: Beneficiaire) -> int:
    """Every unread notice of ``beneficiaire`` is read now; returns how many."""
    return Notification.objects.filter(beneficiaire=beneficiaire, lue_le__isnull=True).update(
        lue_le=timezone.now(), updated_at=timezone.now()
    )
