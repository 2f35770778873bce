"""``manage.py rome_charger``: load the ROME 4.0 reference (skipped when already loaded)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exploration.services.rome import DOSSIER_ROME, rome_charger


class Command(BaseCommand):
    help = "Charge le ROME 4.0 de France Travail (ignoré si cette version est déjà chargée)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossier", type=Path, default=DOSSIER_ROME)

    def handle(self, *args, **options) -> None:
        debut = time.perf_counter()
        try:
            resultat = rome_charger(dossier=options["dossier"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        duree = time.perf_counter() - debut
        if not resultat.charge:
            self.stdout.write(f"{resultat.version} : déjà chargée, rien à faire.")
            return
        details = ", ".join(f"{k} {v}" for k, v in resultat.compteurs.items())
        self.stdout.write(f"{resultat.version} chargée en {duree:.1f} s ({details}).")
