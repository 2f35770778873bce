"""The contract between the evidence export and its providers.

A provider (``Fournisseur``) proves one evidence kind of the referential (``preuve``, a code of
``qualiopi/data/<version>.json``): given the export's context it yields the files (``Piece``) that
go in the ZIP, each written as a stream of byte chunks so that the archive is built with bounded
memory. The referential maps evidence kinds to indicators, so a renumbering of the RNQ never
touches a provider. When a provider yields nothing for the period, the index prints its
``absence`` sentence (why there is no proof, e.g. "Aucune réclamation reçue sur la période.").

Providers never put confidential bilan content in a piece: no séance notes, no synthèse text, no
personal work, no questionnaire answer; only metadata, receipts, registers and signed
administrative documents (domain.md §3.3, §9; R6313-7).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.files import File
from django.utils.functional import Promise

from bilan.core.exports import csv_morceaux
from bilan.core.models import Organisation

# Stored files go into the archive this many bytes at a time.
TAILLE_MORCEAU = 64 * 1024


@dataclass(frozen=True)
class ContexteExport:
    """What every provider receives: the organisation (already bound as the tenant), the audit
    window (both days included) and the dossiers in scope: every bilan that overlaps the window,
    or the random sample the administrator asked for (``echantillon`` is then true)."""

    organisation: Organisation
    debut: date
    fin: date
    bilan_ids: tuple[int, ...]
    echantillon: bool = False


@dataclass(frozen=True)
class Piece:
    """One file of the archive. ``nom`` is relative to the evidence kind's folder and may hold
    sub-folders (``dossiers/BC-2026-0042/convention.pdf``); ``contenu`` returns the chunks."""

    nom: str
    titre: str
    contenu: Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class Fournisseur:
    """``titre`` and ``absence`` may be lazy translations: the index renders them (``str()``)
    in the language in force when it is written."""

    preuve: str
    titre: str | Promise
    pieces: Callable[[ContexteExport], Iterator[Piece]]
    absence: str | Promise


def piece_csv(
    *,
    nom: str,
    titre: str,
    entetes: Sequence[str],
    lignes: Callable[[], Iterable[Sequence[object]]] | Sequence[Sequence[object]],
) -> Piece:
    """A CSV piece written in batches (``bilan.core.exports.csv_morceaux``); ``lignes`` may be
    a callable, so that a long register is read only while the archive is written."""
    return Piece(
        nom=nom,
        titre=titre,
        contenu=lambda: csv_morceaux(
            entetes=entetes, lignes=lignes() if callable(lignes) else lignes
        ),
    )


def fichier_morceaux(fichier: File) -> Iterator[bytes]:
    """A stored file, ``TAILLE_MORCEAU`` bytes at a time."""
    with fichier.open("rb") as handle:
        while morceau := handle.read(TAILLE_MORCEAU):
            yield morceau
