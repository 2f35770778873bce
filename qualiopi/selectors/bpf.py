"""The bilan de compétences figures of the *bilan pédagogique et financier* (BPF, Cerfa 10443)
for one calendar year (the accounting year of most providers), computed from the data.

Our reading (README, « Choix de conception »):

- **bénéficiaires accueillis**: the bilans with at least one séance realised in the year, counted
  once per person on each line (a person with two bilans counts once); by the person's status
  (``Beneficiaire.statut``) and by the bilan's financing route;
- **heures**: the realised duration of those séances in the year (accompaniment and guided
  personal work, as the BPF counts hours followed);
- **produits** by funder origin: for a self-funded bilan, the payments recorded with a date in
  the year (money received); for a funded route, the dossier's price × its completion rate
  (realised / planned hours, rule 24, capped at 100 %) for the bilans that ended (handed over,
  closed or abandoned) in the year: what the funder pays for the service done (CPF and OPCO pay
  pro rata of the hours realised). Prices are taken as entered (bilans are exempt from VAT as
  continuing vocational training, art. 261-4-4° CGI, so the price with VAT is the price
  without).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as gettext_
from django.utils.translation import gettext_lazy as _

from beneficiaires.cycle import FINIS
from beneficiaires.models import Bilan, Financement, Paiement, StatutBeneficiaire, StatutBilan
from bilan.core.models import Organisation
from seances.models import Seance

# Funder origin (BPF, cadre C « origine des produits ») of each financing route.
ORIGINES: dict[str, tuple[str, object]] = {
    Financement.PLAN_EMPLOYEUR: ("entreprises", _("Entreprises (pour leurs salarié·es)")),
    Financement.CONGE_RECLASSEMENT: ("entreprises", _("Entreprises (pour leurs salarié·es)")),
    Financement.OPCO: ("opco", _("Opérateurs de compétences (OPCO)")),
    Financement.TRANSITIONS_PRO: ("transitions_pro", _("Transitions Pro (CPIR)")),
    Financement.CPF: ("cpf", _("Caisse des dépôts et consignations (CPF)")),
    Financement.FRANCE_TRAVAIL: ("france_travail", _("France Travail (pouvoirs publics)")),
    Financement.PERSONNEL: ("particuliers", _("Particuliers à leurs propres frais")),
    Financement.AUTRE_FINANCEUR: ("autres", _("Autres financeurs")),
}
ORDRE_ORIGINES = (
    "entreprises",
    "opco",
    "transitions_pro",
    "cpf",
    "france_travail",
    "particuliers",
    "autres",
)


@dataclass(frozen=True)
class LigneBpf:
    code: str
    libelle: str
    beneficiaires: int
    heures: Decimal


@dataclass(frozen=True)
class Bpf:
    annee: int
    par_statut: tuple[LigneBpf, ...]
    par_financement: tuple[LigneBpf, ...]
    produits: tuple[tuple[str, str, Decimal], ...]
    beneficiaires: int
    heures: Decimal
    total_produits: Decimal


def _heures(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _lignes(
    choix: list[tuple[str, Any]],
    personnes: dict[str, set[int]],
    minutes: dict[str, int],
) -> tuple[LigneBpf, ...]:
    return tuple(
        LigneBpf(
            code=code,
            libelle=str(libelle),
            beneficiaires=len(personnes[code]),
            heures=_heures(minutes[code]),
        )
        for code, libelle in choix
        if personnes[code]
    )


def bpf_annee(*, organisation: Organisation, annee: int) -> Bpf:
    """The BPF figures of the bilan category for ``annee`` (module docstring: our reading)."""
    debut, fin = dt.date(annee, 1, 1), dt.date(annee, 12, 31)
    seances = (
        Seance.objects.filter(
            organisation_id=organisation.pk,
            statut=Seance.Statut.REALISEE,
            debut__date__gte=debut,
            debut__date__lte=fin,
        )
        .select_related("bilan", "bilan__beneficiaire")
        .only(
            "duree_minutes",
            "duree_realisee_minutes",
            "bilan__financement",
            "bilan__beneficiaire_id",
            "bilan__beneficiaire__statut",
        )
    )
    personnes_statut: dict[str, set[int]] = defaultdict(set)
    personnes_route: dict[str, set[int]] = defaultdict(set)
    minutes_statut: dict[str, int] = defaultdict(int)
    minutes_route: dict[str, int] = defaultdict(int)
    toutes: set[int] = set()
    total = 0
    for seance in seances:
        minutes = (
            seance.duree_realisee_minutes
            if seance.duree_realisee_minutes is not None
            else seance.duree_minutes
        )
        personne = seance.bilan.beneficiaire_id
        statut, route = seance.bilan.beneficiaire.statut, seance.bilan.financement
        personnes_statut[statut].add(personne)
        personnes_route[route].add(personne)
        minutes_statut[statut] += minutes
        minutes_route[route] += minutes
        toutes.add(personne)
        total += minutes

    produits: dict[str, Decimal] = defaultdict(Decimal)
    payes = Paiement.objects.filter(
        organisation_id=organisation.pk,
        bilan__financement=Financement.PERSONNEL,
        date__gte=debut,
        date__lte=fin,
    ).aggregate(total=Sum("montant"))["total"] or Decimal("0")
    produits["particuliers"] += payes
    finances = Bilan.objects.filter(
        organisation_id=organisation.pk, prix_ttc__isnull=False
    ).exclude(financement=Financement.PERSONNEL)
    termines = [
        b
        for b in finances.filter(statut__in=[*FINIS, StatutBilan.ABANDONNE])
        if debut <= (b.date_fin_reelle or b.termine_le or dt.date.min) <= fin
    ]
    realise = _minutes_realisees([b.pk for b in termines])
    for bilan in termines:
        prevues = (bilan.heures_accompagnement + bilan.heures_travail_personnel) * 60
        taux = min(Decimal(realise.get(bilan.pk, 0)) / prevues, Decimal(1)) if prevues else 1
        assert bilan.prix_ttc is not None
        produits[ORIGINES[bilan.financement][0]] += bilan.prix_ttc * taux
    libelles = {code: str(libelle) for code, libelle in ORIGINES.values()}
    lignes_produits = tuple(
        (code, libelles[code], produits[code].quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        for code in ORDRE_ORIGINES
    )
    return Bpf(
        annee=annee,
        par_statut=_lignes(StatutBeneficiaire.choices, personnes_statut, minutes_statut),
        par_financement=_lignes(Financement.choices, personnes_route, minutes_route),
        produits=lignes_produits,
        beneficiaires=len(toutes),
        heures=_heures(total),
        total_produits=sum((montant for _c, _l, montant in lignes_produits), Decimal("0.00")),
    )


def _minutes_realisees(bilan_ids: list[int]) -> dict[int, int]:
    minutes: dict[int, int] = defaultdict(int)
    for seance in Seance.objects.filter(bilan_id__in=bilan_ids, statut=Seance.Statut.REALISEE).only(
        "bilan_id", "duree_minutes", "duree_realisee_minutes"
    ):
        minutes[seance.bilan_id] += (
            seance.duree_realisee_minutes
            if seance.duree_realisee_minutes is not None
            else seance.duree_minutes
        )
    return minutes


def bpf_lignes_csv(*, bpf: Bpf) -> tuple[list[str], list[list[object]]]:
    """The BPF as one CSV table: section, line, beneficiaries, hours, amount."""
    entetes = [
        gettext_("Année"),
        gettext_("Cadre"),
        gettext_("Ligne"),
        gettext_("Bénéficiaires"),
        gettext_("Heures"),
        gettext_("Montant (€)"),
    ]
    statut, financement, produits = (
        gettext_("Statut"),
        gettext_("Financement"),
        gettext_("Produits"),
    )
    lignes: list[list[object]] = []
    for ligne in bpf.par_statut:
        lignes.append([bpf.annee, statut, ligne.libelle, ligne.beneficiaires, ligne.heures, ""])
    for ligne in bpf.par_financement:
        lignes.append(
            [bpf.annee, financement, ligne.libelle, ligne.beneficiaires, ligne.heures, ""]
        )
    total = gettext_("Total")
    lignes.append(
        [bpf.annee, total, gettext_("Bilans de compétences"), bpf.beneficiaires, bpf.heures, ""]
    )
    for _code, libelle, montant in bpf.produits:
        lignes.append([bpf.annee, produits, libelle, "", "", montant])
    lignes.append([bpf.annee, produits, total, "", "", bpf.total_produits])
    return entetes, lignes
