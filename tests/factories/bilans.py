import itertools

from beneficiaires.models import Bilan, Financement, Modalite
from bilan.core.tenancy import tenant_context

_numeros = itertools.count(1)


def bilan_for(beneficiaire, **fields):
    """A bilan of ``beneficiaire``, created with its organisation bound (row-level security).

    Defaults: self-funded, in person, followed by the beneficiary's consultant.
    """
    organisation = beneficiaire.organisation
    values = {
        "numero": f"T-{next(_numeros):05d}",
        "consultant": beneficiaire.consultant,
        "modalite": Modalite.PRESENTIEL,
        "financement": Financement.PERSONNEL,
        **fields,
    }
    with tenant_context(organisation):
        return Bilan.objects.create(organisation=organisation, beneficiaire=beneficiaire, **values)


def programme_for(organisation, *, slug: str = "douze-seances-10-semaines"):
    """A copy of the built-in programme ``slug`` in ``organisation``, through the real service."""
    from beneficiaires.services.programmes import programme_copier_modele

    with tenant_context(organisation):
        return programme_copier_modele(organisation=organisation, slug=slug)
