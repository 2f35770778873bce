"""Reads for beneficiaries. Every query runs through the tenant-scoped manager."""

from django.db.models import Q, QuerySet

from beneficiaires.models import Beneficiaire, Bilan, Document, StatutBilan
from bilan.core.models import Organisation, SignatureRole, SignedDocument, User
from bilan.core.tenancy import get_for_organisation


def beneficiaire_list(
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


def beneficiaire_count(*, consultant: User | None = None) -> int:
    return beneficiaire_list(consultant=consultant).count()


def beneficiaire_get(*, organisation: Organisation, public_id) -> Beneficiaire:
    """Tenant-aware accessor: 404 unless the beneficiary belongs to ``organisation``."""
    return get_for_organisation(
        Beneficiaire,
        organisation=organisation,
        public_id=public_id,
        queryset=Beneficiaire.objects.select_related("consultant"),
    )


def beneficiaire_email_taken(*, email: str, exclude_pk: int | None = None) -> bool:
    qs = Beneficiaire.objects.filter(email__iexact=email.strip())
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def documents_for(*, beneficiaire: Beneficiaire) -> QuerySet[Document]:
    return Document.objects.filter(beneficiaire=beneficiaire).select_related("depose_par")


def document_get(*, beneficiaire: Beneficiaire, public_id) -> Document:
    """Tenant-aware accessor, further scoped to the beneficiary named in the URL."""
    return get_for_organisation(
        Document,
        organisation=beneficiaire.organisation,
        public_id=public_id,
        queryset=Document.objects.filter(beneficiaire=beneficiaire),
    )


def bilan_get(*, organisation: Organisation, public_id):
    """Tenant-aware accessor for a bilan (the dossier), with what its pages need."""
    from beneficiaires.models import Bilan

    return get_for_organisation(
        Bilan,
        organisation=organisation,
        public_id=public_id,
        queryset=Bilan.objects.select_related("beneficiaire", "consultant", "programme"),
    )


def bilan_list(
    *,
    visibles: QuerySet[Bilan] | None = None,
    search: str = "",
    statut: str = "",
    phase: str = "",
    consultant: User | None = None,
    financement: str = "",
    debut_apres=None,
    debut_avant=None,
):
    """Bilans of the bound organisation, within ``visibles`` (need-to-know, from
    ``beneficiaires.acces.bilans_visibles``) when given, filtered; a consultant's own include
    co-consulting."""
    qs = (visibles if visibles is not None else Bilan.objects.all()).select_related(
        "beneficiaire", "consultant"
    )
    if consultant is not None:
        qs = qs.filter(Q(consultant=consultant) | Q(consultants_associes=consultant)).distinct()
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


def bilan_prochaine_seance(bilan):
    from django.utils import timezone

    from seances.models import Seance

    return (
        Seance.objects.filter(
            bilan=bilan, statut=Seance.Statut.PLANIFIEE, debut__gte=timezone.now()
        )
        .order_by("debut")
        .first()
    )


def bilan_courant(*, beneficiaire: Beneficiaire) -> Bilan | None:
    """The open bilan if there is one, else the latest."""
    bilans = Bilan.objects.filter(beneficiaire=beneficiaire).select_related("consultant")
    ouvert = bilans.exclude(
        statut__in=[StatutBilan.CLOS, StatutBilan.ABANDONNE, StatutBilan.REFUSE]
    ).first()
    return ouvert or bilans.order_by("-created_at").first()


def documents_a_signer(*, beneficiaire: Beneficiaire) -> list[SignedDocument]:
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
