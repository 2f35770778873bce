"""Mutation testing of the rule modules (issue 18): ``make mutation [MODULE=…]``.

Runs mutmut (configured in pyproject.toml, ``[tool.mutmut]``) on one module's functions, or on
every module in turn, serially (``--max-children 1``: the tests share one test database), then
prints, per module, the mutants, killed, survived, timeouts and the survivors' names (see them
with ``.venv/bin/mutmut show <name>``). Results are recorded by hand in tests/MUTATION.md.

The test database and Redis db are the suite's: ``TEST_DATABASE_NAME`` and ``REDIS_URL`` from
the environment (defaults of bilan.settings.test otherwise). The exit code says whether mutmut
ran (and tested every mutant), never the score: CI's smoke run (``MODULE=cycle``) relies on it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"  # beside the interpreter running this

# Module -> the mutant names (mutmut globs: ``<module>.x_<function>__mutmut_<n>``) it covers.
MODULES: dict[str, list[str]] = {
    # Financing rules (L6323-6 and following, R6313-5, L6353-6): the whole rule module.
    "financement": ["beneficiaires.financement.*"],
    # The 24 hours (L6313-4): the rule module, the one check, the save under the database's
    # cap, and the count.
    "budget": [
        "beneficiaires.budget.*",
        "seances.services.seances.x_budget_verifier__mutmut_*",
        "seances.services.seances.x_seance_enregistrer_sous_budget__mutmut_*",
        "seances.selectors.seances.x_bilan_minutes_comptees__mutmut_*",
    ],
    # The smallest: the order of the phases (CI's smoke run).
    "cycle": ["beneficiaires.cycle.*"],
    # Phase gates (R6313-4, rules 05, 06 and 13): the order of the phases, changing phase,
    # handing over, and closing (the service, what still prevents it, the séances' side).
    "phases": [
        "beneficiaires.cycle.*",
        "seances.services.phases.*",
        "seances.selectors.seances.x_bilan_conclusion_a_un_entretien__mutmut_*",
        "seances.selectors.phases.*",
        "syntheses.services.cloture.*",
        "syntheses.selectors.x_bilan_manques_cloture__mutmut_*",
    ],
    # Retention (R6313-7): the conservation status and the purge of one dossier, with their
    # helpers (the nightly loop over the dossiers, ``bilans_purger``, is left out).
    "retention": [
        f"syntheses.services.retention.x_{fonction}__mutmut_*"
        for fonction in (
            "_plus_annees",
            "bilan_date_cloture",
            "_synthese",
            "_exceptions",
            "bilan_statut_conservation",
            "_supprimer_fichiers_apres_commit",
            "_documents_synthese",
            "_autres_bilans_ouverts",
            "_entretiens_a_vider",
            "bilan_purger",
            "_bilan_purger",
        )
    ],
    # The outbox claim: claiming with a lease, handing over, releasing; then the send batch:
    # taking it under the lease (attempts counted), renewing, marking each row sent.
    "relances": [
        f"relances.services.x_{fonction}__mutmut_*"
        for fonction in (
            "bail",
            "_reclamer_lot",
            "_liberer",
            "_publier",
            "relances_reclamer",
            "_finir",
            "relances_prendre",
            "relance_reprendre",
            "_prolonger",
            "relance_envoyer",
            "relances_envoyer_lot",
        )
    ],
    # Qualiopi's result indicators (RNQ indicator 2 for bilans; domain §9): completion,
    # abandonment, follow-up in its window, satisfaction, and what the page and CSV show.
    "qualiopi": ["qualiopi.selectors.resultats.*"],
}
ORDRE = ["budget", "retention", "relances", "phases", "financement", "qualiopi"]

STATUTS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "type check",
    None: "not checked",
}


def resultats(*, globs: list[str]) -> dict[str, str]:
    """Every mutant matching ``globs``, with its status, read from mutmut's ``.meta`` files."""
    statuts: dict[str, str] = {}
    for meta in sorted((RACINE / "mutants").rglob("*.py.meta")):
        for nom, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if any(fnmatch.fnmatch(nom, g) for g in globs):
                statuts[nom] = STATUTS.get(code, "suspicious")
    return statuts


def lancer(*, module: str) -> int:
    """Run mutmut on ``module``'s mutants; print its figures. Returns mutmut's exit code."""
    globs = MODULES[module]
    print(f"== mutation : {module} ==", flush=True)
    code = subprocess.call([str(MUTMUT), "run", "--max-children", "1", *globs], cwd=RACINE)
    statuts = resultats(globs=globs)
    compte = Counter(statuts.values())
    total = len(statuts)
    tues = compte["killed"] + compte["timeout"]
    score = 100 * tues / total if total else 0.0
    print(
        f"{module}: {total} mutants, {compte['killed']} tués, {compte['survived']} survivants, "
        f"{compte['timeout']} timeouts, {compte['no tests']} sans test, "
        f"{compte['not checked']} non testés : {score:.1f} %"
    )
    for nom in sorted(n for n, s in statuts.items() if s not in ("killed", "timeout")):
        print(f"  {statuts[nom]:<12} {nom}")
    if code == 0 and (not total or compte["not checked"]):
        return 1
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("module", nargs="?", default="all", choices=["all", *MODULES])
    args = parser.parse_args()
    modules = ORDRE if args.module == "all" else [args.module]
    codes = [lancer(module=m) for m in modules]
    return max(codes, key=abs) if any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
