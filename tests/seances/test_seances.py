"""Séances: the 24-hour budget (service and database), phase gates, realising, notes."""

import datetime as dt
import html
import threading
from dataclasses import replace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from beneficiaires.models import Bilan, Phase, StatutBilan
from beneficiaires.services.programmes import (
    programme_copier_modele,
    programme_proposer_calendrier,
)
from bilan.core.models import AuditEvent
from bilan.core.tenancy import tenant_context
from seances.models import NatureAnnulation, Seance
from seances.services import phases
from seances.services import seances as services
from seances.services.programmes import seances_planifier_depuis_programme
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db
DEMAIN = timezone.now() + dt.timedelta(days=1)


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _bilan(world, **fields):
    values = {"statut": StatutBilan.EN_COURS, "phase": Phase.PRELIMINAIRE, **fields}
    return bilan_for(world.beneficiaire_a, **values)


def _planifier(world, bilan, *, minutes, debut=DEMAIN, phase=Phase.PRELIMINAIRE, type="entretien"):
    with tenant_context(world.org_a):
        return services.seance_planifier(
            bilan=bilan,
            phase=phase,
            type=type,
            intitule="Entretien",
            debut=debut,
            duree_minutes=minutes,
            modalite="telephone",
        )


def _compte(world, bilan) -> int:
    with tenant_context(world.org_a):
        return Bilan.objects.get(pk=bilan.pk).minutes_comptees


def test_seed_000_fills_24_hours_and_the_25th_is_refused(world, login_as):
    """Acceptance: plan the seed 000 calendar (12 séances, 24 h), then try a 25th hour."""
    bilan = _bilan(world)
    with tenant_context(world.org_a):
        programme = programme_copier_modele(
            organisation=world.org_a, slug="douze-seances-10-semaines"
        )
        plan = programme_proposer_calendrier(programme=programme, debut=DEMAIN)
        seances = seances_planifier_depuis_programme(bilan=bilan, seances=plan, lieu="Salle 1")
    assert len(seances) == 12
    assert _compte(world, bilan) == 24 * 60

    response = login_as(world.consultant_a).post(
        f"/app/seances/nouvelle/{bilan.public_id}/",
        {
            "phase": "conclusion",
            "type": "entretien",
            "intitule": "Une heure de plus",
            "debut": (DEMAIN + dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M"),
            "duree_minutes": "60",
            "modalite": "telephone",
        },
    )
    assert response.status_code == 400
    assert "il reste 0 min, et cette séance en demande 1 h" in _page(response)
    with tenant_context(world.org_a):
        assert Seance.objects.filter(bilan=bilan).count() == 12
    assert _compte(world, bilan) == 24 * 60


def test_the_message_names_the_hours_left(world):
    bilan = _bilan(world)
    _planifier(world, bilan, minutes=480)
    _planifier(world, bilan, minutes=480)
    _planifier(world, bilan, minutes=330)
    with pytest.raises(ValidationError, match="il reste 2 h 30"):
        _planifier(world, bilan, minutes=180)
    assert _compte(world, bilan) == 1290


def test_the_database_refuses_the_25th_hour_even_without_the_service(world):
    bilan = _bilan(world)
    for _ in range(3):
        _planifier(world, bilan, minutes=480)
    with (
        tenant_context(world.org_a),
        pytest.raises(IntegrityError, match="24_heures"),
        transaction.atomic(),
    ):
        Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="conclusion",
            type="entretien",
            intitule="En douce",
            debut=DEMAIN,
            duree_minutes=15,
            modalite="telephone",
        )
    assert _compte(world, bilan) == 24 * 60


def test_cancelling_gives_the_time_back_and_realising_counts_the_longer(world):
    bilan = _bilan(world)
    seance = _planifier(world, bilan, minutes=120, debut=timezone.now() - dt.timedelta(hours=3))
    with tenant_context(world.org_a):
        services.seance_realiser(seance=seance, duree_realisee_minutes=150)
    assert _compte(world, bilan) == 150
    autre = _planifier(world, bilan, minutes=60)
    assert _compte(world, bilan) == 210
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="motif"):
            services.seance_annuler(seance=autre, motif=" ")
        services.seance_annuler(seance=autre, motif="Malade", nature=NatureAnnulation.EXCUSEE)
    assert _compte(world, bilan) == 150


def test_a_seance_of_a_phase_not_started_cannot_be_realised(world):
    bilan = _bilan(world)
    seance = _planifier(
        world,
        bilan,
        minutes=60,
        phase=Phase.INVESTIGATION,
        debut=timezone.now() - dt.timedelta(hours=2),
    )
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="pas encore commencé"):
        services.seance_realiser(seance=seance, duree_realisee_minutes=60)
    with tenant_context(world.org_a):
        assert Seance.objects.get(pk=seance.pk).statut == Seance.Statut.PLANIFIEE


def test_regle_06_conclusion_requires_an_individual_interview(world):
    bilan = _bilan(world, phase=Phase.INVESTIGATION)
    passe = timezone.now() - dt.timedelta(hours=2)
    seance = _planifier(world, bilan, minutes=60, phase=Phase.INVESTIGATION, debut=passe)
    with tenant_context(world.org_a):
        services.seance_realiser(seance=seance, duree_realisee_minutes=60)
    _planifier(world, bilan, minutes=60, phase=Phase.CONCLUSION, type="travail_personnel")
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="entretien individuel"):
        phases.bilan_changer_phase(
            bilan=bilan, vers=Phase.CONCLUSION, motif="Projet choisi", par=world.consultant_a
        )
    conclusion = _planifier(world, bilan, minutes=60, phase=Phase.CONCLUSION, debut=passe)
    with tenant_context(world.org_a):
        phases.bilan_changer_phase(
            bilan=bilan, vers=Phase.CONCLUSION, motif="Projet choisi", par=world.consultant_a
        )
        with pytest.raises(ValidationError, match="entretien individuel réalisé"):
            phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
        services.seance_realiser(seance=conclusion, duree_realisee_minutes=60)
        phases.bilan_remettre_synthese(bilan=bilan, par=world.consultant_a)
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.SYNTHESE_REMISE


def test_rescheduling_needs_a_reason_and_keeps_it(world, login_as):
    bilan = _bilan(world)
    seance = _planifier(world, bilan, minutes=60)
    client = login_as(world.consultant_a)
    url = f"/app/seances/{seance.public_id}/action/reporter/"
    nouvelle_date = timezone.localtime(DEMAIN + dt.timedelta(days=2))
    nouvelle = nouvelle_date.strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"debut": nouvelle})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in _page(response)
    assert client.post(url, {"debut": nouvelle, "motif": "Empêchement"}).status_code == 302
    with tenant_context(world.org_a):
        seance = Seance.objects.get(pk=seance.pk)
    assert "Empêchement" in seance.motif
    assert timezone.localtime(seance.debut).date() == nouvelle_date.date()


def test_service_contracts_fail_loudly_on_an_unknown_or_missing_field(world):
    """``seance_planifier`` names its parameters and ``seance_modifier`` takes every editable
    field (``SeanceChamps``): a misspelt or forgotten field is an error, never dropped."""
    bilan = _bilan(world)
    seance = _planifier(world, bilan, minutes=60)
    with tenant_context(world.org_a):
        with pytest.raises(TypeError):
            services.seance_planifier(
                bilan=bilan,
                phase=Phase.PRELIMINAIRE,
                type="entretien",
                intitule="Entretien",
                debut=DEMAIN,
                duree_minutes=60,
                modalite="telephone",
                lieux="Salle 2",
            )
        with pytest.raises(TypeError):
            services.SeanceChamps(intitule="Sans le reste")
        with pytest.raises(TypeError):
            services.seance_modifier(seance=seance, motif="", intitule="Nouveau")
        assert Seance.objects.filter(bilan=bilan).count() == 1
        champs = replace(
            services.SeanceChamps.de(seance),
            intitule="Entretien de cadrage",
            objectifs="Cadrer la demande",
            duree_minutes=90,
        )
        modifiee = services.seance_modifier(seance=seance, motif="", champs=champs)
        assert (modifiee.intitule, modifiee.objectifs, modifiee.duree_minutes) == (
            "Entretien de cadrage",
            "Cadrer la demande",
            90,
        )
        assert modifiee.debut == seance.debut
        assert modifiee.motif == ""
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == 90


def test_notes_are_for_the_assigned_consultant_and_every_read_is_logged(world, login_as):
    bilan = _bilan(world)
    seance = _planifier(world, bilan, minutes=60)
    client = login_as(world.consultant_a)
    client.post(f"/app/seances/{seance.public_id}/action/notes/", {"notes": "CONFIDENTIEL-42"})
    assert "CONFIDENTIEL-42" in client.get(f"/app/seances/{seance.public_id}/").content.decode()
    with tenant_context(world.org_a):
        assert AuditEvent.objects.filter(object_type="notes_seance").count() == 1
    admin_page = login_as(world.admin_a).get(f"/app/seances/{seance.public_id}/").content.decode()
    assert "CONFIDENTIEL-42" not in admin_page
    response = login_as(world.admin_a).post(
        f"/app/seances/{seance.public_id}/action/notes/", {"notes": "écrasé"}
    )
    assert response.status_code == 400
    with tenant_context(world.org_a):
        assert Seance.objects.get(pk=seance.pk).notes == "CONFIDENTIEL-42"
    assert login_as(world.consultant_b).get(f"/app/seances/{seance.public_id}/").status_code == 404


def test_planning_is_for_the_bilans_consultants(world, login_as):
    from tests.factories.core import staff_user

    bilan = _bilan(world)
    other = staff_user(organisation=world.org_a, email="autre@a.test")
    response = login_as(other).post(f"/app/seances/nouvelle/{bilan.public_id}/", {})
    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_consultants_adding_the_last_hour_at_once_exactly_one_succeeds(world):
    """Concurrent requests on PostgreSQL: the bilan row lock and the CHECK let one through."""
    bilan = _bilan(world)
    for _ in range(2):
        _planifier(world, bilan, minutes=480)
    _planifier(world, bilan, minutes=420)  # 23 h counted: one hour left
    barrier = threading.Barrier(2)
    results = []

    def plan():
        try:
            barrier.wait(timeout=5)
            _planifier(world, bilan, minutes=60)
            results.append("ok")
        except ValidationError:
            results.append("refus")
        finally:
            connection.close()

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["ok", "refus"]
    assert _compte(world, bilan) == 24 * 60
    with tenant_context(world.org_a):
        assert Seance.objects.filter(bilan=bilan).count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_database_alone_lets_exactly_one_of_two_concurrent_inserts_through(world):
    """No service, no explicit lock: the trigger's update of the bilan row queues the second
    insert behind the first, then the CHECK refuses it."""
    bilan = _bilan(world)
    for _ in range(2):
        _planifier(world, bilan, minutes=480)
    _planifier(world, bilan, minutes=420)
    barrier = threading.Barrier(2)
    results = []

    def insert():
        try:
            with tenant_context(world.org_a):
                barrier.wait(timeout=5)
                Seance.objects.create(
                    organisation=world.org_a,
                    bilan=bilan,
                    phase="preliminaire",
                    type="entretien",
                    intitule="Dernière heure",
                    debut=DEMAIN,
                    duree_minutes=60,
                    modalite="telephone",
                )
            results.append("ok")
        except IntegrityError:
            results.append("refus")
        finally:
            connection.close()

    threads = [threading.Thread(target=insert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["ok", "refus"]
    assert _compte(world, bilan) == 24 * 60
