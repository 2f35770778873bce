"""CSV exports: one helper neutralises formula cells (CSV injection), and every export of the
project goes through it."""

import csv
import io
import re
from pathlib import Path

import pytest

from bilan.core.exports import cellule_neutraliser, csv_texte

RACINE = Path(__file__).resolve().parents[2]
APPS = ("bilan", "beneficiaires", "seances", "syntheses", "relances", "enquetes", "espaces")


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_prefixed(valeur, attendu):
    assert cellule_neutraliser(valeur=valeur) == attendu


@pytest.mark.parametrize("valeur", ["Durand", "Camille Durand", "12.5", "", "a=b", "T-00001"])
def test_ordinary_cells_are_unchanged(valeur):
    assert cellule_neutraliser(valeur=valeur) == valeur


def test_none_and_numbers_become_text():
    assert cellule_neutraliser(valeur=None) == ""
    assert cellule_neutraliser(valeur=24) == "24"
    assert cellule_neutraliser(valeur=-3) == "'-3"


def test_csv_text_has_a_bom_and_neutralised_cells():
    texte = csv_texte(entetes=["nom", "=h"], lignes=[["=1+1", "ok"]])
    assert texte.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(texte[1:]), delimiter=";"))
    assert rows == [["nom", "'=h"], ["'=1+1", "ok"]]


def test_no_module_writes_csv_but_the_helper():
    """Every CSV export goes through ``bilan.core.exports``: a new ``csv.writer`` elsewhere
    would skip the neutralisation."""
    ecrivains = re.compile(r"\bcsv\.(writer|DictWriter)\b")
    fautifs = [
        str(path.relative_to(RACINE))
        for app in APPS
        for path in (RACINE / app).rglob("*.py")
        if path != RACINE / "bilan" / "core" / "exports.py"
        and ecrivains.search(path.read_text(encoding="utf-8"))
    ]
    assert fautifs == [], f"Passez par bilan.core.exports : {fautifs}"
