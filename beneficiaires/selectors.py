"""Reads for beneficiaries. Every query runs through the tenant-scoped manager."""

import datetime as dt
import uuid

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.conventions import DOCUMENTS, TypeDocument, type_document
from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    Document,
    EntretienPrealable,
    Notification,
    QuestionEntretien,
)
from bilan.core.models import Organisation, SignatureRole, SignedDocument, User
from bilan.core.tenancy import get_for_organisation, indice_organisation, parmi


def beneficiaires_lister(
    *,
    visibles: QuerySet[Beneficiaire] | None = None,
    search: str = "",
    consultant: User | None = None,
) -> QuerySet[Beneficiaire]:
    """Beneficiaries of the bound organisation, within ``visibles`` (need-to-know, from
    ``beneficiaires.acces.beneficiaires_visibles``) when given."""
    qs = (visibles if visibles is not None else Beneficiaire.objects.all()).select_related(
        "consultant", "portal_access"
    )
    if consultant is not None:
        qs = qs.filter(consultant=consultant)
    for term in search.split():
        qs = qs.filter(
            Q(nom__icontains=term) | Q(prenom__icontains=term) | Q(email__icontains=term)
        )
    return qs.order_by("nom", "prenom")


def beneficiaire_trouver(*, public_id: str) -> Beneficiaire | None:
    """The bound organisation's beneficiary with this public id, or None (malformed or
    elsewhere): for filters, where an unknown id is a bad filter rather than a 404."""
    try:
        uuid.UUID(public_id)
    except ValueError:
        return None
    return Beneficiaire.objects.filter(public_id=public_id).first()


def beneficiaires_compter(*, consultant: User | None = None) -> int:
    return beneficiaires_lister(consultant=consultant).count()


def beneficiaire_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Beneficiaire:
    """Tenant-aware accessor: 404 unless the beneficiary belongs to ``organisation``."""
    return get_for_organisation(
        Beneficiaire,
        organisation=organisation,
        public_id=public_id,
        queryset=Beneficiaire.objects.select_related("consultant"),
    )


def beneficiaire_email_existe(*, email: str, exclude_pk: int | None = None) -> bool:
    qs = Beneficiaire.objects.filter(email__iexact=email.strip())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def documents_lister(*, beneficiaire: Beneficiaire) -> QuerySet[Document]:
    return Document.objects.filter(beneficiaire=beneficiaire).select_related("depose_par")


def document_obtenir(*, beneficiaire: Beneficiaire, public_id: uuid.UUID | str) -> Document:
    """Tenant-aware accessor, further scoped to the beneficiary named in the URL."""
    return get_for_organisation(
        Document,
        organisation=beneficiaire.organisation,
        public_id=public_id,
        queryset=Document.objects.filter(beneficiaire=beneficiaire),
    )


def bilan_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Bilan:
    """Tenant-aware accessor for a bilan (the dossier), with what its pages need."""
    return get_for_organisation(
        Bilan,
        organisation=organisation,
        public_id=public_id,
        queryset=Bilan.objects.select_related("beneficiaire", "consultant", "programme"),
    )


def bilans_lister(
    *,
    visibles: QuerySet[Bilan] | None = None,
    search: str = "",
    statut: str = "",
    phase: str = "",
    consultant: User | None = None,
    financement: str = "",
    debut_apres: dt.date | None = None,
    debut_avant: dt.date | None = None,
) -> QuerySet[Bilan]:
    """Bilans of the bound organisation, within ``visibles`` (need-to-know, from
    ``beneficiaires.acces.bilans_visibles``) when given, filtered; a consultant's own include
    co-consulting."""
    qs = (
        (visibles if visibles is not None else Bilan.objects.all())
        .select_related("beneficiaire", "consultant")
        # Planner hint on the joined table (see indice_organisation): without it PostgreSQL
        # joins all the organisation's beneficiaries before taking the page.
        .filter(**indice_organisation("beneficiaire"))
    )
    if consultant is not None:
        # A sub-select on the co-consulting table, not a join: the join needed DISTINCT over
        # every selected column, which PostgreSQL sorted on each load (issue 16).
        associes = Bilan.consultants_associes.through.objects.filter(user=consultant)
        qs = qs.filter(Q(consultant=consultant) | parmi("pk", associes.values("bilan_id")))
    if statut:
        qs = qs.filter(statut=statut)
    if phase:
        qs = qs.filter(phase=phase)
    if financement:
        qs = qs.filter(financement=financement)
    if debut_apres:
        qs = qs.filter(date_debut_prevue__gte=debut_apres)
    if debut_avant:
        qs = qs.filter(date_debut_prevue__lte=debut_avant)
    for term in search.split():
        qs = qs.filter(
            Q(beneficiaire__nom__icontains=term)
            | Q(beneficiaire__prenom__icontains=term)
            | Q(beneficiaire__email__icontains=term)
            | Q(numero__icontains=term)
        )
    return qs.order_by("-created_at")


def bilan_courant_obtenir(*, beneficiaire: Beneficiaire) -> Bilan | None:
    """The open bilan if there is one, else the latest."""
    bilans = Bilan.objects.filter(beneficiaire=beneficiaire).select_related("consultant")
    ouvert = bilans.exclude(statut__in=TERMINAUX).first()
    return ouvert or bilans.order_by("-created_at").first()


def documents_a_signer_lister(*, beneficiaire: Beneficiaire) -> list[SignedDocument]:
    """Issued documents still waiting for the beneficiary's signature."""
    documents = (
        SignedDocument.objects.filter(beneficiaire=beneficiaire, status=SignedDocument.Status.EMIS)
        .prefetch_related("signatures")
        .order_by("issued_at")
    )
    return [
        d
        for d in documents
        if SignatureRole.BENEFICIAIRE in d.required_roles
        and not any(s.role == SignatureRole.BENEFICIAIRE for s in d.signatures.all())
    ]


def convention_mentions_manquantes(*, bilan: Bilan) -> list[str]:
    """Each mandatory mention the document would lack, named (R6313-8, L6353-1, L6353-4,
    Qualiopi indicator 10). Texts fixed by the law (phases, handover of the results,
    confidentiality, retention) are part of the template and cannot be missing."""
    kind = type_document(bilan=bilan)
    manques: list[str] = []

    def manque(libelle: str) -> None:
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
    if kind == TypeDocument.CONVENTION_TRIPARTITE:
        beneficiaire = bilan.beneficiaire
        if not beneficiaire.employeur_nom or not beneficiaire.employeur_siret:
            manque(_("employeur (raison sociale et SIRET)"))
        if not bilan.employeur_signataire_nom or not bilan.employeur_signataire_email:
            manque(_("signataire de l'employeur (nom et courriel)"))
    if kind == TypeDocument.CONVENTION and not bilan.financeur_nom:
        manque(_("financeur"))
    return manques


def bilan_documents_lister(*, bilan: Bilan) -> QuerySet[SignedDocument]:
    return (
        SignedDocument.objects.filter(subject_id=bilan.public_id)
        .prefetch_related("signatures")
        .order_by("-version")
    )


def convention_courante_obtenir(*, bilan: Bilan) -> SignedDocument | None:
    kind = type_document(bilan=bilan)
    if kind is None:
        return None
    return (
        SignedDocument.objects.filter(subject_id=bilan.public_id, kind=kind)
        .exclude(status=SignedDocument.Status.ANNULE)
        .order_by("-version")
        .first()
    )


def convention_est_signee_par(*, bilan: Bilan, role: str) -> bool:
    document = convention_courante_obtenir(bilan=bilan)
    return document is not None and document.signatures.filter(role=role).exists()


def contrat_date_signature(*, bilan: Bilan) -> dt.date | None:
    """Date the beneficiary signed the current contract (start of the withdrawal period)."""
    document = convention_courante_obtenir(bilan=bilan)
    if document is None:
        return None
    signature = document.signatures.filter(role=SignatureRole.BENEFICIAIRE).first()
    return timezone.localtime(signature.signed_at).date() if signature else None


def bilan_signatures_manquantes(*, bilan: Bilan) -> list[str]:
    """What the signatures still lack before the bilan can start."""
    kind = type_document(bilan=bilan)
    if kind is None:
        return []
    document = convention_courante_obtenir(bilan=bilan)
    if document is None:
        return [str(DOCUMENTS[kind].pas_emis)]
    signes = set(document.signatures.values_list("role", flat=True))
    return [
        _("Signature attendue : %(role)s.") % {"role": SignatureRole(role).label}
        for role in document.required_roles
        if role not in signes
    ]


# --- Prior interview and the organisation's questions (rule 12) --------------------------------


def questions_actives_lister(*, organisation: Organisation) -> list[QuestionEntretien]:
    """The questions asked in new interviews, in order."""
    return list(QuestionEntretien.objects.filter(organisation=organisation, active=True))


def questions_lister(*, organisation: Organisation) -> QuerySet[QuestionEntretien]:
    """The whole catalogue (active or not), in order, for the administrators."""
    return QuestionEntretien.objects.filter(organisation=organisation)


def question_obtenir(
    *, organisation: Organisation, public_id: uuid.UUID | str
) -> QuestionEntretien:
    return get_for_organisation(QuestionEntretien, organisation=organisation, public_id=public_id)


def entretien_obtenir(
    *, beneficiaire: Beneficiaire, public_id: uuid.UUID | str
) -> EntretienPrealable:
    """One of ``beneficiaire``'s prior interviews (404 otherwise)."""
    return get_for_organisation(
        EntretienPrealable,
        organisation=beneficiaire.organisation,
        public_id=public_id,
        queryset=EntretienPrealable.objects.filter(beneficiaire=beneficiaire),
    )


def entretien_le_plus_recent(*, beneficiaire: Beneficiaire) -> EntretienPrealable | None:
    """The beneficiary's latest prior interview: by its date, then by when it was recorded."""
    return (
        EntretienPrealable.objects.filter(beneficiaire=beneficiaire)
        .order_by("-date", "-created_at", "-pk")
        .first()
    )


# --- Portal notifications ------------------------------------------------------------------------


def notifications_recentes(*, beneficiaire: Beneficiaire, limite: int = 5) -> list[Notification]:
    """The beneficiary's latest notices (organisation bound), newest first."""
    return list(Notification.objects.filter(beneficiaire=beneficiaire)[:limite])


def notifications_non_lues_compter(*, beneficiaire: Beneficiaire) -> int:
    return Notification.objects.filter(beneficiaire=beneficiaire, lue_le__isnull=True).count()


def notification_obtenir(*, beneficiaire: Beneficiaire, public_id: uuid.UUID) -> Notification:
    """One notice of ``beneficiaire`` by public id, or 404 (another person's: 404 too)."""
    return get_for_organisation(
        Notification,
        organisation=beneficiaire.organisation,
        public_id=public_id,
        queryset=Notification.objects.filter(beneficiaire=beneficiaire),
    )
