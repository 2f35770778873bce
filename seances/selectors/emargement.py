"""Reads of the attendance signatures ("émargement"): the séance's details as signed and their
SHA-256, who signed what, the remote requests, the claimable minutes and the attendance
certificate (its context and its PDF). The writes are in ``seances.services.emargement``.

Financed routes (every route but ``personnel``): a séance counts as realised only once both
signatures exist (``minutes_realisees_financables``). Self-funded bilans count every realised
séance; attendance there is recommended, not required (domain §2.8).
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.models import Beneficiaire, Bilan, Financement, TypeSeance
from bilan.core.models import Organisation, User, hash_token
from bilan.core.pdf import PDF_VARIANT, pdf_url_fetcher, render_html
from seances.models import DemandeEmargement, Emargement, Seance

PARIS = ZoneInfo("Europe/Paris")
Role = Emargement.Role
MODALITES_A_DISTANCE = frozenset({Seance.Modalite.VISIO, Seance.Modalite.TELEPHONE})
# Routes whose payer does not control attendance: realised séances count even unsigned.
FINANCEMENTS_SANS_EMARGEMENT = frozenset({Financement.PERSONNEL})
# Listed on the attendance certificate (realised séances, and absences for the record).
STATUTS_ATTESTATION = (
    Seance.Statut.REALISEE,
    Seance.Statut.ABSENCE_EXCUSEE,
    Seance.Statut.ABSENCE_NON_EXCUSEE,
)
ATTESTATION_TEMPLATE = "pdf/attestation_assiduite.html"


class PartTemps(StrEnum):
    """The totals of the attendance certificate: accompaniment, guided personal work, all."""

    ACCOMPAGNEMENT = "accompagnement"
    TRAVAIL_PERSONNEL = "travail_personnel"
    TOTAL = "total"


# --- Details as signed ------------------------------------------------------------------------


def utilisateur_nom_complet(*, user: User | None) -> str:
    """The name a user signs with: full name, else e-mail; empty without a user."""
    if user is None:
        return ""
    return (user.get_full_name() or user.email).strip()


def seance_duree_realisee(*, seance: Seance) -> int:
    """The realised duration in minutes; the planned one when none was recorded (the séance
    took place as planned)."""
    if seance.duree_realisee_minutes is not None:
        return seance.duree_realisee_minutes
    return seance.duree_minutes


def seance_details(*, seance: Seance) -> dict[str, Any]:
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
            "consultant": utilisateur_nom_complet(user=consultant),
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
            "duree_realisee_minutes": seance_duree_realisee(seance=seance),
        }


def details_canoniques(*, details: dict[str, Any]) -> str:
    """Canonical JSON: sorted keys, UTF-8 text kept as is, no spaces."""
    return json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def details_empreinte(*, details: dict[str, Any]) -> str:
    """SHA-256 (hex) of ``details_canoniques(details)`` encoded in UTF-8."""
    return hashlib.sha256(details_canoniques(details=details).encode("utf-8")).hexdigest()


# --- Signatures and requests ------------------------------------------------------------------


def _seances() -> QuerySet[Seance]:
    return Seance.objects.select_related("bilan", "bilan__beneficiaire", "bilan__consultant")


def seance_emargements(*, seance: Seance) -> dict[str, Emargement]:
    """The séance's signatures by role (``beneficiaire``, ``consultant``)."""
    return {e.role: e for e in Emargement.objects.filter(seance=seance)}


def seance_emargee(*, seance: Seance) -> bool:
    """True when both the beneficiary and the consultant have signed the séance."""
    roles = set(Emargement.objects.filter(seance=seance).values_list("role", flat=True))
    return roles >= {Role.BENEFICIAIRE, Role.CONSULTANT}


def seance_modifiee_depuis(*, seance: Seance, emargement: Emargement) -> bool:
    """True when the séance's details no longer match what this signature attested."""
    return details_empreinte(details=seance_details(seance=seance)) != emargement.details_sha256


def seances_a_emarger_pour(*, beneficiaire: Beneficiaire) -> QuerySet[Seance]:
    """Portal list: realised séances of the beneficiary's bilans not yet signed by them.

    Any realised séance can be signed from the portal, with or without a remote request;
    guided personal work never (its proof is the work handed in).
    """
    return (
        _seances()
        .select_related("consultant")
        .filter(bilan__beneficiaire=beneficiaire, statut=Seance.Statut.REALISEE)
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)  # personal work: never an attendance
        .exclude(emargements__role=Role.BENEFICIAIRE)
        .order_by("debut", "pk")
    )


def seances_emargees_par(*, beneficiaire: Beneficiaire) -> QuerySet[Seance]:
    """Séances the beneficiary has already signed, newest first (portal evidence list)."""
    return (
        _seances()
        .select_related("consultant")
        .filter(bilan__beneficiaire=beneficiaire, emargements__role=Role.BENEFICIAIRE)
        .prefetch_related("emargements")
        .distinct()
        .order_by("-debut", "-pk")
    )


def demande_utilisable(*, demande: DemandeEmargement) -> bool:
    """A remote request can still be used: neither used, revoked nor expired."""
    return (
        demande.utilisee_le is None
        and demande.revoquee_le is None
        and demande.expire_le > timezone.now()
    )


def demande_en_cours(*, seance: Seance) -> DemandeEmargement | None:
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
    """The absolute URL of the emailed single-use signing link."""
    path = reverse(
        "lien_emargement:signer",
        kwargs={"organisation_id": organisation.public_id, "token": token},
    )
    return f"{settings.SITE_URL}{path}"


def peut_signer_comme_consultant(*, seance: Seance, user: User | None) -> bool:
    """The consultant who ran the séance signs; without one recorded, a bilan consultant."""
    if user is None:
        return False
    if seance.consultant_id is not None:
        return seance.consultant_id == user.pk
    return acces.est_assigne(user_id=user.pk, bilan=seance.bilan)


# --- Totals and the attendance certificate ----------------------------------------------------


def _minutes_prouvees(seance: Seance, emargements: list[Emargement]) -> int:
    """Realised minutes backed by the signatures: never more than what was signed (a duration
    raised after signing does not count beyond the signed one)."""
    minutes = seance_duree_realisee(seance=seance)
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


def emargement_exige(*, bilan: Bilan) -> bool:
    """Whether the route requires both signatures for a séance to count (all but personnel)."""
    return bilan.financement not in FINANCEMENTS_SANS_EMARGEMENT


def minutes_realisees_financables(*, bilan: Bilan) -> int:
    """Realised minutes that can be claimed from the payer.

    Financed routes (all but ``personnel``): only séances signed by both the beneficiary and
    the consultant, each counted for its realised duration but never more than the signed one.
    ``personnel`` (self-funded, no service-fait control): every realised séance counts, signed
    or not. Route rules on top (e.g. CPF finances accompaniment hours only since 2026-02-26)
    are applied by ``beneficiaires.financement``, not here.
    """
    exige = emargement_exige(bilan=bilan)
    total = 0
    for seance in _seances_attestation(bilan):
        if seance.statut != Seance.Statut.REALISEE:
            continue
        emargements = list(seance.emargements.all())
        if not exige or seance.type == TypeSeance.TRAVAIL_PERSONNEL:
            # Personal work is proved by the work handed in, not by an attendance.
            total += seance_duree_realisee(seance=seance)
        elif _emargee(emargements):
            total += _minutes_prouvees(seance, emargements)
    return total


def heures_minutes(*, minutes: int) -> str:
    """``95`` -> ``"1 h 35"``, ``60`` -> ``"1 h"``, ``0`` -> ``"0 h"`` (the certificate's
    columns, always in hours, unlike ``bilan.core.formatting.duree_fr``)."""
    heures, reste = divmod(int(minutes), 60)
    return f"{heures} h {reste:02d}" if reste else f"{heures} h"


def attestation_contexte(*, bilan: Bilan) -> dict[str, Any]:
    """What the attendance certificate shows: one row per séance, totals by kind."""
    exige = emargement_exige(bilan=bilan)
    lignes: list[dict[str, Any]] = []
    totaux = {part: {"realise": 0, "emarge": 0, "retenu": 0} for part in PartTemps}
    for seance in _seances_attestation(bilan):
        emargements = list(seance.emargements.all())
        par_role = {e.role: e for e in emargements}
        realisee = seance.statut == Seance.Statut.REALISEE
        emargee = realisee and _emargee(emargements)
        duree = seance_duree_realisee(seance=seance) if realisee else 0
        lignes.append(
            {
                "seance": seance,
                "realisee": realisee,
                "duree_realisee": duree,
                "emargee": emargee,
                "signatures": [
                    {
                        "emargement": e,
                        "modifiee": seance_modifiee_depuis(seance=seance, emargement=e),
                    }
                    for e in emargements
                ],
                "manquantes": [
                    str(label)
                    for role, label in Role.choices
                    if realisee
                    and role not in par_role
                    and seance.type != TypeSeance.TRAVAIL_PERSONNEL
                ],
                "duree_realisee_hm": heures_minutes(minutes=duree),
            }
        )
        if not realisee:
            continue
        part = (
            PartTemps.TRAVAIL_PERSONNEL
            if seance.type == TypeSeance.TRAVAIL_PERSONNEL
            else PartTemps.ACCOMPAGNEMENT
        )
        prouvees = _minutes_prouvees(seance, emargements) if emargee else 0
        personnel = seance.type == TypeSeance.TRAVAIL_PERSONNEL
        # Personal work is proved by the work handed in: retained without an attendance.
        retenues = prouvees if exige and not personnel else seance_duree_realisee(seance=seance)
        for cle in (part, PartTemps.TOTAL):
            totaux[cle]["realise"] += seance_duree_realisee(seance=seance)
            totaux[cle]["emarge"] += prouvees
            totaux[cle]["retenu"] += retenues
    totaux_hm = {
        cle: {k: heures_minutes(minutes=v) for k, v in valeurs.items()}
        for cle, valeurs in totaux.items()
    }
    seances_realisees = [ligne["seance"] for ligne in lignes if ligne["realisee"]]
    return {
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "lignes": lignes,
        "totaux": totaux,
        "totaux_hm": totaux_hm,
        "emargement_exige": exige,
        "financable_minutes": totaux[PartTemps.TOTAL]["retenu"],
        "premiere_seance": seances_realisees[0].debut if seances_realisees else None,
        "derniere_seance": seances_realisees[-1].debut if seances_realisees else None,
        "non_emargees": sum(
            1
            for ligne in lignes
            if ligne["realisee"]
            and not ligne["emargee"]
            and ligne["seance"].type != TypeSeance.TRAVAIL_PERSONNEL
        ),
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
    # Heavy optional module, loaded only when a PDF is rendered (pango, harfbuzz: ~0.8 s),
    # like ``bilan.core.pdf`` does.
    from weasyprint import HTML

    context = attestation_contexte(bilan=bilan)
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
    pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, presentational_hints=False)
    return pdf
