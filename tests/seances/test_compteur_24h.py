"""The database backstop of the 24 hours (domain §8 rule 2, L6313-4) never drifts.

``Bilan.minutes_comptees`` is maintained by the trigger ``seances_budget_24h`` alone: Django
never writes it (``bilan.core.colonnes.ColonnesMaintenues``), the application role has no
``UPDATE`` right on it (seances migration 0003), and a new bilan starts at 0 whatever the
INSERT says. Every test runs on the real PostgreSQL as the application role.
"""

import datetime as dt
import re
import threading

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from beneficiaires.models import Bilan, Phase, StatutBilan
from beneficiaires.services.bilans import bilan_abandonner, bilan_modifier
from bilan.core.colonnes import (
    colonnes_maintenues,
    colonnes_maintenues_problemes,
    reserver_sql,
)
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.selectors.seances import bilan_minutes_comptees
from seances.services import seances as services
from tests.factories.beneficiaires import dossier_bilan
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db
DEMAIN = timezone.now() + dt.timedelta(days=1)
# The trigger's own formula, recomputed from the séances: the real sum.
SOMME_REELLE_SQL = (
    "SELECT COALESCE(SUM(GREATEST(duree_minutes, COALESCE(duree_realisee_minutes, 0))), 0) "
    "FROM seances_seance WHERE bilan_id = %s AND statut IN ('planifiee', 'realisee')"
)


def _bilan(world):
    return bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)


def _planifier(world, bilan, *, minutes):
    with tenant_context(world.org_a):
        return services.seance_planifier(
            bilan=bilan,
            phase=Phase.PRELIMINAIRE,
            type="entretien",
            intitule="Entretien",
            debut=DEMAIN,
            duree_minutes=minutes,
            modalite="telephone",
        )


def _compteur_et_somme(world, bilan) -> tuple[int, int, int]:
    """(counter, real sum in SQL, real sum by the selector), read in one transaction."""
    with tenant_context(world.org_a), connection.cursor() as cursor:
        compteur = Bilan.objects.get(pk=bilan.pk).minutes_comptees
        cursor.execute(SOMME_REELLE_SQL, [bilan.pk])
        somme = cursor.fetchone()[0]
        return compteur, somme, bilan_minutes_comptees(bilan=bilan)


def _dossier(world, **champs):
    return dossier_bilan(consultant=world.consultant_a, financement="personnel", **champs)


@pytest.mark.django_db(transaction=True)
def test_regle_02_concurrent_edits_plans_and_cancellations_leave_the_counter_exact(world):
    """6 edits of the bilan through ``bilan_modifier`` (each loading the bilan at the start of
    its "request", unlocked) in parallel with 6 plans of 15 min and 3 cancellations of 50 min.

    Before the fix each edit wrote back the counter it had loaded: at least the first plan,
    committed between an edit's load and its save, was lost (15a - 50b is never 0 here)."""
    bilan = _bilan(world)
    a_annuler = [_planifier(world, bilan, minutes=50) for _ in range(3)]
    _planifier(world, bilan, minutes=60)
    assert _compteur_et_somme(world, bilan) == (210, 210, 210)

    editeurs, planificateurs, annulations = 6, 6, len(a_annuler)
    depart = threading.Barrier(editeurs + planificateurs + annulations)
    premier_plan_valide = threading.Event()
    resultats: list[str] = []
    verrou = threading.Lock()

    def noter(resultat):
        with verrou:
            resultats.append(resultat)

    def editer(rang):
        try:
            with tenant_context(world.org_a):
                charge = Bilan.objects.get(pk=bilan.pk)  # the request's unlocked load
                depart.wait(timeout=10)
                premier_plan_valide.wait(timeout=10)
                bilan_modifier(bilan=charge, dossier=_dossier(world, objectifs=f"Version {rang}"))
            noter("edition")
        except Exception as erreur:  # noqa: BLE001 - reported by the assertion below
            noter(f"erreur {erreur!r}")
        finally:
            connection.close()

    def planifier():
        try:
            depart.wait(timeout=10)
            _planifier(world, bilan, minutes=15)
            premier_plan_valide.set()
            noter("plan")
        except Exception as erreur:  # noqa: BLE001
            noter(f"erreur {erreur!r}")
        finally:
            connection.close()

    def annuler(seance):
        try:
            depart.wait(timeout=10)
            with tenant_context(world.org_a):
                services.seance_annuler(seance=seance, motif="Empêchement")
            noter("annulation")
        except Exception as erreur:  # noqa: BLE001
            noter(f"erreur {erreur!r}")
        finally:
            connection.close()

    fils = (
        [threading.Thread(target=editer, args=(rang,)) for rang in range(editeurs)]
        + [threading.Thread(target=planifier) for _ in range(planificateurs)]
        + [threading.Thread(target=annuler, args=(seance,)) for seance in a_annuler]
    )
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=60)

    assert sorted(resultats) == sorted(
        ["edition"] * editeurs + ["plan"] * planificateurs + ["annulation"] * annulations
    )
    # 210 + 6 x 15 - 3 x 50: the counter is the real sum, recomputed two ways.
    assert _compteur_et_somme(world, bilan) == (150, 150, 150)
    with tenant_context(world.org_a):
        final = Bilan.objects.get(pk=bilan.pk)
        assert final.objectifs in {f"Version {rang}" for rang in range(editeurs)}
        assert Seance.objects.filter(bilan=bilan, statut=Seance.Statut.PLANIFIEE).count() == 7


def test_regle_02_saving_a_stale_bilan_never_writes_the_counter(world):
    """Every whole-object save path: the edit service, a transition, a plain ``save()`` (the
    admin's), each on a bilan loaded before a séance was planned."""
    bilan = _bilan(world)
    with tenant_context(world.org_a):
        pour_modifier = Bilan.objects.get(pk=bilan.pk)
        pour_sauver = Bilan.objects.get(pk=bilan.pk)
    _planifier(world, bilan, minutes=60)
    with tenant_context(world.org_a):
        bilan_modifier(bilan=pour_modifier, dossier=_dossier(world, objectifs="Cadrer"))
    assert _compteur_et_somme(world, bilan) == (60, 60, 60)
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).objectifs == "Cadrer"
    _planifier(world, bilan, minutes=45)
    with tenant_context(world.org_a):
        pour_sauver.motif_refus = "Sans suite"
        pour_sauver.save()
        assert Bilan.objects.get(pk=bilan.pk).motif_refus == "Sans suite"
    assert _compteur_et_somme(world, bilan) == (105, 105, 105)
    with tenant_context(world.org_a):
        bilan_abandonner(
            bilan=pour_modifier, cause="personnelle", motif="Déménagement", par=world.consultant_a
        )
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.ABANDONNE
    assert _compteur_et_somme(world, bilan) == (105, 105, 105)


def test_regle_02_django_refuses_to_name_the_counter_in_a_save(world):
    bilan = _bilan(world)
    with tenant_context(world.org_a):
        charge = Bilan.objects.get(pk=bilan.pk)
        charge.minutes_comptees = 0
        charge.objectifs = "Jamais écrit"
        with pytest.raises(ValueError, match="minutes_comptees"):
            charge.save(update_fields=["minutes_comptees", "objectifs"])
        assert Bilan.objects.get(pk=bilan.pk).objectifs == ""


def test_regle_02_the_application_role_cannot_update_the_counter(world):
    """A raw ``UPDATE … SET minutes_comptees = 0`` as the application role is refused, and so
    are the ORM's ``update`` and ``bulk_update``; nothing changes, and the 25th hour stays
    refused by the database (the attack reached 1 500 minutes before)."""
    bilan = _bilan(world)
    for _ in range(3):
        _planifier(world, bilan, minutes=480)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == settings.DATABASE_APP_ROLE
    tentatives = [
        lambda: connection.cursor().execute(
            "UPDATE beneficiaires_bilan SET minutes_comptees = 0 WHERE id = %s", [bilan.pk]
        ),
        lambda: Bilan.objects.filter(pk=bilan.pk).update(minutes_comptees=0),
        lambda: Bilan.objects.bulk_update(
            [Bilan(pk=bilan.pk, minutes_comptees=0)], ["minutes_comptees"]
        ),
    ]
    for tentative in tentatives:
        with (
            tenant_context(world.org_a),
            pytest.raises(ProgrammingError, match="permission denied"),
            transaction.atomic(),
        ):
            tentative()
    assert _compteur_et_somme(world, bilan) == (1440, 1440, 1440)
    # Every other column stays writable by the application role, raw SQL included.
    with tenant_context(world.org_a), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE beneficiaires_bilan SET objectifs = 'Écrit' WHERE id = %s", [bilan.pk]
        )
        assert cursor.rowcount == 1
    with (
        tenant_context(world.org_a),
        pytest.raises(IntegrityError, match="24_heures"),
        transaction.atomic(),
    ):
        Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase="preliminaire",
            type="entretien",
            intitule="En douce",
            debut=DEMAIN,
            duree_minutes=60,
            modalite="telephone",
        )
    with pytest.raises(ValidationError, match="il reste 0 min"):
        _planifier(world, bilan, minutes=60)
    assert _compteur_et_somme(world, bilan) == (1440, 1440, 1440)


def test_regle_02_a_new_bilan_starts_at_zero_whatever_the_insert_says(world):
    bilan = bilan_for(world.beneficiaire_a, minutes_comptees=900)
    assert _compteur_et_somme(world, bilan) == (0, 0, 0)


def _colonnes_ecrites_par_des_declencheurs() -> set[tuple[str, str]]:
    """(table, column) pairs any trigger function in the database writes: ``UPDATE t SET c``
    in its body, or ``NEW.c :=`` in a trigger on table t."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, p.prosrc FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        )
        declencheurs = cursor.fetchall()
    ecrites = set()
    for table, source in declencheurs:
        for cible, affectations in re.findall(
            r"UPDATE\s+(?:\w+\.)?\"?(\w+)\"?\s+SET\s+(.+?)\s+WHERE", source, re.I | re.S
        ):
            for colonne in re.findall(r"(?:^|,)\s*\"?(\w+)\"?\s*=", affectations):
                ecrites.add((cible, colonne))
        for colonne in re.findall(r"NEW\.\"?(\w+)\"?\s*:=", source, re.I):
            ecrites.add((table, colonne))
    return ecrites


def test_every_column_a_trigger_writes_is_declared_and_reserved_to_it():
    """The review of every trigger, kept true for later ones: each column a trigger writes is
    declared in a model's ``colonnes_maintenues`` (so Django never writes it), the application
    role cannot update it and can update every other column of its table (columns added later
    included), and the system check agrees."""
    declarees = {(model._meta.db_table, colonne) for model, colonne in colonnes_maintenues()}
    assert declarees == {("beneficiaires_bilan", "minutes_comptees")}
    assert _colonnes_ecrites_par_des_declencheurs() == declarees
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        for table, colonne in declarees:
            cursor.execute(
                "SELECT attname, has_column_privilege(%s, attrelid, attname, 'UPDATE') "
                "FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped",
                [role, table],
            )
            droits = dict(cursor.fetchall())
            assert droits.pop(colonne) is False
            assert droits
            assert all(droits.values()), droits
            cursor.execute("SELECT has_table_privilege(%s, %s, 'UPDATE')", [role, table])
            assert cursor.fetchone()[0] is False
    assert colonnes_maintenues_problemes(connection) == []
    assert not [m for m in run_checks(databases=["default"]) if m.id == "bilan.E003"]


def test_the_counting_trigger_runs_with_its_owners_rights_and_a_fixed_search_path():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner), "
            "has_function_privilege(%s, p.oid, 'EXECUTE'), "
            "(SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = "
            "'beneficiaires_bilan') "
            "FROM pg_proc p WHERE p.proname = 'seances_budget_24h'",
            [settings.DATABASE_APP_ROLE],
        )
        securite_definie, reglages, proprietaire, executable, proprietaire_table = cursor.fetchone()
    assert securite_definie is True
    assert any(r.startswith("search_path=") and "pg_temp" in r for r in reglages or [])
    assert proprietaire == proprietaire_table != settings.DATABASE_APP_ROLE
    assert executable is False  # only as a trigger, never called directly


def _peut_modifier(cursor, table, colonne) -> bool:
    cursor.execute(
        "SELECT has_column_privilege(%s, %s, %s, 'UPDATE')",
        [settings.DATABASE_APP_ROLE, table, colonne],
    )
    return cursor.fetchone()[0]


def test_a_column_added_later_is_granted_and_the_counter_stays_reserved(owner_cursor):
    """What runs after every ``migrate`` (``colonnes_reserver_apres_migration``), tried as the
    owner in a transaction rolled back: a new column of the bilan table becomes updatable by the
    application role, the counter does not; a table-level re-grant is left to the check."""
    owner_cursor.execute("ALTER TABLE beneficiaires_bilan ADD COLUMN essai_ajout text")
    assert _peut_modifier(owner_cursor, "beneficiaires_bilan", "essai_ajout") is False
    apres_migration = reserver_sql(
        table="beneficiaires_bilan",
        colonnes=["minutes_comptees"],
        role=settings.DATABASE_APP_ROLE,
        seulement_si_deja_reservee=True,
    )
    owner_cursor.execute(apres_migration)
    assert _peut_modifier(owner_cursor, "beneficiaires_bilan", "essai_ajout") is True
    assert _peut_modifier(owner_cursor, "beneficiaires_bilan", "objectifs") is True
    assert _peut_modifier(owner_cursor, "beneficiaires_bilan", "minutes_comptees") is False
    # A blanket GRANT (as GrantApplicationRole would do) is not silently undone: the system
    # check reports it (see colonnes_maintenues_problemes).
    owner_cursor.execute(f'GRANT UPDATE ON beneficiaires_bilan TO "{settings.DATABASE_APP_ROLE}"')
    owner_cursor.execute(apres_migration)
    assert _peut_modifier(owner_cursor, "beneficiaires_bilan", "minutes_comptees") is True
