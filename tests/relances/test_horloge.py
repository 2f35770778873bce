"""Acceptance, moving the clock: a bilan closed today has its à chaud survey sent today, its
à froid survey and follow-up invitation planned at the configured dates, each sent exactly once
when due."""

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core import mail

from bilan.core.tenancy import tenant_context
from enquetes.services import parametres_modifier
from relances.models import Relance
from relances.selectors import bilan_relances_lister
from syntheses.services.cloture import bilan_clore
from tests.factories.bilans import bilan_pret_a_clore

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
K = Relance.Kind
pytestmark = pytest.mark.django_db


def _sujets():
    return Counter(m.subject for m in mail.outbox)


def test_closed_today_chaud_today_froid_and_follow_up_later_each_once(world, eager, drain):
    world.org_a.suivi_delai_mois = 6
    world.org_a.save()
    with tenant_context(world.org_a):
        parametres_modifier(organisation=world.org_a, froid_delai_mois=4, rappel_jours=7)
    cloture = dt.datetime(2026, 3, 10, 15, 0, tzinfo=PARIS)
    bilan = bilan_pret_a_clore(world.beneficiaire_a, entretien_le=cloture - dt.timedelta(hours=3))

    with time_machine.travel(cloture, tick=False):
        with tenant_context(world.org_a):
            bilan_clore(bilan=bilan, par=world.consultant_a, fin=cloture.date())
            plan = {r.kind: r.due_le for r in bilan_relances_lister(bilan_id=bilan.pk)}
        assert plan[K.ENQUETE_FROID] == dt.datetime(2026, 7, 10, 10, 0, tzinfo=PARIS)
        assert plan[K.ENQUETE_FROID_RAPPEL] == dt.datetime(2026, 7, 17, 10, 0, tzinfo=PARIS)
        # Rule 16: the follow-up is created at end + 6 months; its invitation two weeks before.
        assert plan[K.SUIVI_INVITATION] == dt.datetime(2026, 8, 27, 10, 0, tzinfo=PARIS)
        assert plan[K.SUIVI_RAPPEL_CONSULTANT] < dt.datetime(2026, 9, 10, 10, 0, tzinfo=PARIS)
        assert plan[K.ENQUETE_CHAUD_RAPPEL] == cloture + dt.timedelta(days=7)
        drain()
        drain()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.beneficiaire_a.email]
    assert "votre avis sur votre bilan" in mail.outbox[0].subject
    assert f"/enquete/{world.org_a.public_id}/" in mail.outbox[0].body

    # The day before the reminder: nothing. Seven days after: the reminder, once.
    for jours, attendus in ((6, 1), (7, 2), (8, 2), (30, 2)):
        with time_machine.travel(cloture + dt.timedelta(days=jours), tick=False):
            drain()
        assert len(mail.outbox) == attendus, jours
    assert "rappel" in mail.outbox[1].subject

    with time_machine.travel(dt.datetime(2026, 7, 10, 10, 1, tzinfo=PARIS), tick=False):
        drain()
        drain()
    assert len(mail.outbox) == 3
    assert "où en est votre projet" in mail.outbox[2].subject

    for jour in (dt.datetime(2026, 8, 27, 10, 1), dt.datetime(2026, 9, 9, 10, 1)):
        with time_machine.travel(jour.replace(tzinfo=PARIS), tick=False):
            drain()
            drain()
    with time_machine.travel(dt.datetime(2027, 1, 1, 10, 0, tzinfo=PARIS), tick=False):
        drain()
    sujets = _sujets()
    # chaud, chaud rappel, froid, froid rappel, suivi (bénéficiaire), rappel du suivi (consultant)
    assert len(mail.outbox) == 6
    assert all(n == 1 for n in sujets.values()), sujets
    assert any("entretien de suivi" in s for s in sujets)
    with tenant_context(world.org_a):
        statuts = {r.kind: r.statut for r in bilan_relances_lister(bilan_id=bilan.pk)}
    assert set(statuts.values()) == {Relance.Statut.ENVOYEE}
