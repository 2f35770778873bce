"""The outbox knows no kind: each app registers its own (``<app>/relances.py``). Every kind a
row may store is registered and renders; an unknown kind is refused when planned."""

import ast
import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from relances.models import Relance
from relances.registre import KindInconnu, Registre, TypeRelance, registre, toujours_pertinente
from relances.services import relance_apercu, relance_planifier
from tests.factories.bilans import bilan_for

ENGINE = ("apps", "models", "registre", "selectors", "services", "tasks", "urls", "views")
DOMAIN_APPS = {"beneficiaires", "seances", "enquetes", "syntheses", "espaces"}


def _contexte(*, relance, apercu):
    return {}


def test_every_stored_kind_is_registered_once():
    assert sorted(t.kind for t in registre) == sorted(Relance.Kind.values)
    assert registre.choices() == [(t.kind, t.label) for t in registre]
    assert len(registre.balayages()) == 3  # beneficiaires, seances, and the outbox's Qualiopi


def test_a_kind_outside_the_catalogue_or_registered_twice_is_refused():
    autre = Registre()
    with pytest.raises(ImproperlyConfigured):
        autre.register(
            TypeRelance(
                kind="inconnu", template="x", contexte=_contexte, pertinente=toujours_pertinente
            )
        )
    type_relance = TypeRelance(
        kind=Relance.Kind.ABANDON_RISQUE,
        template="abandon-risque",
        contexte=_contexte,
        pertinente=toujours_pertinente,
    )
    autre.register(type_relance)
    with pytest.raises(ImproperlyConfigured):
        autre.register(type_relance)


@pytest.mark.django_db
def test_planning_an_unknown_kind_fails_loudly_and_writes_nothing(world):
    with tenant_context(world.org_a):
        with pytest.raises(KindInconnu):
            relance_planifier(
                kind="inconnu",
                cle="inconnu:1",
                destinataire="x@a.test",
                due_le=timezone.now(),
                target_type="organisation",
                target_id=uuid.uuid4(),
            )
        assert not Relance.objects.exists()


@pytest.mark.django_db
def test_every_registered_kind_renders_its_preview(world):
    world.org_a.qualiopi_date_expiration = dt.date(2027, 1, 31)
    world.org_a.save()
    bilan = bilan_for(
        world.beneficiaire_a,
        statut="clos",
        financement="cpf",
        date_debut_reelle=dt.date(2026, 1, 5),
        date_fin_reelle=dt.date(2026, 3, 2),
        convention_transmise_le=dt.date(2026, 1, 2),
    )
    with tenant_context(world.org_a):
        for type_relance in registre:
            sujet, texte, html = relance_apercu(
                organisation=world.org_a, kind=type_relance.kind, bilan=bilan
            )
            assert sujet.strip(), type_relance.kind
            assert texte.strip(), type_relance.kind
            assert html.strip(), type_relance.kind


def test_the_engine_imports_no_domain_app():
    racine = Path(__file__).resolve().parents[2] / "relances"
    for nom in ENGINE:
        arbre = ast.parse((racine / f"{nom}.py").read_text())
        for noeud in ast.walk(arbre):
            if isinstance(noeud, ast.ImportFrom):
                modules = [noeud.module or ""]
            elif isinstance(noeud, ast.Import):
                modules = [alias.name for alias in noeud.names]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in DOMAIN_APPS, f"relances/{nom}.py: {module}"
