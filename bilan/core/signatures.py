"""Issuing documents and signing them (simple electronic signature), services and selectors.

A document is rendered once (``bilan.core.pdf.render_pdf``), stored once in the private storage
with its SHA-256, and never changed: a correction is a new version. Each required role signs
the exact issued bytes; a signature records who, in which capacity, when, from where (IP, user
agent: ``bilan.core.audit.ClientInfo``), how the signer was authenticated
(``MethodeAuthentification``) and the SHA-256 signed. When every required role has signed, the
signed PDF is built: **the issued pages, unchanged** (copied with pypdf, not re-rendered, so a
later change of the data cannot alter what was signed) followed by an evidence page
(``templates/pdf/evidence.html``). It is stored with its own SHA-256 and the document becomes
``signe``. Services refuse every later change, and a PostgreSQL trigger (migration 0005) refuses
it too, whatever the code.

**One signing service**, ``document_signer``: every signature, in session or through a link,
goes through it, and it then runs the after-signature handlers that the owning app registered
for the document's kind (``document_kinds``). The engine knows no kind: each app's
``signatures.py`` (imported by ``CoreConfig.ready`` through ``autodiscover_modules``) calls
``document_kinds.register(kind, after_signature=handler)``. Issuing or signing a kind that no
app registered fails loudly. A document issued with the beneficiary among its signers runs the
handlers registered with ``document_kinds.register_attente_beneficiaire`` (the beneficiary is
notified: ``beneficiaires/signatures.py``).

Signers without an account (the employer's signatory) receive a single-use link. The token is
stored hashed, in a tenant table under row-level security, so it cannot be found before an
organisation is bound: the link therefore also carries the organisation's public id
(``/signature/<organisation public id>/<token>/``). The view loads that organisation (a global
table), binds it with ``tenant_context`` and only then calls ``lien_signature_trouver``. A token
used with another organisation's id finds nothing (404).

Callers check the document's mandatory mentions before ``document_emettre``, and who may sign
in which capacity before ``document_signer`` (e.g. the beneficiary for ``beneficiaire``). The
signed PDF is sealed (PAdES, ``bilan.core.seal``) when the organisation has a certificate.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from bilan.core.audit import ClientInfo
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import (
    Organisation,
    Signature,
    SignatureRole,
    SignedDocument,
    SigningLink,
    User,
    hash_token,
)
from bilan.core.pdf import render_pdf
from bilan.core.seal import sceller_si_configure
from bilan.core.tenancy import TenantOwned, get_for_organisation

logger = logging.getLogger(__name__)

EVIDENCE_TEMPLATE = "pdf/base.html"


class MethodeAuthentification(StrEnum):
    """How the signer proved who they are (printed on the evidence page, stored as is)."""

    SESSION_MOT_DE_PASSE = "session+mot de passe"
    SESSION_CODE_COURRIEL = "session+code courriel"
    LIEN_UNIQUE = "lien à usage unique"


# --- Registry of document kinds ---------------------------------------------------------------


class AfterSignature(Protocol):
    """Called inside the signing transaction, after each signature of a document of the kind
    (``document.status`` tells whether it was the last one). Raising undoes the signature."""

    def __call__(self, *, document: SignedDocument, signature: Signature) -> None: ...


class BeforeSignature(Protocol):
    """Called before a signature of a document of the kind is recorded; raises
    ``ValidationError`` (French message, what happens next) to refuse it. It runs in the
    caller's transaction, outside the signing savepoint: what it writes to record the
    consequence of a refusal (a bilan refused) stays when the caller handles the error."""

    def __call__(self, *, document: SignedDocument, role: SignatureRole) -> None: ...


class AttenteBeneficiaire(Protocol):
    """Called inside the issuing transaction when a document that the beneficiary must sign
    has been issued (e.g. to notify them); raising undoes the issue."""

    def __call__(self, *, document: SignedDocument) -> None: ...


@dataclass(frozen=True)
class PageSignature:
    """A portal page of its own where the beneficiary reads and signs a kind of document:
    ``url_name`` (no argument) and the French label of the link to it."""

    url_name: str
    libelle: str | Promise


class DocumentKindRegistry:
    """The document kinds the apps declare, with their after-signature handlers."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[AfterSignature]] = {}
        self._checks: dict[str, list[BeforeSignature]] = {}
        self._pages: dict[str, PageSignature] = {}
        self._attentes_beneficiaire: list[AttenteBeneficiaire] = []
        # Kinds whose beneficiary is told by a later act of their own, not at issuance.
        self._sans_annonce: set[str] = set()

    def register_attente_beneficiaire(self, handler: AttenteBeneficiaire) -> None:
        """A handler run for every document issued with the beneficiary among its signers,
        except the kinds registered with ``annonce_a_l_emission=False`` (idempotent)."""
        if handler not in self._attentes_beneficiaire:
            self._attentes_beneficiaire.append(handler)

    def attentes_beneficiaire(self, kind: str) -> tuple[AttenteBeneficiaire, ...]:
        """The handlers to run when a document of ``kind`` awaiting the beneficiary is issued
        (none for a kind registered with ``annonce_a_l_emission=False``)."""
        if kind in self._sans_annonce:
            return ()
        return tuple(self._attentes_beneficiaire)

    def register(
        self,
        *kinds: str,
        after_signature: AfterSignature | None = None,
        page_signature: PageSignature | None = None,
        before_signature: BeforeSignature | None = None,
        annonce_a_l_emission: bool = True,
    ) -> None:
        """Declare ``kinds`` (idempotent) and, optionally, a handler run after each signature
        and the portal page where the beneficiary reads and signs documents of these kinds
        (when it is not the portal's list of documents). ``annonce_a_l_emission=False``: issuing it
        does not notify the beneficiary (a later act of the kind does, e.g. a transmission)."""
        for kind in kinds:
            if not annonce_a_l_emission:
                self._sans_annonce.add(kind)
            handlers = self._handlers.setdefault(kind, [])
            if after_signature is not None and after_signature not in handlers:
                handlers.append(after_signature)
            checks = self._checks.setdefault(kind, [])
            if before_signature is not None and before_signature not in checks:
                checks.append(before_signature)
            if page_signature is not None:
                self._pages[kind] = page_signature

    def page_signature(self, kind: str) -> PageSignature | None:
        """The page where ``kind`` is signed, or None: the portal's list of documents."""
        return self._pages.get(kind)

    def checks(self, kind: str) -> tuple[BeforeSignature, ...]:
        """The checks run before a signature of ``kind`` (``document_verifier_signature``)."""
        return tuple(self._checks.get(kind, ()))

    def kinds(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def handlers(self, kind: str) -> tuple[AfterSignature, ...]:
        """The handlers of ``kind``; ``ImproperlyConfigured`` when no app declared it."""
        try:
            return tuple(self._handlers[kind])
        except KeyError:
            raise ImproperlyConfigured(
                f"Type de document « {kind} » inconnu : aucune application ne l'a déclaré "
                "(document_kinds.register dans son module signatures.py)."
            ) from None


document_kinds = DocumentKindRegistry()


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- Selectors --------------------------------------------------------------------------------


def document_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> SignedDocument:
    """One document of the bound organisation by public id, or 404."""
    return get_for_organisation(SignedDocument, organisation=organisation, public_id=public_id)


def documents_signes_du_sujet(*, kind: str, subject_id: uuid.UUID) -> QuerySet[SignedDocument]:
    """Every version of a document about one object, newest first."""
    return SignedDocument.objects.filter(kind=kind, subject_id=subject_id).order_by("-version")


def signatures_du_document(*, document: SignedDocument) -> QuerySet[Signature]:
    return Signature.objects.filter(document=document).order_by("signed_at", "pk")


def roles_manquants_du_document(*, document: SignedDocument) -> list[str]:
    """The required roles that have not signed yet, in the document's order."""
    signed = set(signatures_du_document(document=document).values_list("role", flat=True))
    return [role for role in document.required_roles if role not in signed]


def lien_signature_trouver(*, token: str) -> SigningLink | None:
    """The signing link of ``token`` in the **bound** organisation, or None.

    The organisation must already be bound (``tenant_context``), from the public id carried
    by the link's URL: the table is under row-level security.
    """
    if not token or len(token) > 200:
        return None
    return (
        SigningLink.objects.select_related("document", "organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )


def lien_signature_url(*, organisation: Organisation, token: str) -> str:
    path = reverse(
        "signatures:link", kwargs={"organisation_id": organisation.public_id, "token": token}
    )
    return f"{settings.SITE_URL}{path}"


def document_contenu(*, document: SignedDocument, signed: bool) -> bytes:
    """The stored bytes (issued or signed), checked against their recorded SHA-256.

    Raises ``ValidationError`` when the file is missing or no longer matches (tampering).
    """
    field = document.signed_pdf if signed else document.issued_pdf
    expected = document.signed_sha256 if signed else document.issued_sha256
    if not field or not expected:
        raise ValidationError(_("Ce document n'est pas disponible."))
    try:
        with field.open("rb") as handle:
            content: bytes = handle.read()
    except OSError:
        logger.error("Document %s : fichier introuvable", document.public_id)
        raise ValidationError(_("Le fichier de ce document est introuvable.")) from None
    if sha256_hex(content) != expected:
        logger.error("Document %s : empreinte SHA-256 différente du stocké", document.public_id)
        raise ValidationError(
            _("Le fichier enregistré ne correspond plus au document émis : il a été altéré.")
        )
    return content


# --- Services ---------------------------------------------------------------------------------


def _validate_roles(required_roles: list[SignatureRole] | list[str]) -> list[str]:
    roles = [str(role) for role in required_roles]
    if not roles:
        raise ValidationError(_("Indiquez au moins un·e signataire."))
    if len(set(roles)) != len(roles) or any(r not in SignatureRole.values for r in roles):
        raise ValidationError(_("Liste de signataires invalide."))
    return roles


@transaction.atomic
def document_emettre(
    *,
    organisation: Organisation,
    kind: str,
    title: str,
    subject_id: uuid.UUID,
    beneficiaire: TenantOwned | None,
    html_template: str,
    context: Mapping[str, Any],
    required_roles: list[SignatureRole] | list[str],
    created_by: User,
) -> SignedDocument:
    """Render ``html_template`` to PDF/A, store it once with its SHA-256, status ``emis``.

    ``kind`` must have been declared by its app (``document_kinds.register``). The version is
    the last version for (``kind``, ``subject_id``) plus one; earlier versions are left as they
    are (``document_nouvelle_version`` cancels the previous one). ``beneficiaire``: the
    beneficiary the document is about (a ``beneficiaires.Beneficiaire``), or None. The caller
    has checked the mandatory mentions. ``title`` appears in the signer's email and link page:
    no confidential content in it. User rich text in ``context`` must be ``sanitize_html``-ed.
    """
    document_kinds.handlers(kind)  # an undeclared kind fails loudly, before anything is written
    roles = _validate_roles(required_roles)
    if beneficiaire is not None and beneficiaire.organisation_id != organisation.pk:
        raise ValidationError(_("Ce ou cette bénéficiaire n'appartient pas à l'organisme."))
    pdf = render_pdf(
        template=html_template,
        context={**context, "title": title},
        organisation=organisation,
    )
    # Concurrent issues for the same subject: the unique constraint (organisation, kind,
    # subject_id, version) makes the second one fail rather than share a number.
    last = SignedDocument.objects.filter(kind=kind, subject_id=subject_id).aggregate(
        last=Max("version")
    )["last"]
    document = SignedDocument(
        organisation=organisation,
        kind=kind,
        title=title,
        subject_id=subject_id,
        beneficiaire_id=beneficiaire.pk if beneficiaire is not None else None,
        version=(last or 0) + 1,
        status=SignedDocument.Status.EMIS,
        issued_sha256=sha256_hex(pdf),
        issued_at=timezone.now(),
        required_roles=roles,
        created_by=created_by,
    )
    document.issued_pdf.save("document.pdf", ContentFile(pdf), save=False)
    document.save()
    if SignatureRole.BENEFICIAIRE in roles:
        for handler in document_kinds.attentes_beneficiaire(kind):
            handler(document=document)
    return document


def _refuse_unless_signable(document: SignedDocument) -> None:
    if document.status == SignedDocument.Status.SIGNE:
        raise ValidationError(_("Ce document est déjà signé : il ne peut plus être modifié."))
    if document.status == SignedDocument.Status.ANNULE:
        raise ValidationError(_("Ce document a été annulé : il ne peut plus être signé."))
    if document.status != SignedDocument.Status.EMIS:
        raise ValidationError(_("Ce document n'a pas encore été émis : il ne peut pas être signé."))


def document_verifier_signature(*, document: SignedDocument, role: SignatureRole) -> None:
    """Run the checks the owning app registered for the kind (``before_signature``), in the
    caller's transaction, before any signing savepoint: a refusal raises ``ValidationError``
    and what the check recorded about it stays. A document that is not ``emis`` is left to
    the engine's own refusal."""
    if document.status != SignedDocument.Status.EMIS:
        return
    for check in document_kinds.checks(document.kind):
        check(document=document, role=SignatureRole(role))


def document_signer(
    *,
    document: SignedDocument,
    role: SignatureRole,
    user: User | None,
    client: ClientInfo | None,
    methode: MethodeAuthentification,
    signer_name: str | None = None,
    signer_email: str | None = None,
) -> Signature:
    """Record the signature of ``role`` (``_document_signer``) once the kind's checks
    (``document_verifier_signature``) accept it."""
    document_verifier_signature(document=document, role=SignatureRole(role))
    return _document_signer(
        document=document,
        role=role,
        user=user,
        client=client,
        methode=methode,
        signer_name=signer_name,
        signer_email=signer_email,
    )


@transaction.atomic
def _document_signer(
    *,
    document: SignedDocument,
    role: SignatureRole,
    user: User | None,
    client: ClientInfo | None,
    methode: MethodeAuthentification,
    signer_name: str | None = None,
    signer_email: str | None = None,
) -> Signature:
    """Record the signature of ``role`` on the issued bytes, finish the document when it is the
    last required one, then run the after-signature handlers registered for its kind.

    The one way a document gets signed. ``user``: the signer's account (session signatures);
    ``signer_name`` and ``signer_email`` default to that account's, and are required without
    one (single-use links). ``client``: the signer's IP address and user agent (None outside
    a request). Refused (``ValidationError``, nothing written) when the document is not
    ``emis``, the role is not required or has already signed, or the stored bytes no longer
    match ``issued_sha256``. The caller has checked that the signer may sign as ``role``.
    """
    role = SignatureRole(role)
    if user is not None:
        signer_name = signer_name if signer_name is not None else user.get_full_name() or user.email
        signer_email = signer_email if signer_email is not None else user.email
    if signer_name is None or signer_email is None:
        raise TypeError("document_signer: signer_name et signer_email requis sans compte.")
    # Lock the row: two signers finishing at the same time must not both build the signed PDF.
    locked = SignedDocument.objects.select_for_update().get(pk=document.pk)
    handlers = document_kinds.handlers(locked.kind)
    _refuse_unless_signable(locked)
    if role not in locked.required_roles:
        raise ValidationError(_("Cette qualité de signataire n'est pas attendue pour ce document."))
    if Signature.objects.filter(document=locked, role=role).exists():
        raise ValidationError(
            _("Ce document a déjà été signé en qualité de « %(role)s ».") % {"role": role.label}
        )
    if not signer_name.strip():
        raise ValidationError(_("Le nom du ou de la signataire est obligatoire."))
    issued = document_contenu(document=locked, signed=False)

    signature = Signature.objects.create(
        organisation_id=locked.organisation_id,
        document=locked,
        role=role,
        signer_name=signer_name.strip()[:200],
        signer_email=signer_email.strip().lower(),
        user=user,
        signed_at=timezone.now(),
        ip_address=(client.ip or None) if client is not None else None,
        user_agent=client.user_agent[:300] if client is not None else "",
        document_sha256=sha256_hex(issued),
        auth_method=str(methode)[:100],
    )
    if not roles_manquants_du_document(document=locked):
        _document_finish(document=locked, issued=issued)
    for handler in handlers:
        handler(document=locked, signature=signature)
    # The caller's instance reflects the new state.
    document.refresh_from_db()
    return signature


def _document_finish(*, document: SignedDocument, issued: bytes) -> None:
    """Signed PDF = issued pages unchanged + evidence page; store it, status ``signe``."""
    signatures = list(signatures_du_document(document=document))
    evidence = render_pdf(
        template=EVIDENCE_TEMPLATE,
        context={
            "title": _("Preuve de signature — %(title)s") % {"title": document.title},
            "evidence": {"document": document, "signatures": signatures, "standalone": True},
        },
        organisation=document.organisation,
    )
    # Sealed (PAdES) before it is stored: a signed document never changes afterwards.
    signed = sceller_si_configure(document=document, pdf=append_pdf(issued, evidence))
    document.signed_pdf.save("document-signe.pdf", ContentFile(signed), save=False)
    document.signed_sha256 = sha256_hex(signed)
    document.signed_at = timezone.now()
    document.status = SignedDocument.Status.SIGNE
    document.save(
        update_fields=["signed_pdf", "signed_sha256", "signed_at", "status", "updated_at"]
    )


def append_pdf(first: bytes, second: bytes) -> bytes:
    """``first`` (its pages, catalogue, PDF/A metadata and output intent kept) then the pages
    of ``second``."""
    # pypdf is imported where it is used: only signing needs it (heavy optional module).
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(first)))
    writer.append(PdfReader(io.BytesIO(second)), import_outline=False)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@transaction.atomic
def document_annuler(*, document: SignedDocument) -> SignedDocument:
    """Cancel an issued (or draft) document and revoke its signing links. A signed document
    cannot be cancelled: it stays as signed; issue a new version instead."""
    locked = SignedDocument.objects.select_for_update().get(pk=document.pk)
    if locked.status == SignedDocument.Status.SIGNE:
        raise ValidationError(_("Ce document est déjà signé : il ne peut plus être modifié."))
    if locked.status != SignedDocument.Status.ANNULE:
        locked.status = SignedDocument.Status.ANNULE
        locked.save(update_fields=["status", "updated_at"])
        SigningLink.objects.filter(
            document=locked, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    document.refresh_from_db()
    return document


@transaction.atomic
def document_nouvelle_version(
    *,
    document: SignedDocument,
    html_template: str,
    context: Mapping[str, Any],
    created_by: User,
    title: str | None = None,
    required_roles: list[SignatureRole] | list[str] | None = None,
) -> SignedDocument:
    """Issue version + 1 of ``document`` (same kind, subject and beneficiary).

    The previous version is cancelled (``annule``, links revoked) unless it is signed: a signed
    document stays ``signe``, unchanged.
    """
    if document.status != SignedDocument.Status.SIGNE:
        document_annuler(document=document)
    return document_emettre(
        organisation=document.organisation,
        kind=document.kind,
        title=title if title is not None else document.title,
        subject_id=document.subject_id,
        beneficiaire=document.beneficiaire,
        html_template=html_template,
        context=context,
        required_roles=required_roles if required_roles is not None else document.required_roles,
        created_by=created_by,
    )


@transaction.atomic
def lien_signature_creer(
    *,
    document: SignedDocument,
    role: SignatureRole,
    signer_name: str,
    signer_email: str,
    validity_days: int = 10,
) -> tuple[SigningLink, str]:
    """A single-use signing link for a signer without an account, emailed after commit.

    Returns the link and the clear token (only ever sent by email; stored hashed). A previous
    pending link for the same document and role is revoked: the newest link wins. The email
    carries only the link, the organisation and the document title.
    """
    _refuse_unless_signable(document)
    if role not in document.required_roles:
        raise ValidationError(_("Cette qualité de signataire n'est pas attendue pour ce document."))
    if Signature.objects.filter(document=document, role=role).exists():
        raise ValidationError(_("Ce document a déjà été signé en cette qualité."))
    signer_email = signer_email.strip().lower()
    if not signer_email or not signer_name.strip():
        raise ValidationError(
            _("Le nom et l'adresse électronique du ou de la signataire sont requis.")
        )
    now = timezone.now()
    SigningLink.objects.filter(
        document=document, role=role, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    link = SigningLink.objects.create(
        organisation_id=document.organisation_id,
        document=document,
        role=role,
        signer_name=signer_name.strip()[:200],
        signer_email=signer_email,
        token_hash=hash_token(token),
        expires_at=now + timedelta(days=validity_days),
    )
    organisation = document.organisation
    send_templated_email_on_commit(
        template="signature-lien",
        to=signer_email,
        context={
            "organisation": organisation,
            "document_title": document.title,
            "url": lien_signature_url(organisation=organisation, token=token),
            "validity_days": validity_days,
        },
    )
    return link, token


@transaction.atomic
def lien_signature_revoquer(*, link: SigningLink) -> SigningLink:
    """Revoke a pending link (a used or already revoked one is left as it is)."""
    if link.used_at is None and link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])
    return link


def lien_signature_utiliser(*, link: SigningLink, client: ClientInfo | None) -> Signature:
    """Sign through a single-use link (``MethodeAuthentification.LIEN_UNIQUE``) and consume it.

    Refused, nothing written, when the link was used, revoked or has expired, or when the
    document can no longer be signed in that capacity (the kind's checks run first, outside
    the signing savepoint, like ``document_signer``'s).
    """
    document_verifier_signature(document=link.document, role=SignatureRole(link.role))
    return _lien_signature_utiliser(link=link, client=client)


@transaction.atomic
def _lien_signature_utiliser(*, link: SigningLink, client: ClientInfo | None) -> Signature:
    locked = SigningLink.objects.select_for_update().select_related("document").get(pk=link.pk)
    if not locked.is_usable:
        raise ValidationError(_("Ce lien de signature n'est plus valable."))
    signature = document_signer(
        document=locked.document,
        role=SignatureRole(locked.role),
        user=None,
        client=client,
        methode=MethodeAuthentification.LIEN_UNIQUE,
        signer_name=locked.signer_name,
        signer_email=locked.signer_email,
    )
    locked.used_at = signature.signed_at
    locked.save(update_fields=["used_at", "updated_at"])
    link.refresh_from_db()
    return signature
