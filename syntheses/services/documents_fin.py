"""End-of-bilan documents: the attestation de fin de bilan and the certificat de réalisation.

Both are rendered once to PDF/A through ``bilan.core.signatures.document_emettre`` (kinds
``attestation_fin`` and ``certificat_realisation``, declared in ``syntheses/signatures.py``,
subject = the bilan's public id, signed by the organisation alone), so they are stored with
their SHA-256, versioned, signable in the application, verifiable on ``/verifier/`` and sealed
(PAdES) when the organisation has a certificate.

- **Attestation de fin de bilan** (practice, domain.md §5.3): dates, hours, the statement that
  the three phases (R6313-4) were completed and the synthèse handed over. **No content** of the
  bilan: it may be shown to an employer. Only once the synthèse is handed over (statut
  ``synthese_remise`` or ``clos``).
- **Certificat de réalisation** (the funders' proof, Ministry model, domain.md §2.8): the
  organisation (raison sociale, SIRET, NDA), the beneficiary, the employer if any, the action
  "bilan de compétences (L6313-1 2°)", the period from the real start to the real end, and the
  hours realised by modality (présentiel / distanciel). Hours are those a payer may be claimed:
  ``seances.emargement.minutes_realisees_financables`` (financed routes: séances signed by the
  beneficiary and the consultant, never more than the duration signed), split here by the
  séance's modality. Issued for a bilan that ended (synthèse remise, clos or abandonné: a
  partial realisation is certified too).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.models import Financement, StatutBilan
from beneficiaires.sous_traitance import bilan_contrat_sous_traitance
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.signatures import document_annuler, document_emettre, documents_signes_du_sujet
from seances.models import Emargement, Seance
from seances.selectors.emargement import (
    emargement_exige,
    heures_minutes,
    minutes_realisees_financables,
    seance_duree_realisee,
)

if TYPE_CHECKING:
    from beneficiaires.models import Bilan
    from bilan.core.models import User

KIND_ATTESTATION = "attestation_fin"
KIND_CERTIFICAT = "certificat_realisation"
KINDS = (KIND_ATTESTATION, KIND_CERTIFICAT)
TITRES = {
    KIND_ATTESTATION: gettext_lazy("Attestation de fin de bilan de compétences"),
    KIND_CERTIFICAT: gettext_lazy("Certificat de réalisation"),
}
STATUTS_ATTESTATION = frozenset({StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS})
STATUTS_CERTIFICAT = frozenset(
    {StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS, StatutBilan.ABANDONNE}
)
DISTANCIEL = frozenset({Seance.Modalite.VISIO, Seance.Modalite.TELEPHONE})
INTITULE_ACTION = gettext_lazy("Bilan de compétences (article L6313-1, 2° du code du travail)")


# --- Selectors --------------------------------------------------------------------------------


def documents_fin_lister(*, bilan: Bilan) -> list[SignedDocument]:
    """Every version of both end documents of ``bilan``, by kind then newest first."""
    documents: list[SignedDocument] = []
    for kind in KINDS:
        documents.extend(documents_signes_du_sujet(kind=kind, subject_id=bilan.public_id))
    return documents


def _seances_realisees(bilan: Bilan) -> list[Seance]:
    return list(
        Seance.objects.filter(bilan=bilan, statut=Seance.Statut.REALISEE)
        .prefetch_related(Prefetch("emargements", queryset=Emargement.objects.all()))
        .order_by("debut", "pk")
    )


def bilan_heures_par_modalite(*, bilan: Bilan) -> dict:
    """Claimable realised minutes split by modality: ``{"presentiel", "distanciel", "total",
    "accompagnement", "travail_personnel"}`` (minutes) plus ``*_hm`` strings ("3 h 30").

    Same rule as ``minutes_realisees_financables`` (its total is checked against it): on
    financed routes a séance counts only when signed by both, for at most the duration signed.
    """
    exige = emargement_exige(bilan=bilan)
    minutes = dict.fromkeys(
        ("presentiel", "distanciel", "total", "accompagnement", "travail_personnel"), 0
    )
    for seance in _seances_realisees(bilan):
        emargements = list(seance.emargements.all())
        roles = {e.role for e in emargements}
        if exige and not roles >= {Emargement.Role.BENEFICIAIRE, Emargement.Role.CONSULTANT}:
            continue
        compte = seance_duree_realisee(seance=seance)
        if exige:
            for emargement in emargements:
                signe = emargement.details.get("duree_realisee_minutes")
                if isinstance(signe, int):
                    compte = min(compte, signe)
        minutes["distanciel" if seance.modalite in DISTANCIEL else "presentiel"] += compte
        minutes["accompagnement" if seance.est_accompagnement else "travail_personnel"] += compte
        minutes["total"] += compte
    attendu = minutes_realisees_financables(bilan=bilan)
    if minutes["total"] != attendu:  # the two rules drifted apart: never print a wrong total
        raise ValidationError(_("Le décompte des heures est incohérent : contactez le support."))
    return {**minutes, **{f"{k}_hm": heures_minutes(minutes=v) for k, v in minutes.items()}}


def _periode(bilan: Bilan, seances: list[Seance]) -> tuple[dt.date | None, dt.date | None]:
    debut = bilan.date_debut_reelle
    fin = bilan.date_fin_reelle
    if fin is None and seances:
        fin = timezone.localtime(seances[-1].debut).date()
    return debut, fin


def _synthese_remise_le(bilan: Bilan) -> dt.datetime | None:
    try:
        synthese = bilan.synthese
    except Exception:  # noqa: BLE001  (no synthèse row: the date is simply unknown)
        return None
    return synthese.remise_le


def _sous_traitance(bilan: Bilan) -> dict | None:
    """Rule 27 (R6333-6-2): a CPF bilan run under a sub-contracting contract names it."""
    if bilan.financement != Financement.CPF:
        return None
    contrat = bilan_contrat_sous_traitance(bilan=bilan)
    if contrat is None:
        return None
    return {
        "reference": contrat.st_reference,
        "intervenant": contrat.user.get_full_name() or contrat.user.email,
        "debut": contrat.st_debut,
        "fin": contrat.st_fin,
    }


def attestation_fin_construire_contexte(*, bilan: Bilan) -> dict:
    seances = _seances_realisees(bilan)
    debut, fin = _periode(bilan, seances)
    return {
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "date_debut": debut,
        "date_fin": fin,
        "heures": bilan_heures_par_modalite(bilan=bilan),
        "synthese_remise_le": _synthese_remise_le(bilan),
        "consultant": bilan.consultant,
        "sous_traitance": _sous_traitance(bilan),
    }


def certificat_realisation_construire_contexte(*, bilan: Bilan) -> dict:
    seances = _seances_realisees(bilan)
    debut, fin = _periode(bilan, seances)
    beneficiaire = bilan.beneficiaire
    return {
        "bilan": bilan,
        "beneficiaire": beneficiaire,
        "employeur_nom": beneficiaire.employeur_nom,
        "employeur_siret": beneficiaire.employeur_siret,
        "intitule_action": INTITULE_ACTION,
        "date_debut": debut,
        "date_fin": fin,
        "heures": bilan_heures_par_modalite(bilan=bilan),
        "financement": bilan.get_financement_display(),
        "financeur": bilan.financeur_nom,
        "financeur_reference": bilan.financeur_reference,
        "abandonne": bilan.statut == StatutBilan.ABANDONNE,
        "sous_traitance": _sous_traitance(bilan),
    }


# --- Services ---------------------------------------------------------------------------------


def attestation_fin_manques(*, bilan: Bilan) -> list[str]:
    manques = []
    if bilan.statut not in STATUTS_ATTESTATION:
        manques.append(
            _("L'attestation de fin s'émet une fois la synthèse remise (bilan « %(s)s »).")
            % {"s": bilan.get_statut_display()}
        )
    if bilan.date_debut_reelle is None:
        manques.append(_("La date réelle de début du bilan n'est pas renseignée."))
    return manques


def certificat_realisation_manques(*, bilan: Bilan) -> list[str]:
    manques = []
    if bilan.statut not in STATUTS_CERTIFICAT:
        manques.append(
            _(
                "Le certificat de réalisation s'émet à la fin du bilan (synthèse remise, "
                "clos ou abandonné)."
            )
        )
    if bilan.date_debut_reelle is None:
        manques.append(_("La date réelle de début du bilan n'est pas renseignée."))
    if not bilan.organisation.numero_declaration_activite:
        manques.append(
            _("Renseignez le numéro de déclaration d'activité de l'organisme (page Organisme).")
        )
    return manques


def _emettre(
    *, bilan: Bilan, par: User, kind: str, template: str, context: dict[str, Any]
) -> SignedDocument:
    return document_emettre(
        organisation=bilan.organisation,
        kind=kind,
        title=str(TITRES[kind]),
        subject_id=bilan.public_id,
        beneficiaire=bilan.beneficiaire,
        html_template=template,
        context=context,
        required_roles=[SignatureRole.ORGANISME.value],
        created_by=par,
    )


def _annuler_versions_non_signees(*, bilan: Bilan, kind: str) -> None:
    for document in documents_signes_du_sujet(kind=kind, subject_id=bilan.public_id).filter(
        status__in=[SignedDocument.Status.EMIS, SignedDocument.Status.BROUILLON]
    ):
        document_annuler(document=document)


def attestation_fin_emettre(*, bilan: Bilan, par: User) -> SignedDocument:
    """Issue (a new version of) the attestation de fin de bilan, to be signed by the
    organisation. Refused (French ``ValidationError``, nothing written) before the synthèse is
    handed over. A previous unsigned version is cancelled; a signed one stays."""
    manques = attestation_fin_manques(bilan=bilan)
    if manques:
        raise ValidationError(manques)
    _annuler_versions_non_signees(bilan=bilan, kind=KIND_ATTESTATION)
    return _emettre(
        bilan=bilan,
        par=par,
        kind=KIND_ATTESTATION,
        template="pdf/attestation_fin.html",
        context=attestation_fin_construire_contexte(bilan=bilan),
    )


def certificat_realisation_emettre(*, bilan: Bilan, par: User) -> SignedDocument:
    """Issue (a new version of) the certificat de réalisation, to be signed by the
    organisation. Refused (nothing written) before the end of the bilan or without the
    organisation's NDA."""
    manques = certificat_realisation_manques(bilan=bilan)
    if manques:
        raise ValidationError(manques)
    _annuler_versions_non_signees(bilan=bilan, kind=KIND_CERTIFICAT)
    return _emettre(
        bilan=bilan,
        par=par,
        kind=KIND_CERTIFICAT,
        template="pdf/certificat_realisation.html",
        context=certificat_realisation_construire_contexte(bilan=bilan),
    )
