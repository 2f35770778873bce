"""Benchmark: the Qualiopi evidence export of 1 000 closed bilans with their signed PDFs, wall
time and peak memory (issue 15: under 300 MB).

    .venv/bin/python -m bench.bench_export_qualiopi [--bilans 1000] [--database-url URL]

Three subprocesses, as in production: ``migrate`` (when the database is a fresh embedded SQLite
one, the default), ``seed`` (this module: one organisation, ``--bilans`` closed bilans, each
with a signed convention and a certificat de réalisation stored as PDF files, four séances with
their attendance signatures, a handed-over synthèse and a satisfaction survey; the two PDFs are
rendered once by WeasyPrint and copied, rows are bulk-created under the tenant binding), then
``export`` (this module: ``manage.py export_qualiopi`` for the last twelve months, in a process
that measured its own ``ru_maxrss`` before and after). The export's figure is that process's
peak RSS (the whole Python process: Django, WeasyPrint not loaded) and its growth during the
export. ``--database-url`` takes a migrated PostgreSQL database instead (seed as its owner,
``--export-url`` the application role for the export, under row-level security).

``--bilans 5`` is the smoke mode (``tests/qualiopi/test_bench_export.py``). Results go to
bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
SLUG = "banc-export-qualiopi"
SEANCES_PAR_BILAN = 4


def _environnement(*, dossier: str, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bilan.settings.base",
        "BILAN_DATA_DIR": dossier,
        "PRIVATE_ROOT": str(Path(dossier) / "private"),
        "DATABASE_URL": database_url or f"sqlite:///{dossier}/db.sqlite3",
    }
    env.pop("REDIS_URL", None)
    return env


def _lancer(env: dict[str, str], *args: str) -> str:
    resultat = subprocess.run(  # noqa: S603 - our own modules
        [sys.executable, *args], cwd=RACINE, env=env, check=True, capture_output=True, text=True
    )
    return resultat.stdout


def _rss_mo() -> float:
    """This process's peak resident memory in MiB. ``/proc/self/status`` VmHWM belongs to the
    process's own address space, reset at exec; ``ru_maxrss`` survives exec on Linux and would
    count the parent's size at fork (a pytest process of 400 MB running the smoke test)."""
    try:
        with open("/proc/self/status", encoding="ascii") as statut:  # noqa: PTH123
            for ligne in statut:
                if ligne.startswith("VmHWM:"):
                    return int(ligne.split()[1]) / 1024  # kB
    except OSError:
        pass
    # Elsewhere ru_maxrss, in kibibytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(nombre: int) -> None:
    """Create the dataset (called in its own process by ``main``)."""
    import django  # noqa: PLC0415 - this subcommand sets Django up itself

    django.setup()
    from django.core.files.storage import storages  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from beneficiaires.models import Beneficiaire, Bilan  # noqa: PLC0415
    from bilan.core.models import Membership, Organisation, Role, SignedDocument, User  # noqa: PLC0415
    from bilan.core.pdf import render_pdf  # noqa: PLC0415
    from bilan.core.signatures import sha256_hex  # noqa: PLC0415
    from bilan.core.tenancy import tenant_context  # noqa: PLC0415
    from enquetes.models import Reponse  # noqa: PLC0415
    from seances.models import Emargement, Seance  # noqa: PLC0415
    from syntheses.models import Synthese  # noqa: PLC0415

    organisation, _cree = Organisation.objects.get_or_create(
        slug=SLUG, defaults={"raison_sociale": "Organisme du banc d'essai"}
    )
    admin, _cree = User.objects.get_or_create(email="banc@export.test")
    Membership.objects.get_or_create(user=admin, organisation=organisation, role=Role.ADMIN)
    stockage = storages["private"]
    aujourdhui = timezone.localdate()
    maintenant = timezone.now()
    with tenant_context(organisation):
        modeles = {}
        for kind, titre in (
            ("convention", "Convention de bilan de compétences"),
            ("certificat_realisation", "Certificat de réalisation"),
        ):
            contenu = render_pdf(
                template="pdf/base.html",
                context={"title": titre, "content_html": f"<p>{titre} — banc d'essai.</p>" * 40},
                organisation=organisation,
            )
            nom = stockage.save(
                f"org-{organisation.pk}/documents/modele-{kind}.pdf", _fichier(contenu)
            )
            modeles[kind] = (nom, sha256_hex(contenu), titre)
        beneficiaires = Beneficiaire.objects.bulk_create(
            Beneficiaire(
                organisation=organisation,
                prenom=f"Prénom{i}",
                nom=f"Nom{i}",
                email=f"b{i}@banc.test",
                consultant=admin,
            )
            for i in range(nombre)
        )
        bilans = Bilan.objects.bulk_create(
            Bilan(
                organisation=organisation,
                beneficiaire=beneficiaire,
                numero=f"BANC-{i:05d}",
                consultant=admin,
                modalite="presentiel",
                financement="personnel",
                statut="clos",
                phase="conclusion",
                date_debut_reelle=aujourdhui - dt.timedelta(days=60 + i % 200),
                termine_le=aujourdhui - dt.timedelta(days=1 + i % 50),
            )
            for i, beneficiaire in enumerate(beneficiaires)
        )
        documents = []
        for bilan in bilans:
            for kind, (modele, empreinte, titre) in modeles.items():
                nom = f"org-{organisation.pk}/documents/{uuid.uuid4().hex}.pdf"
                shutil.copyfile(stockage.path(modele), _chemin(stockage.path(nom)))
                documents.append(
                    SignedDocument(
                        organisation=organisation,
                        kind=kind,
                        title=titre,
                        subject_id=bilan.public_id,
                        beneficiaire_id=bilan.beneficiaire_id,
                        version=1,
                        status="signe",
                        issued_pdf=nom,
                        issued_sha256=empreinte,
                        issued_at=maintenant,
                        signed_pdf=nom,
                        signed_sha256=empreinte,
                        signed_at=maintenant,
                        required_roles=["organisme"],
                        created_by=admin,
                    )
                )
        SignedDocument.objects.bulk_create(documents, batch_size=500)
        seances = Seance.objects.bulk_create(
            (
                Seance(
                    organisation=organisation,
                    bilan=bilan,
                    consultant=admin,
                    phase=("preliminaire", "investigation", "investigation", "conclusion")[n],
                    type="entretien",
                    intitule=f"Entretien {n + 1}",
                    debut=maintenant - dt.timedelta(days=90 - 7 * n),
                    duree_minutes=120,
                    duree_realisee_minutes=120,
                    modalite="presentiel",
                    lieu="Bureau 1",
                    statut="realisee",
                )
                for bilan in bilans
                for n in range(SEANCES_PAR_BILAN)
            ),
            batch_size=1000,
        )
        Emargement.objects.bulk_create(
            (
                Emargement(
                    organisation=organisation,
                    seance=seance,
                    role=role,
                    signataire=role,
                    methode="session",
                    signe_le=seance.debut,
                    details={},
                    details_sha256="0" * 64,
                )
                for seance in seances
                for role in ("beneficiaire", "consultant")
            ),
            batch_size=1000,
        )
        Synthese.objects.bulk_create(
            Synthese(
                organisation=organisation,
                bilan=bilan,
                statut="remise",
                remise_le=maintenant,
                remise_mode="En main propre",
            )
            for bilan in bilans
        )
        Reponse.objects.bulk_create(
            Reponse(
                organisation=organisation,
                bilan=bilan,
                kind="chaud",
                token_hash=uuid.uuid4().hex * 2,
                envoyee_le=maintenant,
            )
            for bilan in bilans
        )
    print(json.dumps({"bilans": len(bilans), "pdf": len(documents)}))


def _chemin(chemin: str) -> str:
    Path(chemin).parent.mkdir(parents=True, exist_ok=True)
    return chemin


def _fichier(contenu: bytes):
    from django.core.files.base import ContentFile  # noqa: PLC0415

    return ContentFile(contenu)


def export(sortie: str) -> None:
    """Run the management command in this process and report its memory (called by ``main``)."""
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    fin = timezone.localdate()
    avant = _rss_mo()
    debut = time.monotonic()
    call_command(
        "export_qualiopi",
        organisation=SLUG,
        start=f"{fin - dt.timedelta(days=365):%Y-%m-%d}",
        end=f"{fin:%Y-%m-%d}",
        output=sortie,
        stdout=open(os.devnull, "w"),  # noqa: SIM115, PTH123 - silence the progress lines
    )
    duree = time.monotonic() - debut
    print(
        json.dumps(
            {
                "secondes": round(duree, 1),
                "rss_avant_mo": round(avant, 1),
                "rss_pic_mo": round(_rss_mo(), 1),
                "taille_mo": round(Path(sortie).stat().st_size / 1024 / 1024, 1),
            }
        )
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("etape", nargs="?", default="tout", choices=["tout", "seed", "export"])
    parser.add_argument("--bilans", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--export-url", default=None)
    parser.add_argument("--sortie", default=None)
    args = parser.parse_args(argv)
    if args.etape == "seed":
        seed(args.bilans)
        return {}
    if args.etape == "export":
        export(args.sortie)
        return {}
    with tempfile.TemporaryDirectory(prefix="banc-export-") as dossier:
        env = _environnement(dossier=dossier, database_url=args.database_url)
        if args.database_url is None:
            _lancer(env, "manage.py", "migrate", "--noinput", "-v0")
        debut = time.monotonic()
        semence = json.loads(
            _lancer(env, "-m", "bench.bench_export_qualiopi", "seed", "--bilans", str(args.bilans))
        )
        duree_seed = time.monotonic() - debut
        if args.export_url:
            env = {**env, "DATABASE_URL": args.export_url}
        sortie = str(Path(dossier) / "preuves.zip")
        mesure = json.loads(
            _lancer(env, "-m", "bench.bench_export_qualiopi", "export", "--sortie", sortie)
        )
    resultat = {
        **semence,
        **mesure,
        "seed_secondes": round(duree_seed, 1),
        "base": "PostgreSQL" if args.database_url else "SQLite (défaut embarqué)",
        "machine": f"{os.cpu_count()} cœurs, {platform.python_implementation()} "
        f"{platform.python_version()}, charge {os.getloadavg()[0]:.1f}",
    }
    croissance = resultat["rss_pic_mo"] - resultat["rss_avant_mo"]
    print(
        f"export_qualiopi, {resultat['bilans']} bilans clos, {resultat['pdf']} PDF "
        f"({resultat['base']}) : {resultat['secondes']} s, pic de mémoire "
        f"{resultat['rss_pic_mo']} Mo (dont {croissance:.1f} "
        f"Mo pendant l'export), archive {resultat['taille_mo']} Mo ; {resultat['machine']}"
    )
    return resultat


if __name__ == "__main__":
    main()
