"""The main pages of the benchmark and of the query-count tests (issue 16), on the volume of
``manage.py bench_generer``: who visits what, as (label, account, url)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.template.base import Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaires.models import Bilan, PortalAccess
from bilan.core.models import Organisation, User
from bilan.core.tenancy import tenant_context
from espaces.management.commands.bench_generer import (
    ADMIN_EMAIL,
    BENEFICIAIRE_EMAIL,
    CONSULTANT_EMAIL,
    GRAND,
)
from tests.factories.core import connecter_avec_mfa


@dataclass(frozen=True)
class Page:
    label: str
    compte: str  # "consultant", "admin" or "beneficiaire"
    url: str


def pages_principales() -> list[Page]:
    organisation = Organisation.objects.get(slug=GRAND)
    acces = PortalAccess.objects.get(user__email=BENEFICIAIRE_EMAIL)
    with tenant_context(organisation):
        bilan = Bilan.objects.filter(beneficiaire_id=acces.beneficiaire_id).first()
        un_bilan = Bilan.objects.order_by("pk").first()
    assert bilan is not None
    assert un_bilan is not None
    lundi = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    agenda = reverse("app:agenda")
    return [
        Page("plancher", "consultant", f"/app/plancher/?pk={un_bilan.pk}"),
        Page("plancher + mise en page", "consultant", f"/app/plancher/coque/?pk={un_bilan.pk}"),
        Page("tableau de bord", "consultant", reverse("app:dashboard")),
        Page("mes bilans", "consultant", reverse("bilans:list")),
        Page("tous les bilans", "admin", reverse("bilans:list")),
        Page("bilans en cours", "admin", reverse("bilans:list") + "?statut=en_cours"),
        Page("recherche de bilans", "admin", reverse("bilans:list") + "?q=martin"),
        Page("bénéficiaires", "admin", reverse("beneficiaires:list")),
        Page("dossier", "consultant", reverse("bilans:detail", args=[bilan.public_id])),
        Page("agenda semaine", "consultant", f"{agenda}?date={lundi.isoformat()}"),
        Page(
            "agenda organisation",
            "admin",
            f"{agenda}?consultant=tous&date={lundi.isoformat()}",
        ),
        Page("relances", "admin", reverse("relances:outbox")),
        Page("journal des accès", "admin", reverse("app:audit_journal")),
        Page("portail", "beneficiaire", reverse("portail:home")),
        Page("résultats qualiopi", "admin", reverse("qualiopi:resultats")),
    ]


def clients() -> dict[str, Client]:
    """One logged-in client per account of the large organisation (MFA passed for staff)."""
    return {
        compte: connecter_avec_mfa(Client(), User.objects.get(email=email))
        for compte, email in (
            ("consultant", CONSULTANT_EMAIL),
            ("admin", ADMIN_EMAIL),
            ("beneficiaire", BENEFICIAIRE_EMAIL),
        )
    }


def _rendu(self: Template, context) -> str:
    """``Template._render`` as Django defines it (the test environment saves the original
    where only ``teardown_test_environment`` reads it back)."""
    return self.nodelist.render(context)


@contextmanager
def rendu_de_production() -> Iterator[None]:
    """Templates rendered as in production while the pages are timed: the test environment
    (pytest-django's) replaces ``Template._render`` by a version that sends a signal to the
    test client, which copies the context of every template and include it renders: time that
    production never spends."""
    instrumente = Template._render
    Template._render = _rendu  # type: ignore[method-assign]
    try:
        yield
    finally:
        Template._render = instrumente
