"""No GET changes data: every route of the URL configuration (the isolation sweep's machinery,
with the same ids), requested with GET by the bilan's own consultant, by an admin of its
organisation and by its beneficiary, leaves every table's row count and latest
``updated_at`` as they were.

The only table a GET may write is the access journal (``AuditEvent``): reading a confidential
page is itself recorded. Sessions are the framework's own bookkeeping, not data.

Routes that take a bilan are also requested with a bilan in its conclusion phase that has no
synthèse yet and with a closed one: opening the synthèse page must not start one.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.db.models import Max
from django.urls import get_resolver

from bilan.core.models import AuditEvent, Organisation
from bilan.core.tenancy import TenantOwned, tenant_context
from syntheses.models import Synthese
from tests.factories.bilans import bilan_for
from tests.tenancy.test_isolation_sweep import OBJECT_IDS, _fill, _walk

pytestmark = pytest.mark.django_db

# Written by a GET on purpose: the access journal (reads of confidential pages are recorded).
# Django's and allauth's session rows are the login's bookkeeping, not the application's data.
ECRITURES_DE_LECTURE = {"core.auditevent", "sessions.session", "usersessions.usersession"}
# Bearer keys in regular-expression routes of allauth (e-mail confirmation, password reset).
PARAMETRES_REGEX = ("(?P<",)
# The sweep's passkey of admin_a is a stub with no credential (OBJECT_IDS["pk"]): allauth's
# passkey re-authentication cannot read it and fails. Not a page a real key reaches this way.
ECHECS_DU_BOUCHON = {"/accounts/2fa/webauthn/reauthenticate/"}


def _tables():
    return [
        m
        for m in apps.get_models()
        if m._meta.label_lower not in ECRITURES_DE_LECTURE and not m._meta.proxy
    ]


def _etat():
    """Per table: the row count and the latest ``updated_at`` (when the table has one). Tenant
    tables are read organisation by organisation (row-level security shows nothing unbound)."""
    etat = {}

    def lire(model, qs, cle):
        champs = {f.name for f in model._meta.concrete_fields}
        agregats = {"n": qs.count()}
        if "updated_at" in champs:
            agregats["maj"] = qs.aggregate(m=Max("updated_at"))["m"]
        etat[cle] = agregats

    for organisation in Organisation.objects.order_by("pk"):
        with tenant_context(organisation):
            for model in _tables():
                if issubclass(model, TenantOwned):
                    lire(model, model.objects.all(), (model._meta.label, organisation.pk))
    for model in _tables():
        if not issubclass(model, TenantOwned):
            lire(model, model._base_manager.all(), (model._meta.label, None))
    return etat


def _routes():
    return [
        route
        for route, _pattern in _walk(get_resolver().url_patterns)
        if not route.startswith("admin/") and not any(p in route for p in PARAMETRES_REGEX)
    ]


def _urls(world):
    values = {name: make(world) for name, make in OBJECT_IDS.items()}
    urls = [_fill(route, values) for route in _routes()]
    # Bilans without a synthèse: one in its conclusion phase, one closed.
    sans_synthese = [
        bilan_for(
            world.beneficiaire_a,
            statut="en_cours",
            phase="conclusion",
            date_debut_reelle=dt.date(2026, 9, 1),
        ),
        bilan_for(world.beneficiaire_a, statut="clos", date_fin_reelle=dt.date(2026, 1, 15)),
    ]
    for bilan in sans_synthese:
        autres = {**values, "bilan_id": bilan.public_id}
        urls += [_fill(route, autres) for route in _routes() if "<uuid:bilan_id>" in route]
    return urls, sans_synthese


@pytest.mark.parametrize("qui", ["consultant_a", "admin_a", "beneficiaire_user_a"])
def test_no_get_changes_data(world, login_as, qui):
    urls, sans_synthese = _urls(world)
    client = login_as(getattr(world, qui))
    client.raise_request_exception = False
    avant = _etat()
    with tenant_context(world.org_a):
        journal_avant = AuditEvent.objects.count()
    reponses = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500 or url in ECHECS_DU_BOUCHON, (url, response)
        reponses[url] = response.status_code
    apres = _etat()
    changes = {
        cle: (avant.get(cle), apres.get(cle))
        for cle in avant | apres
        if avant.get(cle) != apres.get(cle)
    }
    assert changes == {}, f"Un GET a modifié des données : {changes}"
    with tenant_context(world.org_a):
        assert not Synthese.objects.filter(bilan__in=sans_synthese).exists()
    if qui == "beneficiaire_user_a":
        # The portal's own pages were read (the staff space refuses or redirects).
        assert sum(1 for code in reponses.values() if code == 200) >= 15, reponses
        return
    # The sweep really read pages (not only refusals), and journaled some confidential reads.
    assert sum(1 for code in reponses.values() if code == 200) >= 40, reponses
    with tenant_context(world.org_a):
        assert AuditEvent.objects.count() > journal_avant
    # The synthèse page of the bilan in conclusion offers to start it; the closed one's sends
    # back to the dossier (no synthèse starts after closure).
    en_conclusion, clos = sans_synthese
    assert reponses[f"/app/syntheses/bilans/{en_conclusion.public_id}/"] == 200
    assert reponses[f"/app/syntheses/bilans/{clos.public_id}/"] == 302


def test_the_state_sees_a_change(world):
    """Guards the check itself: a new row or an edit changes the state."""
    avant = _etat()
    bilan = bilan_for(world.beneficiaire_a)
    assert _etat() != avant
    avant = _etat()
    with tenant_context(world.org_a):
        type(bilan).objects.filter(pk=bilan.pk).update(numero="X-1")
        type(bilan).objects.filter(pk=bilan.pk).update(
            updated_at=bilan.updated_at + dt.timedelta(days=1)
        )
    assert _etat() != avant
