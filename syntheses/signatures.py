"""The synthèse's and the end of the bilan's document kinds, declared to the signed-documents
engine (``bilan.core.signatures``), which imports this module at start-up."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bilan.core.models import Signature, SignedDocument
from bilan.core.signatures import PageSignature, document_kinds
from syntheses.selectors import KIND as KIND_SYNTHESE
from syntheses.services.documents_fin import KIND_ATTESTATION, KIND_CERTIFICAT
from syntheses.services.syntheses import synthese_constater_signature


def synthese_apres_signature(*, document: SignedDocument, signature: Signature) -> None:
    """Once both parties have signed, the synthèse itself is signée."""
    synthese_constater_signature(document=document)


# The synthèse is read and signed on its own portal page (shared reading first).
document_kinds.register(
    KIND_SYNTHESE,
    after_signature=synthese_apres_signature,
    page_signature=PageSignature(
        url_name="portail_synthese:lire", libelle=_("Lire et signer ma synthèse")
    ),
)
# Signed by the organisation alone; nothing follows their signature.
document_kinds.register(KIND_ATTESTATION, KIND_CERTIFICAT)
