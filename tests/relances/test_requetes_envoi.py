"""Statements per row of a send batch (issue 16): a fixed number per row, whatever the batch
size, and the guarantees kept: the batch's attempts committed before the first send, then one
short transaction per row whose conditional UPDATE checks the lease and takes the lock."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bilan.core.tenancy import tenant_context
from relances import services
from relances.models import Relance
from tests.relances.conftest import seance_de

S = Relance.Statut


# The take: one transaction for the batch, committed before anything is sent.
PRISE = [
    'SELECT "core_organisation"."id",',
    "BEGIN",
    "SELECT set_config('app.current_org',",
    'SELECT "relances_relance"."id",',  # the batch, locked (FOR UPDATE), with its relations
    'UPDATE "tentatives"',  # every first attempt counted at once
    "COMMIT",
]
# Then per row: four statements (was 9: two transactions per row, a locked read).
LIGNE = ["BEGIN", "SELECT set_config('app.current_org',", 'UPDATE "statut"', "COMMIT"]


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


def _requetes_du_lot(org, n: int) -> list[str]:
    ids, jeton = _reclamer(org, n)
    with CaptureQueriesContext(connection) as requetes:
        resultats = services.relances_envoyer_lot(
            organisation_id=org.pk, relance_ids=ids, jeton=jeton
        )
    assert resultats == dict.fromkeys(ids, services.Resultat.ENVOYEE)
    return [_forme(requete["sql"]) for requete in requetes.captured_queries]


def _forme(sql: str) -> str:
    """The statement's kind and, for the outbox's updates, what it writes first."""
    if sql.startswith("UPDATE"):
        return "UPDATE " + sql.split(" SET ", 1)[1].split(" = ", 1)[0]
    return " ".join(sql.split()[:2])


# Transactional: the take's and each row's transactions are the outermost ones, as in a worker.
@pytest.mark.django_db(transaction=True)
def test_statements_per_row_are_constant_and_few(world):
    world.org_a.qualiopi_date_expiration = dt.date(2027, 3, 1)
    world.org_a.save()
    petit = _requetes_du_lot(world.org_a, 2)
    grand = _requetes_du_lot(world.org_a, 6)
    print(f"lot de 2 : {len(petit)}, lot de 6 : {len(grand)}")
    assert petit == PRISE + LIGNE * 2
    assert grand == PRISE + LIGNE * 6
    assert len(mail.outbox) == 8
    with tenant_context(world.org_a):
        assert set(Relance.objects.values_list("statut", "tentatives")) == {(S.ENVOYEE, 1)}


@pytest.mark.django_db(transaction=True)
def test_a_seance_reminder_reads_its_dossier_and_seance_with_the_batch(world, bilan_a):
    """Reminders about séances render the beneficiary's name and the séance's date and check
    the séance is still ahead: all read by the take's one query, still four statements a row."""
    for heures in (2, 3, 4):
        seance_de(bilan_a, debut=timezone.now() + dt.timedelta(hours=heures))
    with tenant_context(world.org_a):
        _ids, jeton = services._reclamer_lot(maintenant=timezone.now(), lot=100)
        # The beneficiary's and the consultant's reminders of each séance (the notices that a
        # séance was planned, claimed too, read their notification: another kind, not here).
        ids = list(
            Relance.objects.filter(seance__isnull=False).order_by("pk").values_list("pk", flat=True)
        )
    assert len(ids) == 6
    mail.outbox.clear()
    with CaptureQueriesContext(connection) as requetes:
        resultats = services.relances_envoyer_lot(
            organisation_id=world.org_a.pk, relance_ids=ids, jeton=str(jeton)
        )
    assert resultats == dict.fromkeys(ids, services.Resultat.ENVOYEE)
    formes = [_forme(requete["sql"]) for requete in requetes.captured_queries]
    assert formes == PRISE + LIGNE * 6
    assert len(mail.outbox) == 6
