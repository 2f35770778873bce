"""Run the outbox by hand or in the embedded default (no Redis, no beat): plan the calendar
rows, then dispatch what is due, in-process. ``--boucle`` repeats every minute, like beat."""

import time
from argparse import ArgumentParser

from django.core.management.base import BaseCommand
from django.utils import timezone

from bilan.core.tenancy import for_each_organisation
from relances.services import relances_balayage, relances_reclamer


class Command(BaseCommand):
    help = "Planifie les relances du calendrier et envoie celles qui sont dues."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--boucle", action="store_true", help="Recommencer chaque minute.")

    def handle(self, *args: str, boucle: bool = False, **options: object) -> None:
        while True:
            maintenant = timezone.now()
            for_each_organisation(
                lambda organisation, maintenant=maintenant: relances_balayage(
                    organisation=organisation, maintenant=maintenant
                )
            )
            envoyees = relances_reclamer(maintenant=maintenant)
            self.stdout.write(f"{envoyees} relance(s) prise(s) en charge.")
            if not boucle:
                return
            time.sleep(60)
