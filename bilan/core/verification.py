"""Public verification of a document: is this PDF (or this SHA-256) one that Bilan issued?

Anyone holding a PDF (a funder, an employer, the beneficiary) can check on ``/verifier/``,
without an account, that it is byte for byte a document an organisation issued or had signed
here: its SHA-256 is compared with ``SignedDocument.issued_sha256`` and ``signed_sha256``. The
answer names the document (title, version), the organisation and the dates, **never** its
content nor the beneficiary.

Row-level security stays on: ``SignedDocument`` is a tenant table, and this lookup does not use
a privileged role nor a global copy of the hashes. It binds each active organisation in turn
(``for_each_organisation``) and queries it. Trade-off: one short query per organisation (an
index-backed filter on ``organisation_id``), fine for hundreds of organisations; beyond a few
thousand, a global table of (sha256 → organisation id) written at issue time would be the next
step. The public page is rate-limited (``verification_autorisee``) so it cannot be used to
sweep hashes cheaply.
"""

from __future__ import annotations

import hashlib
import re

from django.core.cache import cache
from django.db.models import Q

from bilan.core.models import Organisation, SignedDocument
from bilan.core.tenancy import for_each_organisation

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
TAILLE_MAX = 20 * 1024 * 1024
LIMITE_PAR_MINUTE = 30
FENETRE_SECONDES = 60


def empreinte_normalisee(texte: str) -> str | None:
    """A pasted SHA-256 (spaces, colons and case ignored) as 64 lower-case hex digits, or None."""
    valeur = re.sub(r"[\s:]", "", texte or "").lower()
    return valeur if SHA256_RE.match(valeur) else None


def empreinte_fichier(fichier) -> str:
    """SHA-256 of an uploaded file, read in chunks."""
    digest = hashlib.sha256()
    for chunk in fichier.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def verification_autorisee(*, ip: str | None) -> bool:
    """Count one lookup for ``ip`` and say whether it is within 30 per minute."""
    key = f"verification:{ip or 'inconnue'}"
    if cache.add(key, 1, timeout=FENETRE_SECONDES):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=FENETRE_SECONDES)
        return True
    return count <= LIMITE_PAR_MINUTE


def document_par_empreinte(*, sha256: str) -> dict | None:
    """The document whose issued or signed bytes have this SHA-256, as plain public facts.

    ``{"titre", "version", "organisme", "emis_le", "signe_le", "statut", "statut_libelle",
    "exemplaire"}`` where ``exemplaire`` is ``"signe"`` (the signed PDF) or ``"emis"`` (the
    issued PDF, before signatures). None when nothing matches. Nothing else of the document
    (content, beneficiary) leaves this function.
    """
    normalisee = empreinte_normalisee(sha256)
    if normalisee is None:
        return None
    sha256 = normalisee

    def chercher(organisation: Organisation) -> dict | None:
        document = (
            SignedDocument.objects.filter(Q(issued_sha256=sha256) | Q(signed_sha256=sha256))
            .order_by("-version")
            .only(
                "title",
                "version",
                "status",
                "issued_at",
                "signed_at",
                "issued_sha256",
                "signed_sha256",
            )
            .first()
        )
        if document is None:
            return None
        return {
            "titre": document.title,
            "version": document.version,
            "organisme": organisation.raison_sociale,
            "emis_le": document.issued_at,
            "signe_le": document.signed_at,
            "statut": document.status,
            "statut_libelle": str(document.get_status_display()),
            "exemplaire": "signe" if document.signed_sha256 == sha256 else "emis",
        }

    for resultat in for_each_organisation(chercher).values():
        if resultat is not None:
            return resultat
    return None
