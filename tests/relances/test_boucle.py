"""The embedded loop of ``make run`` (``relances_envoyer --boucle``) stands in for beat: besides
the outbox every minute, it runs the daily tasks (R6313-7 purge, expired conventions, daily
sweep) in-process, at start-up then once a day at their time, never more."""

import datetime as dt
import io
import types
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from beneficiaires.models import Bilan, EntretienPrealable
from bilan.core.tenancy import tenant_context
from relances.management.commands import relances_envoyer
from syntheses.models import Purge
from tests.factories.bilans import bilan_for

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db

QUOTIDIENNES = (
    "purger-bilans-clos",
    "purger-preuves",
    "refuser-conventions-expirees",
    "relances-balayage-quotidien",
    "qualiopi-expirer-exports",
)
HORAIRE = {"qualiopi-expirer-exports": 1}  # hourly (minute 7): once in every tour after 10:07


class _Arret(Exception):
    pass


def test_regle_14_the_loop_runs_the_daily_tasks_once_a_day(world, monkeypatch):
    bilan = bilan_for(world.beneficiaire_a, statut="abandonne", termine_le=dt.date(2026, 5, 3))
    with tenant_context(world.org_a):
        entretien = EntretienPrealable.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            consultant=world.consultant_a,
            date=dt.datetime(2026, 3, 1, 10, tzinfo=PARIS),
            demande="Texte de l'entretien",
            issue="bilan",
        )
        Bilan.objects.filter(pk=bilan.pk).update(entretien_prealable=entretien)

    # Start on 4 May at 10:00, then each « minute » jumps to the next of these moments.
    moments = [
        dt.datetime(2026, 5, 4, 10, 0, tzinfo=PARIS),
        dt.datetime(2026, 5, 4, 10, 1, tzinfo=PARIS),  # a minute later: nothing daily
        dt.datetime(2026, 5, 4, 23, 59, tzinfo=PARIS),  # same day: nothing daily
        dt.datetime(2026, 5, 5, 4, 0, tzinfo=PARIS),  # after 03:30: the purge only
        dt.datetime(2026, 5, 5, 5, 0, tzinfo=PARIS),  # after 04:30: the evidence purge
        dt.datetime(2026, 5, 5, 6, 20, tzinfo=PARIS),  # after 06:00 and 06:15: the other two
    ]
    tours = []
    with time_machine.travel(moments[0], tick=False) as horloge:

        def dormir(secondes):
            assert secondes == 60
            tours.append(sortie.getvalue())
            if len(tours) == len(moments):
                raise _Arret
            horloge.move_to(moments[len(tours)])

        monkeypatch.setattr(relances_envoyer, "time", types.SimpleNamespace(sleep=dormir))
        sortie = io.StringIO()
        with pytest.raises(_Arret):
            call_command("relances_envoyer", "--boucle", stdout=sortie)

    def lancees(texte):
        return Counter(
            ligne.split(" ")[2]
            for ligne in texte.splitlines()
            if ligne.startswith("Tâche quotidienne ")
        )

    par_tour = [lancees(t) for t in tours]
    par_tour = [par_tour[0]] + [b - a for a, b in zip(par_tour, par_tour[1:], strict=False)]
    assert par_tour[0] == Counter(QUOTIDIENNES)  # at start-up, each once
    assert par_tour[1] == Counter()
    assert par_tour[2] == Counter(HORAIRE)
    assert par_tour[3] == Counter({"purger-bilans-clos": 1, **HORAIRE})
    assert par_tour[4] == Counter({"purger-preuves": 1, **HORAIRE})
    assert par_tour[5] == Counter(
        {"refuser-conventions-expirees": 1, "relances-balayage-quotidien": 1, **HORAIRE}
    )
    assert "échec" not in sortie.getvalue()
    assert sortie.getvalue().count("relance(s) prise(s) en charge.") == len(moments)
    # The purge did run for real: the prior interview's texts are gone, and journalled once.
    with tenant_context(world.org_a):
        entretien.refresh_from_db()
        assert entretien.demande == ""
        assert list(Purge.objects.filter(bilan=bilan).values_list("objet", flat=True)) == [
            "Textes de l'entretien préalable"
        ]
