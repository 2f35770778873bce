"""The dossier's document kinds (convention, tripartite convention, contract), declared to the
signed-documents engine (``bilan.core.signatures``), which imports this module at start-up."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.conventions import TypeDocument
from beneficiaires.models import Beneficiaire, Bilan, Notification
from beneficiaires.relances import retractation_fin_planifier
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.models import Signature, SignatureRole, SignedDocument
from bilan.core.signatures import document_kinds


def contrat_apres_signature(*, document: SignedDocument, signature: Signature) -> None:
    """The beneficiary signed a self-funded contract: the 10-day withdrawal period starts,
    and the consultant is told when it is over (L6353-5 and L6353-6)."""
    if signature.role != SignatureRole.BENEFICIAIRE:
        return
    bilan = Bilan.objects.filter(public_id=document.subject_id).first()
    if bilan is not None:
        retractation_fin_planifier(
            bilan=bilan, signe_le=timezone.localtime(signature.signed_at).date()
        )


def document_a_signer_notifier(*, document: SignedDocument) -> None:
    """A document awaits the beneficiary's signature (any kind): they are notified once per
    issued version, with the document's title (never content) and the page where it is
    signed."""
    if document.beneficiaire_id is None:
        return
    beneficiaire = Beneficiaire.objects.get(pk=document.beneficiaire_id)
    page = document_kinds.page_signature(document.kind)
    notification_envoyer(
        beneficiaire=beneficiaire,
        bilan=Bilan.objects.filter(public_id=document.subject_id).first(),
        sujet=Notification.Sujet.DOCUMENT_A_SIGNER,
        texte=_("Un document attend votre signature : « %(titre)s ».") % {"titre": document.title},
        lien=reverse(page.url_name if page is not None else "portail:documents"),
        cle=f"document_a_signer:{document.public_id}",
    )


document_kinds.register_attente_beneficiaire(document_a_signer_notifier)
document_kinds.register(TypeDocument.CONVENTION, TypeDocument.CONVENTION_TRIPARTITE)
document_kinds.register(TypeDocument.CONTRAT, after_signature=contrat_apres_signature)
