"""Shared fixtures: the two-organisation world, login helpers, a real browser."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
from django.db import connections
from django.test import Client

from bilan.celery import app
from bilan.core.models import Organisation, Role, User
from bilan.core.tenancy import tenant_context
from tests.factories.beneficiaires import beneficiaire_with_portal
from tests.factories.core import OrganisationFactory, connecter_avec_mfa, staff_user

# Sync Playwright runs an event loop in the test thread; Django's ORM refuses that without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


_OWNER: list[str] = []  # the owner role's (user, password), set by django_db_setup


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Run every test as the application role, as production does.

    pytest-django has created and migrated the test database as the owner role (the migrations
    create the row-level security policies and grant the application role its data rights).
    From here on, every connection (test thread, live server, Celery worker) logs in as the
    application role: not owner, not superuser, no BYPASSRLS. Test-only extra: TRUNCATE, which
    transactional tests need to empty tables between tests.
    """
    from django.conf import settings
    from django.db import connections

    role = settings.DATABASE_APP_ROLE
    with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{role}"')
    settings_dict = connections["default"].settings_dict
    # A module that imports this fixture (the benches) defines a second session fixture that
    # runs after the first one: by then the settings name the application role. The owner is
    # the one seen first.
    if not _OWNER:
        _OWNER[:] = (settings_dict["USER"], settings_dict["PASSWORD"])
    owner = (_OWNER[0], _OWNER[1])
    for connection in connections.all():
        connection.close()
    settings_dict["USER"], settings_dict["PASSWORD"] = role, settings.TEST_APP_DATABASE_PASSWORD
    yield
    for connection in connections.all():
        connection.close()
    settings_dict["USER"], settings_dict["PASSWORD"] = owner  # the owner drops the database


@pytest.fixture
def owner_cursor(django_db_setup):
    """A cursor on the test database as the tables' owner (who runs the migrations), in a
    transaction rolled back at the end: DDL and GRANTs tried here leave nothing behind."""
    settings_dict = connections["default"].settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        dbname=settings_dict["NAME"],
        user=_OWNER[0],
        password=_OWNER[1],
    ) as owner_connection:
        with owner_connection.cursor() as cursor:
            yield cursor
        owner_connection.rollback()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The Redis cache (rate limits, used TOTP codes) outlives the test database: start clean."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class World:
    """Organisation A (admin Alice, consultant Bob, beneficiary Camille) and B (consultant Charlie,
    beneficiary Dora)."""

    org_a: Organisation
    org_b: Organisation
    admin_a: User
    consultant_a: User
    consultant_b: User
    beneficiaire_a: object
    beneficiaire_user_a: User
    beneficiaire_b: object
    beneficiaire_user_b: User


@pytest.fixture
def world(db) -> World:
    org_a = OrganisationFactory(raison_sociale="Organisme A")
    org_b = OrganisationFactory(raison_sociale="Organisme B")
    admin_a = staff_user(organisation=org_a, role=Role.ADMIN, email="alice@a.test")
    consultant_a = staff_user(organisation=org_a, email="bob@a.test")
    consultant_b = staff_user(organisation=org_b, email="charlie@b.test")
    # Fixed, distinct names: isolation tests assert one's name is absent from the other's pages
    # (random Faker names of the two could coincide).
    beneficiaire_a, beneficiaire_user_a = beneficiaire_with_portal(
        organisation=org_a,
        consultant=consultant_a,
        email="camille@exemple.test",
        prenom="Camille",
        nom="Aubertin",
    )
    beneficiaire_b, beneficiaire_user_b = beneficiaire_with_portal(
        organisation=org_b,
        consultant=consultant_b,
        email="dora@exemple.test",
        prenom="Dora",
        nom="Bellefontaine",
    )
    return World(
        org_a,
        org_b,
        admin_a,
        consultant_a,
        consultant_b,
        beneficiaire_a,
        beneficiaire_user_a,
        beneficiaire_b,
        beneficiaire_user_b,
    )


@pytest.fixture
def login_as():
    """``login_as(user)`` returns a test client logged in as ``user`` (MFA already passed)."""

    def _login(user: User) -> Client:
        return connecter_avec_mfa(Client(), user)

    return _login


@pytest.fixture
def courtier():
    """``with courtier(url):`` points the Celery app at another broker (a private Redis, an
    unreachable port), forgetting its connection and producer pools on the way in and out."""

    def oublier_connexions() -> None:
        # Dropped, not closed: kombu keeps each pool in a registry keyed by the broker's URL,
        # and the shared broker's pool is found there again on the way out.
        app._pool = None
        app.amqp._producer_pool = None

    @contextmanager
    def _courtier(url: str) -> Iterator[None]:
        # Restore the override layer itself: reading ``app.conf.broker_url`` would also see a
        # Django setting overridden by the test, and pin it for the rest of the session.
        changes = app.conf.changes
        avait, avant = "broker_url" in changes, changes.get("broker_url")
        app.conf.broker_url = url
        oublier_connexions()
        try:
            yield
        finally:
            if avait:
                changes["broker_url"] = avant
            else:
                changes.pop("broker_url", None)
            oublier_connexions()

    return _courtier


@pytest.fixture
def as_org():
    """``with as_org(org):`` binds ``org`` as the active organisation for ORM reads in a test."""
    return tenant_context


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.fail("chromium est introuvable : installez le paquet Debian « chromium ».")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR"}
