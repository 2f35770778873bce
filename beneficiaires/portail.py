"""What the beneficiary's home shows: where they are, what is expected of them now."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from beneficiaires.models import Beneficiaire, Bilan, StatutBilan
from bilan.core.models import SignatureRole, SignedDocument


def bilan_courant(beneficiaire: Beneficiaire) -> Bilan | None:
    """The open bilan if there is one, else the latest."""
    bilans = Bilan.objects.filter(beneficiaire=beneficiaire).select_related("consultant")
    ouvert = bilans.exclude(
        statut__in=[StatutBilan.CLOS, StatutBilan.ABANDONNE, StatutBilan.REFUSE]
    ).first()
    return ouvert or bilans.order_by("-created_at").first()


def documents_a_signer(beneficiaire: Beneficiaire) -> list[SignedDocument]:
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


def accueil(beneficiaire: Beneficiaire) -> dict:
    """Everything the portal home needs, in one place."""
    from seances import selectors as seances_selectors
    from seances.models import Seance
    from seances.services.emargement import seances_a_emarger_pour
    from seances.services.travail import consignes_du_beneficiaire

    bilan = bilan_courant(beneficiaire)
    context: dict = {"bilan": bilan, "budget": None, "prochaine": None, "a_faire": []}
    if bilan is None:
        return context
    context["budget"] = seances_selectors.budget(bilan=bilan)
    context["prochaine"] = (
        Seance.objects.filter(
            bilan=bilan, statut=Seance.Statut.PLANIFIEE, debut__gte=timezone.now()
        )
        .filter(~Q(type="travail_personnel"))
        .order_by("debut")
        .first()
    )
    a_faire = []
    for document in documents_a_signer(beneficiaire):
        a_faire.append(("synthese" if document.kind == "synthese" else "signer", document.title))
    for seance in seances_a_emarger_pour(beneficiaire):
        a_faire.append(("emarger", seance))
    for ligne in consignes_du_beneficiaire(beneficiaire=beneficiaire):
        if ligne.etat in {"a_faire", "en_retard"}:
            a_faire.append(("travail", ligne))
    context["a_faire"] = a_faire
    return context
