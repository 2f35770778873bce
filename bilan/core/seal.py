"""PAdES seal ("cachet") of the organisation on generated PDFs, with pyHanko.

A document signed in the application (simple electronic signature, ``bilan.core.signatures``)
can in addition carry the organisation's **electronic seal**: a PAdES B-B signature (CMS
detached, SubFilter ``ETSI.CAdES.detached``) made with a certificate the provider holds. It
proves, to anyone who trusts that certificate's issuer, that the file comes from the
organisation and has not changed since. No time-stamp (B-T): no TSA is reachable from the
servers; a qualified TSA can be added later (``PdfTimeStamper``).

Configuration (no database, no secret in the repository)
--------------------------------------------------------
``settings.PADES_CERTIFICATS`` when the settings define it, else the environment variable
``PADES_CERTIFICATS``, maps an organisation's short identifier (``Organisation.slug``) to a
PKCS#12 file (``.p12``/``.pfx``: the key, the certificate and its chain) readable by the web and
worker processes::

    PADES_CERTIFICATS="cabinet-dupont=/run/secrets/cachet-dupont.p12,autre=/run/secrets/autre.p12"
    PADES_MOT_DE_PASSE_CABINET_DUPONT="…"   # PADES_MOT_DE_PASSE_<SLUG en majuscules, - → _>

or, in the settings, ``PADES_CERTIFICATS = {"cabinet-dupont": {"pkcs12": "/run/secrets/…p12",
"mot_de_passe_env": "PADES_MOT_DE_PASSE_CABINET_DUPONT"}}``. The password stays in the
environment (Docker/Compose secret), never in the database nor the repository. An organisation
without an entry is simply not sealed: ``sceller_pdf`` returns the bytes unchanged. A configured
but unreadable certificate (missing file, wrong password) raises ``CachetIndisponible``: a
document that should be sealed must not silently go out unsealed.

Where it plugs in
-----------------
A signed document cannot change once ``signe`` (PostgreSQL trigger, migration 0005), so the seal
is applied **while** the signed PDF is built, before it is stored with its SHA-256:
``bilan.core.signatures._document_finish`` does
``signed = sceller_si_configure(document=document, pdf=append_pdf(issued, evidence))``. The stored
``signed_sha256`` is then the hash of the sealed bytes, which the public verification page
(``/verifier/``) finds.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bilan.core.models import Organisation, SignedDocument

logger = logging.getLogger(__name__)

FIELD_NAME = "CachetOrganisme"
ENV_MAPPING = "PADES_CERTIFICATS"
ENV_PASSWORD_PREFIX = "PADES_MOT_DE_PASSE_"


class CachetIndisponible(ImproperlyConfigured):
    """The organisation has a seal configured but it cannot be used (file, password)."""


@dataclass(frozen=True)
class CachetConfig:
    pkcs12: Path
    mot_de_passe_env: str


def _password_env_name(slug: str) -> str:
    return ENV_PASSWORD_PREFIX + slug.upper().replace("-", "_")


def _mapping() -> dict[str, CachetConfig]:
    """The configured seals by organisation slug (settings first, else the environment)."""
    raw = getattr(settings, "PADES_CERTIFICATS", None)
    if raw is None:
        raw = {}
        for item in os.environ.get(ENV_MAPPING, "").split(","):
            slug, sep, path = item.strip().partition("=")
            if sep and slug.strip() and path.strip():
                raw[slug.strip()] = {"pkcs12": path.strip()}
    result = {}
    for slug, entry in raw.items():
        if isinstance(entry, str | Path):
            entry = {"pkcs12": entry}
        result[slug] = CachetConfig(
            pkcs12=Path(entry["pkcs12"]),
            mot_de_passe_env=entry.get("mot_de_passe_env") or _password_env_name(slug),
        )
    return result


def cachet_configure(organisation: Organisation) -> bool:
    """Whether a seal certificate is configured for ``organisation``."""
    return organisation.slug in _mapping()


def _signer(organisation: Organisation) -> Any:
    # pyHanko is a heavy optional module, only needed when sealing: imported where used.
    from pyhanko.sign import signers

    config = _mapping().get(organisation.slug)
    if config is None:
        return None
    password = os.environ.get(config.mot_de_passe_env)
    try:
        data = config.pkcs12.read_bytes()
    except OSError:
        raise CachetIndisponible(
            f"Cachet de l'organisme {organisation.slug} : fichier PKCS#12 illisible."
        ) from None
    try:
        return signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=(), passphrase=password.encode() if password else None
        )
    except ValueError:
        raise CachetIndisponible(
            f"Cachet de l'organisme {organisation.slug} : certificat ou mot de passe "
            f"({config.mot_de_passe_env}) invalide."
        ) from None


def sceller_pdf_avec(*, pdf: bytes, signer: Any, reason: str | None = None) -> bytes:
    """Add a PAdES B-B signature made by ``signer`` (a pyHanko ``Signer``) as an incremental
    update: the original bytes are kept as they are, the seal is appended."""
    # pyHanko is a heavy optional module, only needed when sealing: imported where used.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
    )
    output = io.BytesIO()
    signers.sign_pdf(writer, metadata, signer=signer, output=output)
    return output.getvalue()


def sceller_pdf(*, pdf: bytes, organisation: Organisation) -> bytes:
    """``pdf`` sealed with the organisation's certificate, or unchanged when none is
    configured. Raises ``CachetIndisponible`` when one is configured but unusable."""
    signer = _signer(organisation)
    if signer is None:
        return pdf
    sealed = sceller_pdf_avec(
        pdf=pdf, signer=signer, reason=f"Cachet de {organisation.raison_sociale}"[:200]
    )
    logger.info("PDF scellé (PAdES) pour l'organisme %s", organisation.pk)
    return sealed


def sceller_si_configure(*, document: SignedDocument, pdf: bytes) -> bytes:
    """The bytes to store as ``document``'s signed PDF: ``pdf`` sealed when its organisation
    has a seal, else unchanged.

    Call it **before** the signed PDF is stored (``_document_finish``): afterwards the row is
    immutable. It does not write anything itself.
    """
    return sceller_pdf(pdf=pdf, organisation=document.organisation)


def verifier_cachet(*, pdf: bytes, trust_roots: Iterable[Any]) -> dict[str, Any]:
    """Validate the PDF's signatures offline against ``trust_roots`` (asn1crypto or
    ``cryptography`` certificates; no OCSP/CRL fetching, revocation checks soft-fail).

    Returns ``{"signe": bool, "valide": bool, "signatures": [...]}``; each signature has
    ``intact``, ``valide``, ``confiance``, ``couvre_tout``, ``resume`` (pyHanko's summary, e.g.
    ``INTACT:TRUSTED,UNTOUCHED``) and ``signataire``. A PDF that cannot be read is not valid.
    """
    # pyHanko and asn1crypto are heavy optional modules, only needed to validate a seal.
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = []
    for cert in trust_roots:
        if not isinstance(cert, asn1_x509.Certificate):
            cert = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
        roots.append(cert)
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001  (a damaged file is simply not a valid sealed PDF)
        return {"signe": False, "valide": False, "signatures": [], "erreur": "illisible"}
    results = []
    for signature in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # noqa: BLE001
            results.append(
                {
                    "intact": False,
                    "valide": False,
                    "confiance": False,
                    "couvre_tout": False,
                    "resume": "INVALID",
                    "signataire": "",
                    "erreur": type(exc).__name__,
                }
            )
            continue
        results.append(
            {
                "intact": bool(status.intact),
                "valide": bool(status.valid),
                "confiance": bool(status.trusted),
                "couvre_tout": status.coverage is not None
                and status.coverage.name == "ENTIRE_FILE",
                "resume": status.summary(),
                "signataire": status.signing_cert.subject.human_friendly,
                "bottom_line": bool(status.bottom_line),
            }
        )
    return {
        "signe": bool(results),
        "valide": bool(results) and all(r.get("bottom_line") for r in results),
        "signatures": results,
    }
