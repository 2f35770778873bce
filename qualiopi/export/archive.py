"""The evidence export's engine: asks each provider for its pieces in the referential's order
and writes them, with the ``index.html`` that navigates them, into a ZIP **as a stream**.

Memory stays bounded whatever the number of dossiers: each piece is written chunk by chunk
through ``ZipFile.open(name, "w", force_zip64=True)`` (a signed PDF is never read whole, a
register is written 500 rows at a time); only the list of file names (for the index) grows with
the dossiers. The engine binds the organisation (``tenant_context``) around each provider's
listing and around each piece it writes, so every read runs under row-level security, and
between two pieces it calls ``progression`` outside any transaction: the caller commits the
progress row in its own short transaction, which the page polls.

Layout: one folder per evidence kind (``conventions_signees/BC-2026-0042-convention-v1.pdf``),
written once even when the kind proves several indicators; the index links each indicator to
its kinds' files, or prints the provider's absence sentence, or why the indicator does not
apply to bilans de compétences (``motif_exclusion``). Pieces administratives come last.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from bilan.core.tenancy import tenant_context
from qualiopi.export.pieces import ContexteExport, Fournisseur, Piece
from qualiopi.referentiel import PREUVE_ADMINISTRATIVE, Referentiel

NOM_INDEX = "index.html"
# The progress row is written at most this often (seconds) within a provider.
INTERVALLE_PROGRESSION = 1.0

Progression = Callable[[int, int, str], None]


@dataclass
class Fichier:
    chemin: str
    titre: str


@dataclass
class PreuveProduite:
    code: str
    libelle: str
    fournisseur: Fournisseur | None
    fichiers: list[Fichier] = field(default_factory=list)

    @property
    def absence(self) -> str:
        if self.fournisseur is None:
            return _(
                "L'application ne produit pas encore cette preuve : l'organisme la joint "
                "lui-même au dossier d'audit."
            )
        return str(self.fournisseur.absence)


@dataclass(frozen=True)
class ResultatArchive:
    fichiers: int
    preuves: dict[str, PreuveProduite]


def ordre_des_preuves(referentiel: Referentiel) -> list[str]:
    """Evidence kinds in the order the referential first asks for them (indicators applying to
    bilans, by number), the administrative pieces last."""
    ordre: list[str] = []
    for indicateur in sorted(referentiel.indicateurs_bilan(), key=lambda i: i.numero):
        for preuve in indicateur.preuves:
            if preuve not in ordre and preuve != PREUVE_ADMINISTRATIVE:
                ordre.append(preuve)
    ordre.append(PREUVE_ADMINISTRATIVE)
    return ordre


def fournisseurs_ordonnes(
    *, referentiel: Referentiel, fournisseurs: Sequence[Fournisseur]
) -> list[Fournisseur]:
    """The catalogue's providers in the referential's order; a provider of a kind this
    version of the referential does not name is skipped (its evidence proves nothing here)."""
    rang = {code: i for i, code in enumerate(ordre_des_preuves(referentiel))}
    return sorted((f for f in fournisseurs if f.preuve in rang), key=lambda f: rang[f.preuve])


def _unique(chemin: str, pris: set[str]) -> str:
    if chemin not in pris:
        return chemin
    racine, point, extension = chemin.rpartition(".")
    if not point:
        racine, extension = chemin, ""
    numero = 2
    while True:
        candidat = f"{racine}-{numero}.{extension}" if point else f"{racine}-{numero}"
        if candidat not in pris:
            return candidat
        numero += 1


def _ecrire(zf: zipfile.ZipFile, chemin: str, morceaux: Callable[[], object]) -> None:
    info = zipfile.ZipInfo(chemin, date_time=timezone.localtime().timetuple()[:6])
    # PDFs are already compressed: storing them saves time and gains nothing to lose.
    info.compress_type = zipfile.ZIP_STORED if chemin.endswith(".pdf") else zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as destination:
        for morceau in morceaux():  # type: ignore[attr-defined]
            destination.write(morceau)


def archive_ecrire(
    *,
    sortie: IO[bytes],
    contexte: ContexteExport,
    referentiel: Referentiel,
    fournisseurs: Sequence[Fournisseur],
    references: Sequence[str],
    graine: int | None,
    progression: Progression,
    genere_le: datetime | None = None,
) -> ResultatArchive:
    """Write the whole archive into ``sortie`` (a binary file opened for writing). Must run
    outside any transaction for the progress to be seen while it runs (the caller's
    ``progression`` commits its own)."""
    organisation = contexte.organisation
    ordonnes = fournisseurs_ordonnes(referentiel=referentiel, fournisseurs=fournisseurs)
    par_code = {f.preuve: f for f in ordonnes}
    preuves = {
        code: PreuveProduite(
            code=code, libelle=referentiel.preuves.get(code, code), fournisseur=par_code.get(code)
        )
        for code in ordre_des_preuves(referentiel)
    }
    total = len(ordonnes) + 1
    pris: set[str] = {NOM_INDEX}
    nombre = 0
    with zipfile.ZipFile(sortie, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for rang, fournisseur in enumerate(ordonnes):
            titre = str(fournisseur.titre)
            progression(rang, total, titre)
            with tenant_context(organisation):
                pieces: list[Piece] = list(fournisseur.pieces(contexte))
            dernier = time.monotonic()
            for numero, piece in enumerate(pieces, start=1):
                chemin = _unique(f"{fournisseur.preuve}/{piece.nom}", pris)
                pris.add(chemin)
                with tenant_context(organisation):
                    _ecrire(zf, chemin, piece.contenu)
                preuves[fournisseur.preuve].fichiers.append(Fichier(chemin, str(piece.titre)))
                nombre += 1
                if time.monotonic() - dernier >= INTERVALLE_PROGRESSION:
                    progression(rang, total, f"{titre} ({numero} / {len(pieces)})")
                    dernier = time.monotonic()
        progression(total - 1, total, _("Index de l'archive"))
        index = index_rendre(
            contexte=contexte,
            referentiel=referentiel,
            preuves=preuves,
            references=references,
            graine=graine,
            genere_le=genere_le or timezone.now(),
        )
        _ecrire(zf, NOM_INDEX, lambda: [index.encode("utf-8")])
    progression(total, total, _("Terminé"))
    return ResultatArchive(fichiers=nombre + 1, preuves=preuves)


def index_rendre(
    *,
    contexte: ContexteExport,
    referentiel: Referentiel,
    preuves: dict[str, PreuveProduite],
    references: Sequence[str],
    graine: int | None,
    genere_le: datetime,
) -> str:
    """The archive's self-contained ``index.html`` (inline CSS, relative links only)."""
    criteres = []
    for critere in referentiel.criteres:
        indicateurs = []
        for indicateur in referentiel.indicateurs_du_critere(critere.numero):
            indicateurs.append(
                {
                    "indicateur": indicateur,
                    "preuves": [preuves[code] for code in indicateur.preuves if code in preuves]
                    if indicateur.bilan
                    else [],
                }
            )
        criteres.append({"critere": critere, "indicateurs": indicateurs})
    return render_to_string(
        "qualiopi/export/index.html",
        {
            "organisation": contexte.organisation,
            "contexte": contexte,
            "referentiel": referentiel,
            "criteres": criteres,
            "preuves": [p for code, p in preuves.items() if code != PREUVE_ADMINISTRATIVE],
            "administratif": preuves.get(PREUVE_ADMINISTRATIVE),
            "references": references,
            "graine": graine,
            "genere_le": genere_le,
        },
    )
