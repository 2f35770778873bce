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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.utils.functional import Promise

from bilan.core.models import Organisation


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
