"""The dossier's document kinds (convention, tripartite convention, contract), declared to the
signed-documents engine (``bilan.core.signatures``), which imports this module at start-up."""

from __future__ import annotations

from django.utils import timezone

from beneficiaires.models import Bilan
from bilan.core.models import Signature, SignatureRole, SignedDocument
from bilan.core.signatures import document_kinds
from relances.services import relances_contrat_signe


def contrat_apres_signature(*, document: SignedDocument, signature: Signature) -> None:
    """The beneficiary signed a self-funded contract: the 10-day withdrawal period starts,
    and the consultant is told when it is over (L6353-5 and L6353-6)."""
    if signature.role != SignatureRole.BENEFICIAIRE:
        return
    bilan = Bilan.objects.filter(public_id=document.subject_id).first()
    if bilan is not None:
        relances_contrat_signe(bilan=bilan, signe_le=timezone.localtime(signature.signed_at).date())


document_kinds.register("convention", "convention_tripartite")
document_kinds.register("contrat", after_signature=contrat_apres_signature)
