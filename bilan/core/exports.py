"""CSV exports, the one way the project writes a spreadsheet file.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula when the file is opened: a
beneficiary named ``=HYPERLINK("http://…","…")`` would put a live link, or worse, in the
admin's spreadsheet (CSV/formula injection, OWASP). Every cell goes through
``cellule_neutraliser``, which prefixes such a value with an apostrophe so it reads as text.
Views build their rows and answer with ``csv_reponse``; no other module calls ``csv.writer``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse

# Characters that make a spreadsheet read a cell as a formula.
DEBUTS_DE_FORMULE = ("=", "+", "-", "@")
# Characters some spreadsheets skip at the start of a cell before looking for a formula.
DEBUTS_IGNORES = ("\t", "\r", "\n")


def cellule_neutraliser(*, valeur: object) -> str:
    """The cell's text, with an apostrophe in front when a spreadsheet would run it."""
    texte = "" if valeur is None else str(valeur)
    if texte.startswith(DEBUTS_IGNORES) or texte.lstrip(" ").startswith(DEBUTS_DE_FORMULE):
        return "'" + texte
    return texte


def csv_texte(
    *, entetes: Sequence[str], lignes: Iterable[Sequence[object]], separateur: str = ";"
) -> str:
    """The CSV text (byte order mark first, so spreadsheets read UTF-8), every cell
    neutralised, headers included."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separateur)
    writer.writerow([cellule_neutraliser(valeur=v) for v in entetes])
    for ligne in lignes:
        writer.writerow([cellule_neutraliser(valeur=v) for v in ligne])
    return "\ufeff" + buffer.getvalue()


def csv_reponse(
    *, nom_fichier: str, entetes: Sequence[str], lignes: Iterable[Sequence[object]]
) -> HttpResponse:
    """A download of ``csv_texte`` named ``nom_fichier``."""
    response = HttpResponse(
        csv_texte(entetes=entetes, lignes=lignes), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    return response


def csv_morceaux(
    *,
    entetes: Sequence[str],
    lignes: Iterable[Sequence[object]],
    separateur: str = ";",
    lot: int = 500,
) -> Iterator[bytes]:
    """``csv_texte`` as a stream of UTF-8 chunks of ``lot`` rows: a large register is written
    into an archive without ever being whole in memory (the Qualiopi evidence export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separateur)
    buffer.write("\ufeff")
    writer.writerow([cellule_neutraliser(valeur=v) for v in entetes])
    for compte, ligne in enumerate(lignes, start=1):
        writer.writerow([cellule_neutraliser(valeur=v) for v in ligne])
        if compte % lot == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    reste = buffer.getvalue()
    if reste:
        yield reste.encode("utf-8")
