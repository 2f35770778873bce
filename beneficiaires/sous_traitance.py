"""CPF sub-contracting (rule 27; L6323-9-2, R6333-6-2; Qualiopi indicator 27).

A consultant works *in sub-contracting* when their membership carries a written contract
(``Membership.sous_traitant`` and the ``st_*`` mentions, all required by the database), and on
a given day when that day falls within the contract's dates. A bilan is *sub-contracted* when
its referent consultant is a sub-contractor on the bilan's start day (actual, else planned,
else today).

- **No cascade**: a bilan whose referent is a sub-contractor cannot have a sub-contractor
  among its associated consultants (the sub-contractor would hand part of the bilan on to
  another one). A sub-contractor may still be associated to a bilan run by the organisation's
  own consultant (that is direct sub-contracting, not a cascade).
- **Ceiling**: the sub-contracted share of the organisation's CPF turnover of a year (the
  price of the CPF bilans started that year) is shown to the administrators, with a warning
  above 80 % (arrêté of 3 January 2024, [SECONDARY] in domain.md §1.4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Bilan, Financement, StatutBilan
from bilan.core.models import Membership, Organisation, User

PLAFOND_SOUS_TRAITANCE = Decimal("80")


def contrat_en_vigueur(
    *, organisation_id: int, user_id: int | None, jour: dt.date
) -> Membership | None:
    """The membership holding the sub-contracting contract of ``user_id`` in force on ``jour``."""
    if user_id is None:
        return None
    return Membership.objects.filter(
        organisation_id=organisation_id,
        user_id=user_id,
        sous_traitant=True,
        st_debut__lte=jour,
        st_fin__gte=jour,
    ).first()


def jour_de_reference(*, bilan: Bilan) -> dt.date:
    return bilan.date_debut_reelle or bilan.date_debut_prevue or timezone.localdate()


def bilan_contrat_sous_traitance(*, bilan: Bilan) -> Membership | None:
    """The sub-contracting contract under which ``bilan`` is run, if any."""
    return contrat_en_vigueur(
        organisation_id=bilan.organisation_id,
        user_id=bilan.consultant_id,
        jour=jour_de_reference(bilan=bilan),
    )


def affectation_verifier(
    *, organisation: Organisation, consultant: User | None, associes: list[User], jour: dt.date
) -> None:
    """No cascade: refused (``ValidationError`` on ``consultants_associes``) when the referent
    is a sub-contractor on ``jour`` and an associated consultant is one too."""
    if consultant is None or not associes:
        return
    if (
        contrat_en_vigueur(organisation_id=organisation.pk, user_id=consultant.pk, jour=jour)
        is None
    ):
        return
    en_cascade = [
        str(u)
        for u in associes
        if u.pk != consultant.pk
        and contrat_en_vigueur(organisation_id=organisation.pk, user_id=u.pk, jour=jour)
    ]
    if en_cascade:
        raise ValidationError(
            {
                "consultants_associes": _(
                    "%(referent)s intervient en sous-traitance : un·e autre sous-traitant·e "
                    "(%(noms)s) ne peut pas lui être associé·e (pas de sous-traitance en "
                    "cascade, R6333-6-2)."
                )
                % {"referent": consultant, "noms": ", ".join(en_cascade)}
            }
        )


@dataclass(frozen=True, kw_only=True)
class PartSousTraitee:
    """The sub-contracted share of one year's CPF turnover."""

    annee: int
    chiffre_cpf: Decimal
    chiffre_sous_traite: Decimal
    nombre_bilans: int
    nombre_sous_traites: int

    @property
    def pourcentage(self) -> Decimal:
        if not self.chiffre_cpf:
            return Decimal("0")
        return (self.chiffre_sous_traite * 100 / self.chiffre_cpf).quantize(Decimal("0.1"))

    @property
    def depasse_plafond(self) -> bool:
        return self.pourcentage > PLAFOND_SOUS_TRAITANCE


def part_sous_traitee_cpf(*, organisation: Organisation, annee: int) -> PartSousTraitee:
    """The CPF turnover of ``annee``: the price (TTC) of the CPF bilans started that year,
    refused ones left out; and the part run under a sub-contracting contract."""
    bilans = (
        Bilan.objects.filter(
            organisation=organisation,
            financement=Financement.CPF,
            date_debut_reelle__year=annee,
        )
        .exclude(statut=StatutBilan.REFUSE)
        .only("pk", "organisation_id", "consultant_id", "prix_ttc", "date_debut_reelle")
    )
    total = bilans.aggregate(s=Sum("prix_ttc"))["s"] or Decimal("0")
    sous_traites = [b for b in bilans if bilan_contrat_sous_traitance(bilan=b) is not None]
    return PartSousTraitee(
        annee=annee,
        chiffre_cpf=total,
        chiffre_sous_traite=sum((b.prix_ttc or Decimal("0") for b in sous_traites), Decimal("0")),
        nombre_bilans=bilans.count(),
        nombre_sous_traites=len(sous_traites),
    )


def parts_sous_traitees_cpf(
    *, organisation: Organisation, annees: list[int]
) -> list[PartSousTraitee]:
    return [part_sous_traitee_cpf(organisation=organisation, annee=a) for a in annees]
