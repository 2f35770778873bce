"""Run the outbox by hand or in the embedded default (no Redis, no beat), in-process.

Once: plan the calendar rows, then dispatch what is due. ``--boucle`` (what ``make run``
starts) stands in for beat: it dispatches every minute, and runs the **daily** entries of
``CELERY_BEAT_SCHEDULE`` (the crontab ones: retention purge, expired conventions, daily sweep)
once at start-up, then once a day at their time. The tasks are found by their name in the
schedule and run in this process (``Task.apply``: no broker, no worker), so this engine imports
none of the applications that declare them.
"""

import datetime as dt
import logging
import time
from argparse import ArgumentParser
from collections.abc import Mapping
from functools import partial
from typing import Any

from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from bilan.core.models import Organisation
from bilan.core.tenancy import for_each_organisation
from relances.services import relances_balayage, relances_reclamer

logger = logging.getLogger(__name__)


def _balayer(organisation: Organisation, *, maintenant: dt.datetime) -> int:
    return relances_balayage(organisation=organisation, maintenant=maintenant)


class TachesQuotidiennes:
    """The daily (crontab) entries of a beat schedule, each run in-process when due: at the
    first call, then when its crontab says so since its last run (so once a day)."""

    def __init__(self, *, planning: Mapping[str, Mapping[str, Any]]) -> None:
        self.entrees: dict[str, tuple[str, crontab]] = {
            nom: (entree["task"], entree["schedule"])
            for nom, entree in planning.items()
            if isinstance(entree["schedule"], crontab)
        }
        self.derniere: dict[str, dt.datetime] = {}
        current_app.loader.import_default_modules()  # the apps' tasks.py (autodiscovery)

    def executer(self) -> list[tuple[str, str]]:
        """Run the entries that are due; returns (name, outcome) for each one run. A failure is
        logged and does not stop the others (nor the loop)."""
        faites = []
        for nom, (tache, horaire) in self.entrees.items():
            derniere = self.derniere.get(nom)
            if derniere is not None and not horaire.is_due(derniere).is_due:
                continue
            self.derniere[nom] = timezone.now()
            try:
                resultat = current_app.tasks[tache].apply(throw=True).get()
            except Exception:
                logger.exception("Tâche quotidienne %s en échec", nom)
                faites.append((nom, "échec"))
            else:
                faites.append((nom, str(resultat)))
        return faites


class Command(BaseCommand):
    help = (
        "Planifie les relances du calendrier et envoie celles qui sont dues ; --boucle "
        "recommence chaque minute et lance les tâches quotidiennes (purge R6313-7, "
        "conventions expirées, balayage), comme beat."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--boucle",
            action="store_true",
            help="Recommencer chaque minute, avec les tâches quotidiennes.",
        )

    def handle(self, *args: Any, boucle: bool = False, **options: Any) -> None:
        if not boucle:
            maintenant = timezone.now()
            for_each_organisation(partial(_balayer, maintenant=maintenant))
            envoyees = relances_reclamer(maintenant=maintenant)
            self.stdout.write(f"{envoyees} relance(s) prise(s) en charge.")
            return
        quotidiennes = TachesQuotidiennes(planning=settings.CELERY_BEAT_SCHEDULE)
        while True:
            for nom, resultat in quotidiennes.executer():
                self.stdout.write(f"Tâche quotidienne {nom} : {resultat}")
            envoyees = relances_reclamer(maintenant=timezone.now())
            self.stdout.write(f"{envoyees} relance(s) prise(s) en charge.")
            time.sleep(60)
