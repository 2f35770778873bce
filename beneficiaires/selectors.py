"""Reads for beneficiaries. Every query runs through the tenant-scoped manager."""

from django.db.models import Q, QuerySet

from bilan.core.models import Organisation, User
from bilan.core.tenancy import get_for_organisation

from .models import Beneficiaire, Document


def beneficiaire_list(
    *, search: str = "", consultant: User | None = None
) -> QuerySet[Beneficiaire]:
    qs = Beneficiaire.objects.select_related("consultant", "portal_access")
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
    from .models import Bilan

    return get_for_organisation(
        Bilan,
        organisation=organisation,
        public_id=public_id,
        queryset=Bilan.objects.select_related("beneficiaire", "consultant", "programme"),
    )
