"""Conventions and contracts of a bilan: which document a route needs, its mandatory mentions,
and the state of its signatures. Rendering and signing are the core's (bilan/core/signatures).

- Employer plan and congé de reclassement: tripartite convention (R6313-8), signed by the
  employee, the employer and the organisation.
- OPCO, Transitions Pro, France Travail, other funder: convention (L6353-1, D6353-1).
- Self-funded: contract (L6353-3 and L6353-4), with the 10-day withdrawal right.
- CPF: Mon Compte Formation's terms stand in for the convention (D6353-1 III): no document.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Bilan, Financement, Phase
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.signatures import (
    AUTH_SESSION_EMAIL_CODE,
    AUTH_SESSION_PASSWORD,
    document_issue,
    document_new_version,
    document_sign,
)

TRIPARTITE = {Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT}
FINANCEURS = {
    Financement.OPCO,
    Financement.TRANSITIONS_PRO,
    Financement.FRANCE_TRAVAIL,
    Financement.AUTRE_FINANCEUR,
}

DOCUMENTS = {
    "convention_tripartite": {
        "titre": _("Convention tripartite de bilan de compétences"),
        "roles": [SignatureRole.BENEFICIAIRE, SignatureRole.EMPLOYEUR, SignatureRole.ORGANISME],
    },
    "convention": {
        "titre": _("Convention de bilan de compétences"),
        "roles": [SignatureRole.BENEFICIAIRE, SignatureRole.ORGANISME],
    },
    "contrat": {
        "titre": _("Contrat de bilan de compétences"),
        "roles": [SignatureRole.BENEFICIAIRE, SignatureRole.ORGANISME],
    },
}


def type_document(bilan: Bilan) -> str | None:
    if bilan.financement in TRIPARTITE:
        return "convention_tripartite"
    if bilan.financement in FINANCEURS:
        return "convention"
    if bilan.financement == Financement.PERSONNEL:
        return "contrat"
    return None


def mentions_manquantes(bilan: Bilan) -> list[str]:
    """Each mandatory mention the document would lack, named (R6313-8, L6353-1, L6353-4,
    Qualiopi indicator 10). Texts fixed by the law (phases, handover of the results,
    confidentiality, retention) are part of the template and cannot be missing."""
    kind = type_document(bilan)
    manques = []

    def manque(libelle):
        manques.append(_("Mention manquante : %(m)s.") % {"m": libelle})

    organisation = bilan.organisation
    if not organisation.numero_declaration_activite:
        manque(_("numéro de déclaration d'activité de l'organisme"))
    if not bilan.objectifs.strip():
        manque(_("objectifs du bilan"))
    # ``bilan.seances``: the reverse relation the séances declare, so this app needs no import
    # of the layer above.
    if bilan.programme_id is None and not bilan.seances.exists():
        manque(_("contenu et planning prévisionnel (programme ou séances)"))
    if bilan.heures_prevues <= 0:
        manque(_("durée en heures"))
    if not (bilan.date_debut_prevue and bilan.date_fin_prevue):
        manque(_("période de réalisation (dates de début et de fin)"))
    if not bilan.prix_ttc:
        manque(_("prix"))
    if not bilan.conditions_paiement.strip():
        manque(_("conditions de paiement"))
    if kind == "convention_tripartite":
        beneficiaire = bilan.beneficiaire
        if not beneficiaire.employeur_nom or not beneficiaire.employeur_siret:
            manque(_("employeur (raison sociale et SIRET)"))
        if not bilan.employeur_signataire_nom or not bilan.employeur_signataire_email:
            manque(_("signataire de l'employeur (nom et courriel)"))
    if kind == "convention" and not bilan.financeur_nom:
        manque(_("financeur"))
    return manques


def documents_du_bilan(bilan: Bilan):
    return (
        SignedDocument.objects.filter(subject_id=bilan.public_id)
        .prefetch_related("signatures")
        .order_by("-version")
    )


def document_courant(bilan: Bilan) -> SignedDocument | None:
    kind = type_document(bilan)
    if kind is None:
        return None
    return (
        SignedDocument.objects.filter(subject_id=bilan.public_id, kind=kind)
        .exclude(status=SignedDocument.Status.ANNULE)
        .order_by("-version")
        .first()
    )


def convention_signee_par(bilan: Bilan, role: str) -> bool:
    document = document_courant(bilan)
    return document is not None and document.signatures.filter(role=role).exists()


def contrat_signe_le(bilan: Bilan):
    """Date the beneficiary signed the current contract (start of the withdrawal period)."""
    document = document_courant(bilan)
    if document is None:
        return None
    signature = document.signatures.filter(role=SignatureRole.BENEFICIAIRE).first()
    return timezone.localtime(signature.signed_at).date() if signature else None


def documents_non_signes(bilan: Bilan) -> list[str]:
    """What the signatures still lack before the bilan can start."""
    kind = type_document(bilan)
    if kind is None:
        return []
    document = document_courant(bilan)
    if document is None:
        return [_("%(doc)s n'est pas encore émis(e).") % {"doc": DOCUMENTS[kind]["titre"]}]
    signes = set(document.signatures.values_list("role", flat=True))
    return [
        _("Signature attendue : %(role)s.") % {"role": SignatureRole(role).label}
        for role in document.required_roles
        if role not in signes
    ]


def _contexte(bilan: Bilan) -> dict:
    return {
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "kind": type_document(bilan),
        "seances": bilan.seances.order_by("debut"),  # reverse relation: no import of seances
        "etapes": bilan.programme.etapes.all() if bilan.programme_id else [],
        "phases": Phase.choices,
        "date_emission": timezone.localdate(),
    }


@transaction.atomic
def convention_emettre(*, bilan: Bilan, par) -> SignedDocument:
    """Issue the route's document once every mandatory mention is present (each missing one is
    named). An unsigned previous version is cancelled; a signed one stays as it is and the new
    version is an amendment. For a tripartite convention, issuing starts the employee's 10 days.
    """
    kind = type_document(bilan)
    if kind is None:
        raise ValidationError(
            _(
                "Financement CPF : les conditions de Mon Compte Formation tiennent lieu "
                "de convention."
            )
        )
    manques = mentions_manquantes(bilan)
    if manques:
        raise ValidationError(manques)
    spec = DOCUMENTS[kind]
    courant = document_courant(bilan)
    if courant is not None:
        document = document_new_version(
            document=courant,
            html_template="pdf/convention.html",
            context=_contexte(bilan),
            created_by=par,
        )
    else:
        document = document_issue(
            organisation=bilan.organisation,
            kind=kind,
            title=str(spec["titre"]),
            subject_id=bilan.public_id,
            beneficiaire=bilan.beneficiaire,
            html_template="pdf/convention.html",
            context=_contexte(bilan),
            required_roles=[str(r) for r in spec["roles"]],
            created_by=par,
        )
    if kind == "convention_tripartite":
        Bilan.objects.filter(pk=bilan.pk).update(convention_transmise_le=timezone.localdate())
    return document


def methode_authentification(request) -> str:
    """How the signer proved who they are in this session (for the evidence page)."""
    records = get_authentication_records(request, request.user)
    methods = [r.get("method") for r in records]
    if "code" in methods:
        return AUTH_SESSION_EMAIL_CODE
    return AUTH_SESSION_PASSWORD


def document_signer_en_session(*, document: SignedDocument, role: str, request):
    """Sign as the logged-in user (organisation staff or the beneficiary in the portal)."""
    user = request.user
    signature = document_sign(
        document=document,
        role=role,
        signer_name=user.get_full_name() or user.email,
        signer_email=user.email,
        user=user,
        request=request,
        auth_method=methode_authentification(request),
    )
    if document.kind == "contrat" and role == SignatureRole.BENEFICIAIRE:
        from relances.services import relances_contrat_signe

        bilan = Bilan.objects.filter(public_id=document.subject_id).first()
        if bilan is not None:
            relances_contrat_signe(
                bilan=bilan, signe_le=timezone.localtime(signature.signed_at).date()
            )
    return signature
