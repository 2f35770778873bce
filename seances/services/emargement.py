"""Attendance signatures ("émargement") of the séances: the writes (signing, remote requests).
The reads (details as signed, who signed, the certificate) are in ``seances.selectors.emargement``.

Each realised séance is signed twice: by the consultant who ran it (``session``: logged in to
the staff space) and by the beneficiary, in one of four ways:

- ``dessin``: a signature drawn on the consultant's device (a PNG ``data:`` URL, checked here);
- ``confirmation``: an explicit confirmation from the beneficiary's own portal, for a séance in
  person (their phone, during or right after the séance);
- ``portail``: the same in the portal, for a remote séance (visio or telephone);
- ``lien``: a single-use link emailed by ``demande_emargement_creer`` (remote séances only).

Every signature keeps the evidence CDC/OPCO controls ask for (domain §8 rule 24, §2.1 items 8-9):
who, in which capacity, how, when, from which IP address and user agent, and the séance's
details **as signed** (``details``) with the SHA-256 of their canonical JSON
(``details_sha256``, see ``details_empreinte``): a later change of the séance cannot alter
what was signed, and the attestation flags it.

The emailed link carries the organisation's public id, like the document signing links
(``bilan.core.signatures``): the request table is under row-level security, so the view binds
that organisation first and only then looks the hashed token up.
"""

from __future__ import annotations

import base64
import binascii
import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from beneficiaires.models import PortalAccess, TypeSeance
from bilan.core.audit import ClientInfo
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import User, hash_token
from seances.models import DemandeEmargement, Emargement, Seance
from seances.selectors.emargement import (
    MODALITES_A_DISTANCE,
    PARIS,
    demande_lien_url,
    demande_utilisable,
    details_empreinte,
    peut_signer_comme_consultant,
    seance_details,
)

Role = Emargement.Role
Methode = Emargement.Methode

METHODES_PAR_ROLE: dict[str, frozenset[str]] = {
    Role.CONSULTANT: frozenset({Methode.SESSION}),
    Role.BENEFICIAIRE: frozenset(
        {Methode.DESSIN, Methode.CONFIRMATION, Methode.PORTAIL, Methode.LIEN}
    ),
}
TRACE_PREFIX = "data:image/png;base64,"
TRACE_MAX_BYTES = 200 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMANDE_VALIDITE_MAX_HEURES = 30 * 24


def _trace_valide(trace: str) -> str:
    """The drawn signature if it is a PNG ``data:`` URL of at most 200 KB, else refused."""
    trace = (trace or "").strip()
    message = _("La signature tracée est illisible : tracez-la de nouveau.")
    if not trace.startswith(TRACE_PREFIX):
        raise ValidationError(message)
    payload = trace[len(TRACE_PREFIX) :]
    if len(payload) > (TRACE_MAX_BYTES * 4) // 3 + 4:
        raise ValidationError(_("La signature tracée est trop volumineuse (200 Ko au plus)."))
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(message) from None
    if len(content) > TRACE_MAX_BYTES:
        raise ValidationError(_("La signature tracée est trop volumineuse (200 Ko au plus)."))
    if not content.startswith(PNG_MAGIC) or not _png_lisible(content):
        raise ValidationError(message)
    return trace


def _png_lisible(content: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG" or image.width > 4000 or image.height > 4000:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def _refuser_si_non_signable(
    *,
    seance: Seance,
    role: Emargement.Role,
    methode: Emargement.Methode,
    user: User | None,
    demande: DemandeEmargement | None,
) -> None:
    if role not in METHODES_PAR_ROLE:
        raise ValidationError(_("Qualité de signataire inconnue."))
    if seance.type == TypeSeance.TRAVAIL_PERSONNEL:
        raise ValidationError(
            _(
                "Le travail personnel guidé ne s'émarge pas : le travail rendu et le temps "
                "déclaré en font la preuve."
            )
        )
    if seance.statut != Seance.Statut.REALISEE:
        raise ValidationError(
            _("Cette séance n'est pas marquée comme réalisée : elle ne peut pas être émargée.")
        )
    if Emargement.objects.filter(seance=seance, role=role).exists():
        raise ValidationError(
            _("Cette séance a déjà été émargée en qualité de « %(role)s ».")
            % {"role": Role(role).label}
        )
    if methode not in METHODES_PAR_ROLE[role]:
        raise ValidationError(
            _("Cette méthode de signature n'est pas possible en qualité de « %(role)s ».")
            % {"role": Role(role).label}
        )
    if role == Role.CONSULTANT and not peut_signer_comme_consultant(seance=seance, user=user):
        raise ValidationError(
            _("Seul·e le ou la consultant·e qui a animé la séance peut l'émarger.")
        )
    if methode == Methode.LIEN and demande is None:
        raise ValidationError(
            _("La signature par lien se fait uniquement depuis le lien reçu par courriel.")
        )
    if methode in {Methode.CONFIRMATION, Methode.PORTAIL}:
        beneficiaire_id = seance.bilan.beneficiaire_id
        if (
            user is None
            or not PortalAccess.objects.filter(
                user=user, beneficiaire_id=beneficiaire_id, is_active=True
            ).exists()
        ):
            raise ValidationError(
                _("Seul·e le ou la bénéficiaire, connecté·e à son espace, peut confirmer.")
            )
        attendue = (
            Methode.PORTAIL if seance.modalite in MODALITES_A_DISTANCE else Methode.CONFIRMATION
        )
        if methode != attendue:
            raise ValidationError(
                _("Cette méthode ne correspond pas à la modalité de la séance (%(m)s).")
                % {"m": seance.get_modalite_display()}
            )


def _signer(
    *,
    seance: Seance,
    role: Emargement.Role,
    signataire: str,
    user: User | None,
    methode: Emargement.Methode,
    client: ClientInfo | None,
    trace: str,
    demande: DemandeEmargement | None,
) -> Emargement:
    # Lock the séance: two signatures of the same role cannot race, and the details read
    # below are the ones in the database at this instant.
    locked = (
        Seance.objects.select_for_update(of=("self",))
        .select_related("bilan", "bilan__beneficiaire", "bilan__consultant", "consultant")
        .get(pk=seance.pk)
    )
    _refuser_si_non_signable(seance=locked, role=role, methode=methode, user=user, demande=demande)
    signataire = " ".join((signataire or "").split())
    if not signataire:
        raise ValidationError(_("Le nom du ou de la signataire est obligatoire."))
    if methode == Methode.DESSIN:
        trace = _trace_valide(trace)
    elif trace:
        raise ValidationError(
            _("Une signature tracée n'est attendue qu'avec la méthode « dessin ».")
        )
    details = seance_details(seance=locked)
    now = timezone.now()
    emargement = Emargement.objects.create(
        organisation_id=locked.organisation_id,
        seance=locked,
        role=role,
        signataire=signataire[:200],
        user=user,
        methode=methode,
        signe_le=now,
        ip_address=(client.ip or None) if client is not None else None,
        user_agent=client.user_agent[:300] if client is not None else "",
        details=details,
        details_sha256=details_empreinte(details=details),
        trace=trace or "",
    )
    if role == Role.BENEFICIAIRE:
        pending = DemandeEmargement.objects.filter(
            seance=locked, utilisee_le__isnull=True, revoquee_le__isnull=True
        )
        if demande is not None:
            DemandeEmargement.objects.filter(pk=demande.pk).update(utilisee_le=now, updated_at=now)
            pending = pending.exclude(pk=demande.pk)
        # Signed another way: the emailed link must not stay usable.
        pending.update(revoquee_le=now, updated_at=now)
    return emargement


@transaction.atomic
def emargement_signer(
    *,
    seance: Seance,
    role: Emargement.Role,
    signataire: str,
    user: User | None,
    methode: Emargement.Methode,
    client: ClientInfo | None,
    trace: str = "",
) -> Emargement:
    """Record ``role``'s attendance signature of ``seance``.

    Refused (French ``ValidationError``, nothing written) when the séance is not realised, the
    role has already signed, ``methode`` is not allowed for the role (consultant: ``session``;
    beneficiary: ``dessin``, ``confirmation``, ``portail``; ``lien`` only through
    ``emargement_signer_par_lien``), the consultant signing is not the one who ran the séance,
    ``confirmation``/``portail`` is not done by the beneficiary's own portal account (and
    ``portail`` for a remote séance, ``confirmation`` in person), or a ``dessin`` has no valid
    PNG ``data:`` URL of at most 200 KB in ``trace``. ``client`` (None outside a request)
    gives the IP address and user agent. Pending remote requests are closed once the
    beneficiary has signed.
    """
    return _signer(
        seance=seance,
        role=role,
        signataire=signataire,
        user=user,
        methode=methode,
        client=client,
        trace=trace,
        demande=None,
    )


@transaction.atomic
def demande_emargement_creer(
    *, seance: Seance, validite_heures: int = 72
) -> tuple[DemandeEmargement, str]:
    """A remote signing request for the beneficiary, emailed after commit.

    Only for a realised remote séance (visio, telephone) not yet signed by the beneficiary.
    Returns the request and the clear token (only ever sent by email; stored hashed). A pending
    request of the same séance is revoked: the newest link wins. The email carries only the
    organisation, the séance's date and the link.
    """
    locked = (
        Seance.objects.select_for_update(of=("self",))
        .select_related("bilan", "bilan__beneficiaire")
        .get(pk=seance.pk)
    )
    if locked.type == TypeSeance.TRAVAIL_PERSONNEL:
        raise ValidationError(
            _(
                "Le travail personnel guidé ne s'émarge pas : le travail rendu et le temps "
                "déclaré en font la preuve."
            )
        )
    if locked.modalite not in MODALITES_A_DISTANCE:
        raise ValidationError(
            _(
                "Une demande à distance ne concerne qu'une séance en visioconférence ou par "
                "téléphone : en présentiel, faites signer sur place."
            )
        )
    if locked.statut != Seance.Statut.REALISEE:
        raise ValidationError(
            _("Cette séance n'est pas marquée comme réalisée : elle ne peut pas être émargée.")
        )
    if Emargement.objects.filter(seance=locked, role=Role.BENEFICIAIRE).exists():
        raise ValidationError(_("Le ou la bénéficiaire a déjà émargé cette séance."))
    if not 1 <= validite_heures <= DEMANDE_VALIDITE_MAX_HEURES:
        raise ValidationError(
            _("La durée de validité doit être comprise entre 1 heure et 30 jours.")
        )
    beneficiaire = locked.bilan.beneficiaire
    if not beneficiaire.email:
        raise ValidationError(_("Le ou la bénéficiaire n'a pas d'adresse électronique."))
    now = timezone.now()
    DemandeEmargement.objects.filter(
        seance=locked, utilisee_le__isnull=True, revoquee_le__isnull=True
    ).update(revoquee_le=now, updated_at=now)
    token = secrets.token_urlsafe(32)
    demande = DemandeEmargement.objects.create(
        organisation_id=locked.organisation_id,
        seance=locked,
        token_hash=hash_token(token),
        expire_le=now + timedelta(hours=validite_heures),
    )
    organisation = demande.organisation
    send_templated_email_on_commit(
        template="emargement-demande",
        to=beneficiaire.email,
        context={
            "organisation": organisation,
            "date_seance": timezone.localtime(locked.debut, PARIS),
            "url": demande_lien_url(organisation=organisation, token=token),
            "expire_le": timezone.localtime(demande.expire_le, PARIS),
            "portail_url": f"{settings.SITE_URL}{reverse('portail_emargement:liste')}",
        },
    )
    return demande, token


@transaction.atomic
def emargement_signer_par_lien(
    *, demande: DemandeEmargement, client: ClientInfo | None
) -> Emargement:
    """Sign as the beneficiary through the emailed link (``lien``) and consume the request.

    Refused, nothing written, when the request was used, revoked or has expired, or when the
    séance can no longer be signed by the beneficiary.
    """
    locked = DemandeEmargement.objects.select_for_update().get(pk=demande.pk)
    if not demande_utilisable(demande=locked):
        raise ValidationError(_("Ce lien d'émargement n'est plus valable."))
    seance = Seance.objects.select_related("bilan__beneficiaire").get(pk=locked.seance_id)
    beneficiaire = seance.bilan.beneficiaire
    emargement = _signer(
        seance=seance,
        role=Role.BENEFICIAIRE,
        signataire=f"{beneficiaire.prenom} {beneficiaire.nom}",
        user=None,
        methode=Methode.LIEN,
        client=client,
        trace="",
        demande=locked,
    )
    demande.refresh_from_db()
    return emargement
