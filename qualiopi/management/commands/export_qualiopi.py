"""The evidence export from the command line: the same build as the page's, run synchronously
into a file of the caller's choice (no row, no expiry: the file is the operator's)."""

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from bilan.core.models import Organisation
from qualiopi.services.export import archive_produire, periode_valider


def _jour(valeur: str, option: str) -> date:
    try:
        return date.fromisoformat(valeur)
    except ValueError:
        raise CommandError(
            _("%(option)s : date invalide « %(valeur)s », attendu AAAA-MM-JJ.")
            % {"option": option, "valeur": valeur}
        ) from None


class Command(BaseCommand):
    help = (
        "Construit l'archive des preuves Qualiopi d'un organisme pour une période (index par "
        "critère et indicateur, pièces, sans contenu confidentiel) dans le fichier indiqué."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--organisation",
            metavar="SLUG",
            required=True,
            help="Identifiant court de l'organisme.",
        )
        parser.add_argument(
            "--start",
            metavar="AAAA-MM-JJ",
            required=True,
            help="Premier jour de la période auditée.",
        )
        parser.add_argument(
            "--end",
            metavar="AAAA-MM-JJ",
            required=True,
            help="Dernier jour de la période auditée (inclus).",
        )
        parser.add_argument(
            "--output", metavar="CHEMIN.zip", required=True, help="Fichier ZIP à écrire."
        )
        parser.add_argument(
            "--sample",
            metavar="N",
            type=int,
            default=None,
            help="Tirer N dossiers au hasard au lieu de tous.",
        )
        parser.add_argument(
            "--seed",
            metavar="S",
            type=int,
            default=None,
            help="Graine du tirage (reproductible) ; tirée si absente.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["organisation"]
        organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
        if organisation is None:
            raise CommandError(_("Organisme inconnu ou inactif : « %(slug)s ».") % {"slug": slug})
        debut = _jour(options["start"], "--start")
        fin = _jour(options["end"], "--end")
        try:
            periode_valider(
                debut=debut, fin=fin, echantillon=options["sample"], graine=options["seed"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        sortie = Path(options["output"])
        if sortie.suffix.lower() != ".zip":
            raise CommandError(_("--output : le fichier doit se terminer par .zip."))
        if not sortie.parent.is_dir():
            raise CommandError(
                _("--output : le dossier « %(dossier)s » n'existe pas.")
                % {"dossier": sortie.parent}
            )

        def progression(faites: int, total: int, etape: str) -> None:
            self.stdout.write(f"[{faites}/{total}] {etape}")

        try:
            with sortie.open("wb") as fichier:
                produite = archive_produire(
                    organisation=organisation,
                    debut=debut,
                    fin=fin,
                    echantillon=options["sample"],
                    graine=options["seed"],
                    sortie=fichier,
                    progression=progression,
                )
        except ValidationError as exc:
            sortie.unlink(missing_ok=True)
            raise CommandError(" ".join(exc.messages)) from None
        except OSError as exc:
            sortie.unlink(missing_ok=True)
            raise CommandError(_("Écriture impossible : %(err)s") % {"err": exc}) from None
        if produite.graine is not None:
            self.stdout.write(
                _("Échantillon de %(n)s dossier(s), graine %(graine)s.")
                % {"n": len(produite.references), "graine": produite.graine}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Archive écrite : %(chemin)s (%(n)s fichiers).")
                % {"chemin": sortie.resolve(), "n": produite.resultat.fichiers}
            )
        )
