"""Benchmark: render a synthèse of at least 10 pages to PDF/A-3u, 5 times.

    cd /work/main && .venv/bin/python -m bench.bench_synthese_pdf [--runs 5] [--write]

Renders ``templates/pdf/synthese.html`` (if it exists; else ``pdf/base.html`` with the text)
through the project's own path (``bilan.core.pdf.render_pdf``: deny-by-default fetcher,
sanitised text, PDF/A-3u) with unsaved model instances, so no database is needed. The text is
realistic French prose, repeated until the PDF has at least 10 pages. The first render (font
and import warm-up) is measured apart; the 5 timed renders are reported as median/min/max and,
with ``--write``, appended to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bilan.settings.base")

import django  # noqa: E402

django.setup()

from django.template.exceptions import TemplateDoesNotExist  # noqa: E402
from django.template.loader import get_template  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from beneficiaires.models import Beneficiaire, Bilan  # noqa: E402
from bilan.core.models import Organisation, User  # noqa: E402
from bilan.core.pdf import render_pdf, sanitize_html  # noqa: E402
from syntheses.models import SECTIONS, EtapePlanAction, Synthese  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
MIN_PAGES = 10

PARAGRAPHES = [
    "Au cours des entretiens, Madame Martin a retracé un parcours de quinze années dans la "
    "logistique, d'abord comme préparatrice de commandes puis comme cheffe d'équipe sur une "
    "plateforme régionale de distribution. Elle souligne le goût de l'organisation, la "
    "capacité à animer une équipe de douze personnes et la gestion des imprévus du quotidien.",
    "Les questionnaires d'intérêts professionnels font ressortir une dominante sociale et "
    "conventionnelle : elle apprécie d'accompagner les autres, de transmettre des méthodes et "
    "de travailler dans un cadre structuré. Les valeurs citées en priorité sont l'utilité, "
    "la reconnaissance du travail bien fait et l'équilibre entre vie professionnelle et "
    "vie personnelle.",
    "L'enquête métier menée auprès de deux formatrices en logistique et d'une responsable de "
    "centre de formation a confirmé l'intérêt du projet : besoins de recrutement réels dans "
    "le bassin d'emploi, accès possible par le titre professionnel de formateur "
    "professionnel d'adultes, et valorisation de son expérience terrain.",
    "Les freins identifiés tiennent à la baisse de revenus pendant la formation et à "
    "l'organisation familiale ; les leviers sont le financement par le CPF complété par "
    "un abondement de l'employeur, une formation en alternance et le soutien de son "
    "entourage. Un plan B, coordinatrice des méthodes, reste ouvert dans son entreprise.",
]


def _instances():
    organisation = Organisation(
        raison_sociale="Cabinet Horizons Compétences",
        slug="bench",
        siret="73282932000074",
        numero_declaration_activite="11755555575",
        qualiopi_numero_certificat="QUALIOPI-2025-0042",
    )
    consultant = User(email="consultante@bench.test", first_name="Claire", last_name="Durand")
    beneficiaire = Beneficiaire(organisation=organisation, prenom="Sophie", nom="Martin")
    bilan = Bilan(
        organisation=organisation,
        beneficiaire=beneficiaire,
        numero="B-2026-0042",
        consultant=consultant,
        date_debut_reelle=dt.date(2026, 3, 2),
        date_fin_reelle=dt.date(2026, 5, 11),
    )
    synthese = Synthese(organisation=organisation, bilan=bilan)
    return organisation, consultant, beneficiaire, bilan, synthese


def _context(repetitions: int):
    organisation, consultant, beneficiaire, bilan, synthese = _instances()
    texte = "".join(f"<p>{p}</p>" for p in PARAGRAPHES) * repetitions
    sections = [
        {"key": key, "label": label, "html": mark_safe(sanitize_html(texte))}  # noqa: S308
        for key, label in SECTIONS
    ]
    plan = [
        EtapePlanAction(
            ordre=i,
            intitule=f"Étape {i} : rencontrer un organisme de formation et comparer les offres",
            echeance=dt.date(2026, 6, i),
            responsable="Sophie Martin",
            ressource_type="formation",
            ressource="Titre professionnel FPA",
            statut="a_faire",
        )
        for i in range(1, 9)
    ]
    context = {
        "synthese": synthese,
        "bilan": bilan,
        "beneficiaire": beneficiaire,
        "consultants": [consultant],
        "date_debut": bilan.date_debut_reelle,
        "date_fin": bilan.date_fin_reelle,
        "heures": {
            "total": "22 h",
            "accompagnement": "18 h",
            "travail_personnel": "4 h",
            "realise": "22 h",
        },
        "sections": sections,
        "plan": plan,
        "comparaison": {"lignes": [], "criteres": [], "rangees": []},
        "ecarts": [],
        "suivi": None,
        "version": None,
        # For the fallback template.
        "content_html": mark_safe("".join(s["html"] for s in sections)),  # noqa: S308
    }
    return organisation, context


def _template() -> str:
    try:
        get_template("pdf/synthese.html")
        return "pdf/synthese.html"
    except TemplateDoesNotExist:
        return "pdf/base.html"  # the base prints ``content_html``: the same text, unstyled


def _render(template: str, repetitions: int) -> bytes:
    organisation, context = _context(repetitions)
    return render_pdf(
        template=template,
        context={**context, "title": "Document de synthèse du bilan de compétences"},
        organisation=organisation,
    )


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    template = _template()

    # Warm-up (import, fonts) and sizing: enough text for >= 10 pages.
    start = time.perf_counter()
    repetitions = 1
    pdf = _render(template, repetitions)
    premier = time.perf_counter() - start
    while _pages(pdf) < MIN_PAGES:
        repetitions += 1
        pdf = _render(template, repetitions)
    pages = _pages(pdf)

    durees = []
    for _ in range(args.runs):
        start = time.perf_counter()
        pdf = _render(template, repetitions)
        durees.append(time.perf_counter() - start)
    mediane, mini, maxi = statistics.median(durees), min(durees), max(durees)
    ligne = (
        f"| {dt.date.today().isoformat()} | {template} | {pages} | {len(pdf) // 1024} Kio | "
        f"{args.runs} | {mediane:.2f} s | {mini:.2f} s | {maxi:.2f} s | {premier:.2f} s | "
        f"{os.cpu_count()} cœurs, {platform.python_implementation()} "
        f"{platform.python_version()} |"
    )
    print(f"template={template} pages={pages} runs={args.runs}")
    print(f"median={mediane:.3f}s min={mini:.3f}s max={maxi:.3f}s first={premier:.3f}s")
    if args.write:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(ligne + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
