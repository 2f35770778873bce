"""Issuing the convention or contract of a bilan. Which document a route needs is ruled in
beneficiaires/conventions.py; its mandatory mentions and signatures are read in
beneficiaires/selectors.py; rendering and signing are the core's (bilan/core/signatures); the
kinds and the contract's after-signature follow-up are declared in beneficiaires/signatures.py.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.conventions import DOCUMENTS, TypeDocument, type_document
from beneficiaires.models import Bilan, Phase
from beneficiaires.selectors import convention_courante_obtenir, convention_mentions_manquantes
from bilan.core.models import SignedDocument, User
from bilan.core.signatures import document_emettre, document_nouvelle_version


def _contexte(bilan: Bilan) -> dict[str, Any]:
    return {
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "kind": type_document(bilan=bilan),
        "seances": bilan.seances.order_by("debut"),  # reverse relation: no import of seances
        "etapes": bilan.programme.etapes.all() if bilan.programme is not None else [],
        "phases": Phase.choices,
        "date_emission": timezone.localdate(),
    }


@transaction.atomic
def convention_emettre(*, bilan: Bilan, par: User) -> SignedDocument:
    """Issue the route's document once every mandatory mention is present (each missing one is
    named). An unsigned previous version is cancelled; a signed one stays as it is and the new
    version is an amendment. For a tripartite convention, issuing starts the employee's 10 days.
    """
    kind = type_document(bilan=bilan)
    if kind is None:
        raise ValidationError(
            _(
                "Financement CPF : les conditions de Mon Compte Formation tiennent lieu "
                "de convention."
            )
        )
    manques = convention_mentions_manquantes(bilan=bilan)
    if manques:
        raise ValidationError(manques)
    spec = DOCUMENTS[kind]
    courant = convention_courante_obtenir(bilan=bilan)
    if courant is not None:
        document = document_nouvelle_version(
            document=courant,
            html_template="pdf/convention.html",
            context=_contexte(bilan),
            created_by=par,
        )
    else:
        document = document_emettre(
            organisation=bilan.organisation,
            kind=kind,
            title=str(spec.titre),
            subject_id=bilan.public_id,
            beneficiaire=bilan.beneficiaire,
            html_template="pdf/convention.html",
            context=_contexte(bilan),
            required_roles=[str(r) for r in spec.roles],
            created_by=par,
        )
    if kind == TypeDocument.CONVENTION_TRIPARTITE:
        Bilan.objects.filter(pk=bilan.pk).update(convention_transmise_le=timezone.localdate())
    return document
