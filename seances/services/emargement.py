"""Attendance signatures ("émargement") of the séances: services and selectors.

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

Financed routes (every route but ``personnel``): a séance counts as realised only once both
signatures exist (``minutes_realisees_financables``). Self-funded bilans count every realised
séance; attendance there is recommended, not required (domain §2.8).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.models import Financement, PortalAccess, TypeSeance
from bilan.core.audit import ClientInfo
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import hash_token
from bilan.core.tenancy import get_for_organisation
from seances.models import DemandeEmargement, Emargement, Seance

if TYPE_CHECKING:
    from beneficiaires.models import Beneficiaire, Bilan
    from bilan.core.models import Organisation, User

PARIS = ZoneInfo("Europe/Paris")
Role = Emargement.Role
Methode = Emargement.Methode

METHODES_PAR_ROLE: dict[str, frozenset[str]] = {
    Role.CONSULTANT: frozenset({Methode.SESSION}),
    Role.BENEFICIAIRE: frozenset(
        {Methode.DESSIN, Methode.CONFIRMATION, Methode.PORTAIL, Methode.LIEN}
    ),
}
MODALITES_A_DISTANCE = frozenset({Seance.Modalite.VISIO, Seance.Modalite.TELEPHONE})
TRACE_PREFIX = "data:image/png;base64,"
TRACE_MAX_BYTES = 200 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMANDE_VALIDITE_MAX_HEURES = 30 * 24
# Routes whose payer does not control attendance: realised séances count even unsigned.
FINANCEMENTS_SANS_EMARGEMENT = frozenset({Financement.PERSONNEL})
# Listed on the attendance certificate (realised séances, and absences for the record).
STATUTS_ATTESTATION = (
    Seance.Statut.REALISEE,
    Seance.Statut.ABSENCE_EXCUSEE,
    Seance.Statut.ABSENCE_NON_EXCUSEE,
)
ATTESTATION_TEMPLATE = "pdf/attestation_assiduite.html"


# --- Details as signed ------------------------------------------------------------------------


def nom_complet(user: User | None) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.email).strip()


def duree_realisee(seance: Seance) -> int:
    """The realised duration in minutes; the planned one when none was recorded (the séance
    took place as planned)."""
    if seance.duree_realisee_minutes is not None:
        return seance.duree_realisee_minutes
    return seance.duree_minutes


def seance_details(seance: Seance) -> dict:
    """The séance as it is signed: what the signatories attest, in plain JSON values.

    Labels are French whatever the active language; times are Europe/Paris.
    """
    bilan = seance.bilan
    debut = timezone.localtime(seance.debut, PARIS)
    consultant = seance.consultant or bilan.consultant
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "seance": str(seance.public_id),
            "bilan": bilan.numero,
            "beneficiaire": f"{bilan.beneficiaire.prenom} {bilan.beneficiaire.nom}".strip(),
            "consultant": nom_complet(consultant),
            "intitule": seance.intitule,
            "phase": seance.phase,
            "phase_libelle": str(seance.get_phase_display()),
            "type": seance.type,
            "type_libelle": str(seance.get_type_display()),
            "modalite": seance.modalite,
            "modalite_libelle": str(seance.get_modalite_display()),
            "date": debut.date().isoformat(),
            "heure_debut": debut.strftime("%H:%M"),
            "duree_prevue_minutes": seance.duree_minutes,
            "duree_realisee_minutes": duree_realisee(seance),
        }


def details_canoniques(details: dict) -> str:
    """Canonical JSON: sorted keys, UTF-8 text kept as is, no spaces."""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def details_empreinte(details: dict) -> str:
    """SHA-256 (hex) of ``details_canoniques(details)`` encoded in UTF-8."""
    return hashlib.sha256(details_canoniques(details).encode("utf-8")).hexdigest()


# --- Selectors --------------------------------------------------------------------------------


def _seances() -> QuerySet[Seance]:
    return Seance.objects.select_related("bilan", "bilan__beneficiaire", "bilan__consultant")


def seance_get(*, organisation: Organisation, public_id: uuid.UUID | str) -> Seance:
    """One séance of the bound organisation by public id, or 404."""
    return get_for_organisation(
        Seance,
        organisation=organisation,
        public_id=public_id,
        queryset=_seances().select_related("consultant"),
    )


def emargements_de(seance: Seance) -> dict[str, Emargement]:
    """The séance's signatures by role (``beneficiaire``, ``consultant``)."""
    return {e.role: e for e in Emargement.objects.filter(seance=seance)}


def seance_emargee(seance: Seance) -> bool:
    """True when both the beneficiary and the consultant have signed the séance."""
    roles = set(Emargement.objects.filter(seance=seance).values_list("role", flat=True))
    return roles >= {Role.BENEFICIAIRE, Role.CONSULTANT}


def seance_modifiee_depuis(seance: Seance, emargement: Emargement) -> bool:
    """True when the séance's details no longer match what this signature attested."""
    return details_empreinte(seance_details(seance)) != emargement.details_sha256


def seances_a_emarger_pour(beneficiaire: Beneficiaire) -> QuerySet[Seance]:
    """Portal list: realised séances of the beneficiary's bilans not yet signed by them.

    Any realised séance can be signed from the portal, with or without a remote request.
    """
    return (
        _seances()
        .select_related("consultant")
        .filter(bilan__beneficiaire=beneficiaire, statut=Seance.Statut.REALISEE)
        .exclude(emargements__role=Role.BENEFICIAIRE)
        .order_by("debut", "pk")
    )


def seances_emargees_par(beneficiaire: Beneficiaire) -> QuerySet[Seance]:
    """Séances the beneficiary has already signed, newest first (portal evidence list)."""
    return (
        _seances()
        .select_related("consultant")
        .filter(bilan__beneficiaire=beneficiaire, emargements__role=Role.BENEFICIAIRE)
        .prefetch_related("emargements")
        .distinct()
        .order_by("-debut", "-pk")
    )


def demande_utilisable(demande: DemandeEmargement) -> bool:
    return (
        demande.utilisee_le is None
        and demande.revoquee_le is None
        and demande.expire_le > timezone.now()
    )


def demande_en_cours(seance: Seance) -> DemandeEmargement | None:
    """The séance's pending remote request (not used, revoked nor expired), if any."""
    return (
        DemandeEmargement.objects.filter(
            seance=seance,
            utilisee_le__isnull=True,
            revoquee_le__isnull=True,
            expire_le__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def demande_par_jeton(*, token: str) -> DemandeEmargement | None:
    """The request of ``token`` in the **bound** organisation (any state), or None."""
    if not token or len(token) > 200:
        return None
    return (
        DemandeEmargement.objects.select_related(
            "seance",
            "seance__bilan",
            "seance__bilan__beneficiaire",
            "seance__bilan__consultant",
            "seance__consultant",
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def demande_lien_url(*, organisation: Organisation, token: str) -> str:
    path = reverse(
        "lien_emargement:signer",
        kwargs={"organisation_id": organisation.public_id, "token": token},
    )
    return f"{settings.SITE_URL}{path}"


def peut_signer_comme_consultant(seance: Seance, user: User | None) -> bool:
    """The consultant who ran the séance signs; without one recorded, a bilan consultant."""
    if user is None:
        return False
    if seance.consultant_id is not None:
        return seance.consultant_id == user.pk
    return acces.est_assigne(user_id=user.pk, bilan=seance.bilan)


# --- Services ---------------------------------------------------------------------------------


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
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG" or image.width > 4000 or image.height > 4000:
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return True


def _refuser_si_non_signable(
    *, seance: Seance, role: str, methode: str, user: User | None, demande
) -> None:
    if role not in METHODES_PAR_ROLE:
        raise ValidationError(_("Qualité de signataire inconnue."))
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
    if role == Role.CONSULTANT and not peut_signer_comme_consultant(seance, user):
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
    role: str,
    signataire: str,
    user: User | None,
    methode: str,
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
    details = seance_details(locked)
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
        details_sha256=details_empreinte(details),
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
    role: str,
    signataire: str,
    user: User | None,
    methode: str,
    client: ClientInfo | None,
    trace: str = "",
) -> Emargement:
    """Record ``role``'s attendance signature of ``seance``.

    Refused (French ``ValidationError``, nothing written) when the séance is not realised, the
    role has already signed, ``methode`` is not allowed for the role (consultant: ``session``;
    beneficiary: ``dessin``, ``confirmation``, ``portail``; ``lien`` only through
    ``emargement_par_lien``), the consultant signing is not the one who ran the séance,
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
    *, seance: Seance, validity_hours: int = 72
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
    if not 1 <= int(validity_hours) <= DEMANDE_VALIDITE_MAX_HEURES:
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
        expire_le=now + timedelta(hours=int(validity_hours)),
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
def emargement_par_lien(*, demande: DemandeEmargement, client: ClientInfo | None) -> Emargement:
    """Sign as the beneficiary through the emailed link (``lien``) and consume the request.

    Refused, nothing written, when the request was used, revoked or has expired, or when the
    séance can no longer be signed by the beneficiary.
    """
    locked = DemandeEmargement.objects.select_for_update().get(pk=demande.pk)
    if not demande_utilisable(locked):
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


# --- Totals and the attendance certificate ----------------------------------------------------


def _minutes_prouvees(seance: Seance, emargements: list[Emargement]) -> int:
    """Realised minutes backed by the signatures: never more than what was signed (a duration
    raised after signing does not count beyond the signed one)."""
    minutes = duree_realisee(seance)
    for emargement in emargements:
        signe = emargement.details.get("duree_realisee_minutes")
        if isinstance(signe, int):
            minutes = min(minutes, signe)
    return minutes


def _seances_attestation(bilan: Bilan) -> list[Seance]:
    return list(
        Seance.objects.filter(bilan=bilan, statut__in=STATUTS_ATTESTATION)
        .select_related("consultant", "bilan", "bilan__beneficiaire", "bilan__consultant")
        .prefetch_related(Prefetch("emargements", queryset=Emargement.objects.order_by("signe_le")))
        .order_by("debut", "pk")
    )


def _emargee(emargements: list[Emargement]) -> bool:
    return {e.role for e in emargements} >= {Role.BENEFICIAIRE, Role.CONSULTANT}


def emargement_exige(bilan: Bilan) -> bool:
    """Whether the route requires both signatures for a séance to count (all but personnel)."""
    return bilan.financement not in FINANCEMENTS_SANS_EMARGEMENT


def minutes_realisees_financables(bilan: Bilan) -> int:
    """Realised minutes that can be claimed from the payer.

    Financed routes (all but ``personnel``): only séances signed by both the beneficiary and
    the consultant, each counted for its realised duration but never more than the signed one.
    ``personnel`` (self-funded, no service-fait control): every realised séance counts, signed
    or not. Route rules on top (e.g. CPF finances accompaniment hours only since 2026-02-26)
    are applied by ``beneficiaires.financement``, not here.
    """
    exige = emargement_exige(bilan)
    total = 0
    for seance in _seances_attestation(bilan):
        if seance.statut != Seance.Statut.REALISEE:
            continue
        emargements = list(seance.emargements.all())
        if not exige:
            total += duree_realisee(seance)
        elif _emargee(emargements):
            total += _minutes_prouvees(seance, emargements)
    return total


def heures_minutes(minutes: int) -> str:
    """``95`` -> ``"1 h 35"``, ``60`` -> ``"1 h"``, ``0`` -> ``"0 h"``."""
    heures, reste = divmod(int(minutes), 60)
    return f"{heures} h {reste:02d}" if reste else f"{heures} h"


def attestation_contexte(bilan: Bilan) -> dict:
    """What the attendance certificate shows: one row per séance, totals by kind."""
    exige = emargement_exige(bilan)
    lignes = []
    totaux = {
        key: {"realise": 0, "emarge": 0, "retenu": 0}
        for key in ("accompagnement", "travail_personnel", "total")
    }
    for seance in _seances_attestation(bilan):
        emargements = list(seance.emargements.all())
        par_role = {e.role: e for e in emargements}
        realisee = seance.statut == Seance.Statut.REALISEE
        emargee = realisee and _emargee(emargements)
        ligne = {
            "seance": seance,
            "realisee": realisee,
            "duree_realisee": duree_realisee(seance) if realisee else 0,
            "emargee": emargee,
            "signatures": [
                {
                    "emargement": e,
                    "modifiee": seance_modifiee_depuis(seance, e),
                }
                for e in emargements
            ],
            "manquantes": [
                str(label) for role, label in Role.choices if realisee and role not in par_role
            ],
        }
        ligne["duree_realisee_hm"] = heures_minutes(ligne["duree_realisee"])
        lignes.append(ligne)
        if not realisee:
            continue
        kind = (
            "travail_personnel" if seance.type == TypeSeance.TRAVAIL_PERSONNEL else "accompagnement"
        )
        prouvees = _minutes_prouvees(seance, emargements) if emargee else 0
        retenues = prouvees if exige else duree_realisee(seance)
        for key in (kind, "total"):
            totaux[key]["realise"] += duree_realisee(seance)
            totaux[key]["emarge"] += prouvees
            totaux[key]["retenu"] += retenues
    totaux_hm = {
        key: {k: heures_minutes(v) for k, v in values.items()} for key, values in totaux.items()
    }
    seances_realisees = [ligne["seance"] for ligne in lignes if ligne["realisee"]]
    return {
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "lignes": lignes,
        "totaux": totaux,
        "totaux_hm": totaux_hm,
        "emargement_exige": exige,
        "financable_minutes": totaux["total"]["retenu"],
        "premiere_seance": seances_realisees[0].debut if seances_realisees else None,
        "derniere_seance": seances_realisees[-1].debut if seances_realisees else None,
        "non_emargees": sum(1 for ligne in lignes if ligne["realisee"] and not ligne["emargee"]),
    }


def attestation_assiduite_pdf(*, bilan: Bilan) -> bytes:
    """The attendance certificate of ``bilan`` (PDF/A-3u bytes): header (organisation,
    beneficiary, bilan number, dates), one row per séance (date, title, phase, modality,
    planned and realised durations) with each signature's evidence (who, capacity, method,
    Europe/Paris date and time, IP, SHA-256 of the details signed), totals by accompaniment and
    personal work. Séances not signed by both are marked « non émargée » and, on financed
    routes, left out of the claimable total.

    Rendered like ``bilan.core.pdf.render_pdf`` (same template base, same deny-by-default
    fetcher), except that the drawn signatures' PNG ``data:`` URLs, already checked when
    signed, are allowed through the fetcher alongside the logo.
    """
    from weasyprint import HTML

    from bilan.core.pdf import PDF_VARIANT, pdf_url_fetcher, render_html

    context = attestation_contexte(bilan)
    context["title"] = _("Attestation d'assiduité")
    html, logo = render_html(
        template=ATTESTATION_TEMPLATE, context=context, organisation=bilan.organisation
    )
    allowed = {
        s["emargement"].trace
        for ligne in context["lignes"]
        for s in ligne["signatures"]
        if s["emargement"].trace
    }
    if logo:
        allowed.add(logo)
    fetcher = pdf_url_fetcher(data_uris=frozenset(allowed))
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(pdf_variant=PDF_VARIANT, presentational_hints=False)
