"""Smoke run of the export benchmark (bench/bench_export_qualiopi.py, ``--bilans 5``): the same
three subprocesses as the 1 000-bilan measure, on a fresh embedded database."""

import pytest

from bench.bench_export_qualiopi import main


@pytest.mark.slow
def test_bench_export_smoke():
    resultat = main(["--bilans", "5"])
    assert resultat["bilans"] == 5
    assert resultat["pdf"] == 10
    assert resultat["taille_mo"] >= 0
    assert 0 < resultat["rss_pic_mo"] < 300
