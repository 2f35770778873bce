"""The dossier's document kinds (convention, tripartite convention, contract), declared to the
signed-documents engine (``bilan.core.signatures``), which imports this module at start-up."""

from __future__ import annotations

from django.utils import timezone

from beneficiaires.conventions import TypeDocument
from beneficiaires.models import Bilan
from beneficiaires.relances import retractation_fin_planifier
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


document_kinds.register(TypeDocument.CONVENTION, TypeDocument.CONVENTION_TRIPARTITE)
document_kinds.register(TypeDocument.CONTRAT, after_signature=contrat_apres_signature)
