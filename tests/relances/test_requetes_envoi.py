"""Statements per row of a send batch (issue 16): a fixed number per row, whatever the batch
size, and the per-row guarantees kept (two transactions, the lease checked under the lock)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance

S = Relance.Statut


def _reclamer(org, n: int) -> tuple[list[int], str]:
    with tenant_context(org):
        Relance.objects.bulk_create(
            Relance(
                organisation=org,
                kind=Relance.Kind.QUALIOPI_EXPIRATION,
                target_type="organisation",
                target_id=org.public_id,
                destinataire=f"admin{i}@a.test",
                due_le=timezone.now() - dt.timedelta(minutes=1),
                cle_unique=f"lot-{n}-{i}",
            )
            for i in range(n)
        )
        ids, jeton = services._reclamer_lot(maintenant=timezone.now(), lot=n)
    return ids, str(jeton)


def _requetes_du_lot(org, n: int) -> int:
    ids, jeton = _reclamer(org, n)
    with CaptureQueriesContext(connection) as requetes:
        assert (
            services.relances_envoyer_lot(organisation_id=org.pk, relance_ids=ids, jeton=jeton) == n
        )
    return len(requetes)


# Transactional: each row's two transactions are the outermost ones, as in a worker.
@pytest.mark.django_db(transaction=True)
def test_statements_per_row_are_constant_and_few(world):
    world.org_a.qualiopi_date_expiration = dt.date(2027, 3, 1)
    world.org_a.save()
    petit = _requetes_du_lot(world.org_a, 2)
    grand = _requetes_du_lot(world.org_a, 6)
    par_ligne = (grand - petit) / 4
    print(f"lot de 2 : {petit}, lot de 6 : {grand}, par ligne : {par_ligne}")
    assert par_ligne == int(par_ligne)
    assert par_ligne == 9  # was 12: prendre is one conditional UPDATE, no restore at COMMIT
    assert len(mail.outbox) == 8
    with tenant_context(world.org_a):
        assert set(Relance.objects.values_list("statut", "tentatives")) == {(S.ENVOYEE, 1)}
