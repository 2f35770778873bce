"""Questionnaires: the reads (accessors by public id, lists, pages to answer, results as the
pages show them, the material offered to the synthèse). Writes are in
``exploration.services.questionnaires``.

Who may read a result is decided by ``beneficiaires.acces`` in the views (rule 11); the
beneficiary's accessor returns only their own passations, and their result only once released.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import Beneficiaire, Bilan
from bilan.core.charts import barres_svg
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from exploration.instruments import (
    IPIP_BF_50,
    IPIP_NEO_120,
    LIKERT,
    PILES,
    RIASEC_48,
    Carte,
    Instrument,
    Item,
    instrument,
)
from exploration.models import Passation
from seances.models import STATUTS_COMPTES, Seance

LIBELLES_PILES = {
    "tres_important": gettext_lazy("Très important"),
    "important": gettext_lazy("Important"),
    "peu_important": gettext_lazy("Peu important"),
}

RAPPEL = gettext_lazy(
    "Ces résultats décrivent des tendances, à partir de vos réponses d'aujourd'hui. Ils ne "
    "sont ni un diagnostic ni un verdict : c'est un éclairage parmi d'autres, à discuter avec "
    "votre consultant·e et à croiser avec votre expérience."
)


def _qs() -> QuerySet[Passation]:
    return Passation.objects.select_related("bilan", "bilan__beneficiaire", "seance")


def passation_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Passation:
    """Staff accessor (404 outside the organisation); the view then asks ``acces``."""
    return get_for_organisation(
        Passation, organisation=organisation, public_id=public_id, queryset=_qs()
    )


def passation_obtenir_pour_beneficiaire(
    *, organisation: Organisation, beneficiaire: Beneficiaire, public_id: uuid.UUID | str
) -> Passation:
    """Portal accessor: 404 unless the passation is the beneficiary's own."""
    return get_for_organisation(
        Passation,
        organisation=organisation,
        public_id=public_id,
        queryset=_qs().filter(bilan__beneficiaire_id=beneficiaire.pk),
    )


def passations_du_bilan(*, bilan: Bilan) -> list[Passation]:
    return list(_qs().filter(bilan=bilan).order_by("-created_at", "-pk"))


def passations_du_beneficiaire(*, beneficiaire: Beneficiaire) -> list[Passation]:
    return list(_qs().filter(bilan__beneficiaire_id=beneficiaire.pk).order_by("-created_at", "-pk"))


def passations_a_remplir(*, beneficiaire: Beneficiaire) -> list[Passation]:
    """The questionnaires the beneficiary has still to answer (the portal's « à faire »), on
    bilans still running; one query."""
    return list(
        Passation.objects.filter(bilan__beneficiaire_id=beneficiaire.pk)
        .exclude(statut=Passation.Statut.TERMINEE)
        .exclude(bilan__statut__in=TERMINAUX)
        .order_by("created_at", "pk")
    )


def seances_pour_questionnaire(*, bilan: Bilan) -> QuerySet[Seance]:
    """The séances a questionnaire can be linked to: the bilan's, planned or realised."""
    return Seance.objects.filter(bilan=bilan, statut__in=STATUTS_COMPTES).order_by("debut")


def profil_riasec_publie(*, bilan: Bilan) -> str | None:
    """The 3-letter RIASEC code of the bilan's latest released RIASEC result, if any (used to
    suggest fiches métier as ideas to explore)."""
    passation = (
        Passation.objects.filter(
            bilan=bilan,
            instrument=RIASEC_48,
            statut=Passation.Statut.TERMINEE,
            publiee_le__isnull=False,
        )
        .order_by("-publiee_le", "-pk")
        .first()
    )
    if passation is None or not passation.resultat:
        return None
    code = passation.resultat.get("code")
    return str(code) if code else None


# --- Answering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageReponses:
    """One page of the questionnaire in the portal."""

    numero: int  # 1-based
    nombre_pages: int
    items: list[tuple[int, Item, int | None]]  # (question number, item, saved answer)
    cartes: list[tuple[int, Carte, str | None]]
    repondues: int
    total: int

    @property
    def derniere(self) -> bool:
        return self.numero >= self.nombre_pages

    @property
    def premier_numero(self) -> int:
        lignes = self.items or self.cartes
        return lignes[0][0] if lignes else 0

    @property
    def dernier_numero(self) -> int:
        lignes = self.items or self.cartes
        return lignes[-1][0] if lignes else 0

    @property
    def pourcentage(self) -> int:
        return round(100 * self.repondues / self.total) if self.total else 0


def nombre_pages(*, inst: Instrument) -> int:
    return max(1, -(-inst.nombre // inst.par_page))


def page_reponses(*, passation: Passation, numero: int | None) -> PageReponses:
    """The page ``numero`` (1-based; default: the first page with a question unanswered)."""
    inst = instrument(passation.instrument)
    pages = nombre_pages(inst=inst)
    if inst.type == LIKERT:
        reponses = passation.reponses
        repondues = sum(1 for item in inst.items if item.id in reponses)
        premiere_libre = next(
            (i for i, item in enumerate(inst.items) if item.id not in reponses), None
        )
    else:
        piles = passation.reponses.get("piles", {})
        repondues = sum(1 for c in inst.cartes if c.id in piles)
        premiere_libre = next((i for i, c in enumerate(inst.cartes) if c.id not in piles), None)
    if numero is None:
        numero = 1 if premiere_libre is None else premiere_libre // inst.par_page + 1
    numero = min(max(numero, 1), pages)
    debut = (numero - 1) * inst.par_page
    fin = debut + inst.par_page
    items: list[tuple[int, Item, int | None]] = []
    cartes: list[tuple[int, Carte, str | None]] = []
    if inst.type == LIKERT:
        items = [
            (debut + i + 1, item, passation.reponses.get(item.id))
            for i, item in enumerate(inst.items[debut:fin])
        ]
    else:
        piles = passation.reponses.get("piles", {})
        cartes = [
            (debut + i + 1, carte, piles.get(carte.id))
            for i, carte in enumerate(inst.cartes[debut:fin])
        ]
    return PageReponses(
        numero=numero,
        nombre_pages=pages,
        items=items,
        cartes=cartes,
        repondues=repondues,
        total=inst.nombre,
    )


def cartes_tres_importantes(*, passation: Passation) -> list[Carte]:
    inst = instrument(passation.instrument)
    piles = passation.reponses.get("piles", {})
    return [c for c in inst.cartes if piles.get(c.id) == PILES[0]]


def est_complete(*, passation: Passation) -> bool:
    inst = instrument(passation.instrument)
    if inst.type == LIKERT:
        return all(item.id in passation.reponses for item in inst.items)
    piles = passation.reponses.get("piles", {})
    return all(c.id in piles for c in inst.cartes)


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LigneResultat:
    code: str
    libelle: str
    score: int
    minimum: int
    maximum: int
    niveau: str
    texte: str = ""


@dataclass(frozen=True)
class Resultat:
    """A result as the pages show it: chart, table rows, interpretation."""

    instrument: Instrument
    titre_graphique: str
    graphique: SafeString | None
    domaines: list[LigneResultat]
    facettes: dict[str, list[LigneResultat]]
    code: str = ""
    egalite: bool = False
    piles: dict[str, list[Carte]] | None = None
    top: list[Carte] | None = None
    rappel: str = ""

    def __post_init__(self) -> None:
        if not self.rappel:
            object.__setattr__(self, "rappel", str(RAPPEL))


NIVEAUX = {
    "bas": gettext_lazy("plutôt bas"),
    "moyen": gettext_lazy("dans la moyenne"),
    "haut": gettext_lazy("plutôt élevé"),
}


def resultat_afficher(*, passation: Passation, identifiant: str = "resultat") -> Resultat | None:
    """The result of a finished passation, ready for a page (None before completion)."""
    if passation.resultat is None:
        return None
    inst = instrument(passation.instrument)
    data: dict[str, Any] = passation.resultat
    if inst.type != LIKERT:
        cartes = {c.id: c for c in inst.cartes}
        piles = {p: [cartes[i] for i in data["piles"][p] if i in cartes] for p in PILES}
        return Resultat(
            instrument=inst,
            titre_graphique=_("Nombre de valeurs par pile"),
            graphique=barres_svg(
                identifiant=identifiant,
                titre=_("Nombre de valeurs par pile"),
                series=[(str(LIBELLES_PILES[p]), len(piles[p])) for p in PILES],
            ),
            domaines=[],
            facettes={},
            piles=piles,
            top=[cartes[i] for i in data["top"] if i in cartes],
        )
    domaines = []
    for ligne in data["domaines"]:
        echelle = inst.domaine(ligne["code"])
        texte = echelle.textes.get(ligne["niveau"], "") if echelle.textes else ""
        if not texte and echelle.description:
            texte = echelle.description
        domaines.append(
            LigneResultat(
                code=ligne["code"],
                libelle=echelle.libelle,
                score=ligne["score"],
                minimum=ligne["min"],
                maximum=ligne["max"],
                niveau=str(NIVEAUX[ligne["niveau"]]),
                texte=texte,
            )
        )
    facettes: dict[str, list[LigneResultat]] = {}
    descriptions = {f.code: f for f in inst.facettes}
    for ligne in data.get("facettes", []):
        facette = descriptions[ligne["code"]]
        facettes.setdefault(ligne["domaine"], []).append(
            LigneResultat(
                code=ligne["code"],
                libelle=facette.libelle,
                score=ligne["score"],
                minimum=ligne["min"],
                maximum=ligne["max"],
                niveau=str(NIVEAUX[ligne["niveau"]]),
                texte=facette.description,
            )
        )
    maximum = max(d.maximum for d in domaines)
    titre = {
        IPIP_NEO_120: _("Scores des cinq grands domaines (de 24 à 120)"),
        IPIP_BF_50: _("Scores des cinq facteurs (de 10 à 50)"),
        RIASEC_48: _("Scores des six types d'intérêts (de 8 à 40)"),
    }[inst.code]
    return Resultat(
        instrument=inst,
        titre_graphique=titre,
        graphique=barres_svg(
            identifiant=identifiant,
            titre=titre,
            series=[(d.libelle, d.score) for d in domaines],
            maximum=maximum,
            suffixe=f" / {maximum}",
        ),
        domaines=domaines,
        facettes=facettes,
        code=str(data.get("code", "")),
        egalite=bool(data.get("egalite", False)),
    )


def resultat_html_synthese(*, passation: Passation) -> str:
    """A released, agreed result as plain HTML for the synthèse (the editor's allow-list:
    headings, paragraphs and lists, escaped text)."""
    resultat = resultat_afficher(passation=passation)
    if resultat is None:
        return ""
    inst = resultat.instrument
    morceaux = [f"<h4>{escape(inst.nom)}</h4>"]
    if resultat.top is not None and resultat.piles is not None:
        morceaux.append("<p>" + escape(_("Valeurs classées comme les plus importantes :")) + "</p>")
        morceaux.append(
            "<ol>"
            + "".join(f"<li>{escape(c.nom)} : {escape(c.description)}</li>" for c in resultat.top)
            + "</ol>"
        )
    else:
        morceaux.append(
            "<ul>"
            + "".join(
                f"<li>{escape(d.libelle)} : {d.score} / {d.maximum} ({escape(d.niveau)})</li>"
                for d in resultat.domaines
            )
            + "</ul>"
        )
        if resultat.code:
            morceaux.append(
                "<p>" + escape(_("Code RIASEC : %(code)s") % {"code": resultat.code}) + "</p>"
            )
    morceaux.append(f"<p><em>{escape(RAPPEL)}</em></p>")
    return "".join(morceaux)


def passations_pour_synthese(*, bilan: Bilan) -> list[tuple[str, str]]:
    """(label, HTML) of each result released and agreed by the beneficiary for the synthèse,
    oldest first; one query."""
    passations = Passation.objects.filter(
        bilan=bilan,
        statut=Passation.Statut.TERMINEE,
        publiee_le__isnull=False,
        accord_synthese_le__isnull=False,
    ).order_by("terminee_le", "pk")
    return [
        (
            f"{instrument(p.instrument).nom} ({p.terminee_le:%d/%m/%Y})" if p.terminee_le else "",
            resultat_html_synthese(passation=p),
        )
        for p in passations
    ]
