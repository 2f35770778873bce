"""Run the outbox by hand or in the embedded default (no Redis, no beat): plan the calendar
rows, then dispatch what is due, in-process. ``--boucle`` repeats every minute, like beat."""

import datetime as dt
import time
from argparse import ArgumentParser
from functools import partial
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from bilan.core.models import Organisation
from bilan.core.tenancy import for_each_organisation
from relances.services import relances_balayage, relances_dispatcher


def _balayer(organisation: Organisation, *, maintenant: dt.datetime) -> int:
    return relances_balayage(organisation=organisation, maintenant=maintenant)


class Command(BaseCommand):
    help = "Planifie les relances du calendrier et envoie celles qui sont dues."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--boucle", action="store_true", help="Recommencer chaque minute.")

    def handle(self, *args: Any, boucle: bool = False, **options: Any) -> None:
        while True:
            maintenant = timezone.now()
            for_each_organisation(partial(_balayer, maintenant=maintenant))
            envoyees = relances_dispatcher(maintenant=maintenant)
            self.stdout.write(f"{envoyees} relance(s) prise(s) en charge.")
            if not boucle:
                return
            time.sleep(60)
