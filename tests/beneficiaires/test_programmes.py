"""Programme templates: the five built-ins, copies per organisation, the 24-hour rule on
edition, the calendar proposal and the planning of a bilan's séances."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from beneficiaires import programmes as catalogue
from beneficiaires.cycle import ORDRE_PHASES
from beneficiaires.models import Bilan, Notification, Phase, Programme, ProgrammeEtape, TypeSeance
from beneficiaires.services.programmes import (
    programme_copier_modele,
    programme_enregistrer_etapes,
    programme_etapes_lister,
    programme_proposer_calendrier,
)
from bilan.core import dates
from bilan.core.models import Role
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from seances.models import Seance
from seances.services.programmes import seances_planifier_depuis_programme
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

PARIS = dt.timezone(dt.timedelta(hours=1))  # winter time, for readable fixed datetimes


def paris(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def copie(org, slug="douze-seances-10-semaines") -> Programme:
    with tenant_context(org):
        return programme_copier_modele(organisation=org, slug=slug)


# --- the built-ins ------------------------------------------------------------------------------


def test_there_are_five_builtins_one_per_seed():
    assert len(catalogue.MODELES) == 5
    assert len({m.slug for m in catalogue.MODELES}) == 5


@pytest.mark.parametrize("modele", catalogue.MODELES, ids=lambda m: m.slug)
def test_every_builtin_is_valid(modele):
    etapes = [e.as_dict() for e in modele.etapes]
    assert modele.minutes_comptees <= 24 * 60
    phases = [e["phase"] for e in etapes]
    assert phases == sorted(phases, key=ORDRE_PHASES.index)
    assert set(phases) == set(Phase.values)
    conclusion = [e for e in etapes if e["phase"] == Phase.CONCLUSION]
    assert any(e["type"] in {TypeSeance.ENTRETIEN, TypeSeance.RESTITUTION} for e in conclusion)
    assert all(15 <= e["duree_minutes"] <= 480 for e in etapes)
    assert 3 <= modele.suivi_mois <= modele.suivi_mois_max <= 9
    assert catalogue.erreurs_etapes(etapes=etapes) == []


def test_builtins_follow_their_seeds():
    m = catalogue.MODELES_PAR_SLUG
    seed000 = m["douze-seances-10-semaines"]
    assert len(seed000.etapes) == 12
    assert seed000.minutes_comptees == 24 * 60
    assert {e.duree_minutes for e in seed000.etapes} <= {60, 120, 180}
    assert (seed000.suivi_mois, seed000.suivi_mois_max, seed000.suivi_duree_minutes) == (6, 6, 60)
    seed001 = m["18h-accompagnement-6h-travail-personnel"]
    assert (seed001.minutes_accompagnement, seed001.minutes_travail_personnel) == (18 * 60, 360)
    assert (seed001.suivi_mois, seed001.suivi_mois_max) == (3, 6)  # "entre 3 et 6 mois"
    seed002 = m["retrospection-prospective"]
    by_phase = {
        p: sum(e.duree_minutes for e in seed002.etapes if e.phase == p) for p in Phase.values
    }
    assert by_phase["preliminaire"] == 120
    assert 16 * 60 <= by_phase["investigation"] <= 18 * 60
    assert 120 <= by_phase["conclusion"] <= 240
    seed003 = m["trois-phases-modulables"]
    assert seed003.minutes_comptees <= 24 * 60
    assert 4 <= seed003.duree_semaines <= 26
    assert (seed003.suivi_mois, seed003.suivi_mois_max) == (6, 9)  # "6 à 9 mois"
    assert seed003.delai_reflexion_jours == 10  # "délai de réflexion de 10 jours calendaires"
    assert m["retrospection-prospective"].suivi_mois_max == 6  # "Rencontre à 6 mois"
    seed004 = m["14h-entretiens-10h-travail-personnel"]
    assert (seed004.minutes_accompagnement, seed004.minutes_travail_personnel) == (840, 600)
    assert 11 <= seed004.duree_semaines <= 14  # about three months
    assert (seed004.suivi_mois, seed004.suivi_mois_max, seed004.suivi_duree_minutes) == (3, 6, 60)
    assert {s.delai_reflexion_jours for s in m.values() if s is not seed003} == {None}


# --- copies -------------------------------------------------------------------------------------


def test_copy_creates_an_editable_programme_in_the_organisation(world):
    programme = copie(world.org_a)
    modele = catalogue.MODELES_PAR_SLUG["douze-seances-10-semaines"]
    with tenant_context(world.org_a):
        assert programme.organisation == world.org_a
        assert programme.modele_source == modele.slug
        etapes = programme_etapes_lister(programme=programme)
    assert etapes == [e.as_dict() for e in modele.etapes]


def test_copying_twice_gives_a_distinct_name(world):
    first = copie(world.org_a)
    second = copie(world.org_a)
    third = copie(world.org_a)
    assert second.nom == f"{first.nom} (copie 2)"
    assert third.nom == f"{first.nom} (copie 3)"
    # The same name is free in another organisation.
    assert copie(world.org_b).nom == first.nom


def test_unknown_template_is_refused(world):
    with tenant_context(world.org_a), pytest.raises(ValidationError):
        programme_copier_modele(organisation=world.org_a, slug="inconnu")


def test_copies_are_scoped_to_their_organisation(world, login_as):
    programme = copie(world.org_a)
    with tenant_context(world.org_b):
        assert not Programme.objects.exists()
    page = login_as(world.consultant_b).get("/app/programmes/").content.decode()
    assert programme.nom not in page.split("Modèles fournis")[0]
    outsider = login_as(world.consultant_b)
    for url in (
        f"/app/programmes/{programme.public_id}/",
        f"/app/programmes/{programme.public_id}/modifier/",
    ):
        assert outsider.get(url).status_code == 404
        assert outsider.post(url, {}).status_code in {404, 405}


# --- edition ------------------------------------------------------------------------------------


def test_editing_over_24_hours_is_refused_and_nothing_is_written(world):
    programme = copie(world.org_a)
    with tenant_context(world.org_a):
        before = programme_etapes_lister(programme=programme)
        etapes = [*before, {**before[-1], "intitule": "Séance de trop", "duree_minutes": 90}]
        with pytest.raises(ValidationError) as exc:
            programme_enregistrer_etapes(programme=programme, etapes=etapes)
        assert "dépasse de 1 h 30 les 24 heures" in " ".join(exc.value.messages)
        assert programme_etapes_lister(programme=programme) == before


def test_phases_out_of_order_and_missing_conclusion_interview_are_refused(world):
    programme = copie(world.org_a)
    with tenant_context(world.org_a):
        before = programme_etapes_lister(programme=programme)
        misordered = [before[3], before[0], *before[4:]]
        with pytest.raises(ValidationError, match="dans l'ordre"):
            programme_enregistrer_etapes(programme=programme, etapes=misordered)
        no_interview = [
            e if e["phase"] != Phase.CONCLUSION else {**e, "type": TypeSeance.TRAVAIL_PERSONNEL}
            for e in before
        ]
        with pytest.raises(ValidationError, match="conclusion doit comporter"):
            programme_enregistrer_etapes(programme=programme, etapes=no_interview)
        assert programme_etapes_lister(programme=programme) == before


def test_valid_edit_replaces_the_etapes(world):
    programme = copie(world.org_a)
    with tenant_context(world.org_a):
        etapes = programme_etapes_lister(programme=programme)[:-1]
        etapes[-1] = {**etapes[-1], "type": TypeSeance.RESTITUTION}
        programme_enregistrer_etapes(programme=programme, etapes=etapes)
        assert ProgrammeEtape.objects.filter(programme=programme).count() == 11
        assert list(
            ProgrammeEtape.objects.filter(programme=programme).values_list("ordre", flat=True)
        ) == list(range(1, 12))


# --- calendar -----------------------------------------------------------------------------------


def _programme_with_gaps(org, gaps) -> Programme:
    programme = copie(org)
    etapes = [
        {
            "phase": Phase.PRELIMINAIRE,
            "type": TypeSeance.ENTRETIEN,
            "intitule": "Accueil",
            "duree_minutes": 60,
            "ecart_jours": 0,
        },
    ]
    for i, gap in enumerate(gaps):
        phase = Phase.INVESTIGATION if i < len(gaps) - 1 else Phase.CONCLUSION
        etapes.append(
            {"phase": phase, "type": TypeSeance.ENTRETIEN, "intitule": f"Séance {i + 2}",
             "duree_minutes": 60, "ecart_jours": gap}
        )  # fmt: skip
    with tenant_context(org):
        programme_enregistrer_etapes(programme=programme, etapes=etapes)
    return programme


def test_calendar_skips_weekends_and_keeps_the_time_of_day(world):
    programme = _programme_with_gaps(world.org_a, [4, 7])
    with tenant_context(world.org_a):
        # Thursday 5 March 2026, 14:30 -> +4 = Monday 9 -> +7 = Monday 16.
        proposal = programme_proposer_calendrier(
            programme=programme, debut=paris(2026, 3, 5, 14, 30)
        )
    dates = [timezone.localtime(p["debut"]) for p in proposal]
    assert [d.date() for d in dates] == [
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 16),
    ]
    assert all((d.hour, d.minute) == (14, 30) for d in dates)
    programme = _programme_with_gaps(world.org_a, [2, 7])
    with tenant_context(world.org_a):
        # Thursday + 2 = Saturday -> Monday; Monday + 7 = Monday.
        proposal = programme_proposer_calendrier(programme=programme, debut=paris(2026, 3, 5, 9, 0))
    assert [timezone.localtime(p["debut"]).date() for p in proposal] == [
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 16),
    ]
    assert [p["decale"] for p in proposal] == [False, True, False]


def test_calendar_skips_french_public_holidays(world):
    assert dt.date(2026, 5, 14) in dates.jours_feries(annee=2026)  # Ascension, computed
    programme = _programme_with_gaps(world.org_a, [7, 7])
    with tenant_context(world.org_a):
        # Thursday 7 May 2026 -> +7 = Thursday 14 May (Ascension) -> Friday 15 May;
        # +7 = Friday 22 May -> Monday 25 May is Whit Monday, but 22 May is a working day.
        proposal = programme_proposer_calendrier(
            programme=programme, debut=paris(2026, 5, 7, 10, 0)
        )
    assert [timezone.localtime(p["debut"]).date() for p in proposal] == [
        dt.date(2026, 5, 7),
        dt.date(2026, 5, 15),
        dt.date(2026, 5, 22),
    ]
    # A start on 1 May (Friday, holiday) moves to Monday 4 May, across the summer-time change.
    assert catalogue.placer(precedent=paris(2026, 5, 1, 9, 0), ecart_jours=0)[0] == paris(
        2026, 5, 4, 9, 0
    )
    assert catalogue.placer(precedent=paris(2026, 3, 27, 9, 0), ecart_jours=1)[0] == paris(
        2026, 3, 30, 9, 0
    )


def test_follow_up_date_is_months_later_on_a_working_day():
    assert catalogue.date_suivi(fin=dt.date(2026, 8, 31), mois=6) == dt.date(
        2027, 3, 1
    )  # 28 Feb: Sunday


# --- planning a bilan ---------------------------------------------------------------------------


def _seances(proposal, keep=None):
    rows = proposal if keep is None else proposal[:keep]
    # By phone: no place nor link to give (the calendar asks for them once otherwise).
    return [
        {
            **{k: p[k] for k in ("debut", "duree_minutes", "type", "phase", "intitule")},
            "modalite": "telephone",
        }
        for p in rows
    ]


def test_planning_creates_seances_and_sets_the_planned_hours(world):
    programme = copie(world.org_a, "18h-accompagnement-6h-travail-personnel")
    bilan = bilan_for(world.beneficiaire_a, programme=programme)
    with tenant_context(world.org_a):
        proposal = programme_proposer_calendrier(programme=programme, debut=paris(2026, 3, 2, 9))
        created = seances_planifier_depuis_programme(bilan=bilan, seances=_seances(proposal))
        assert len(created) == 13
        assert Seance.objects.filter(bilan=bilan, statut=Seance.Statut.PLANIFIEE).count() == 13
        bilan.refresh_from_db()
    assert bilan.heures_accompagnement == Decimal("18.00")
    assert bilan.heures_travail_personnel == Decimal("6.00")


def test_regle_02_calendrier_au_dela_de_24_heures_refuse_sans_rien_ecrire(world):
    programme = copie(world.org_a)  # 24 h
    bilan = bilan_for(world.beneficiaire_a)
    with tenant_context(world.org_a):
        proposal = programme_proposer_calendrier(programme=programme, debut=paris(2026, 3, 2, 9))
        seances_planifier_depuis_programme(bilan=bilan, seances=_seances(proposal, keep=11))  # 21 h
        extra = [
            {**_seances(proposal)[-1], "duree_minutes": 180},  # 3 h: exactly 24 h, accepted
        ]
        extra_one_more = [{**extra[0], "duree_minutes": 240}]  # 4 h: 25 h
        relances_avant = Relance.objects.filter(bilan=bilan).count()
        with pytest.raises(ValidationError) as exc:
            seances_planifier_depuis_programme(bilan=bilan, seances=extra_one_more)
        message = " ".join(exc.value.messages)
        assert "il reste 3 h, et ce planning en demande 4 h" in message
        assert Seance.objects.filter(bilan=bilan).count() == 11
        # Nothing written: no séance, no reminder, no notice, the hours unchanged.
        assert Relance.objects.filter(bilan=bilan).count() == relances_avant
        assert not Notification.objects.filter(bilan=bilan, sujet="seances_planifiees").exclude(
            texte__startswith="11 "
        )
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == 21 * 60
        assert Bilan.objects.get(pk=bilan.pk).heures_prevues == Decimal("21.00")
        seances_planifier_depuis_programme(bilan=bilan, seances=extra)
        assert Seance.objects.filter(bilan=bilan).count() == 12
        with pytest.raises(ValidationError, match="il reste 0 min"):
            seances_planifier_depuis_programme(
                bilan=bilan, seances=[{**extra[0], "duree_minutes": 15}]
            )


def test_cancelled_seances_do_not_count(world):
    programme = copie(world.org_a)
    bilan = bilan_for(world.beneficiaire_a)
    with tenant_context(world.org_a):
        proposal = programme_proposer_calendrier(programme=programme, debut=paris(2026, 3, 2, 9))
        created = seances_planifier_depuis_programme(bilan=bilan, seances=_seances(proposal))
        Seance.objects.filter(pk=created[-1].pk).update(statut=Seance.Statut.ANNULEE)
        seances_planifier_depuis_programme(bilan=bilan, seances=_seances(proposal)[-1:])
        assert Seance.objects.filter(bilan=bilan).count() == 13


# --- views --------------------------------------------------------------------------------------


def test_catalogue_lists_builtins_and_copy_button_for_editors(world, login_as):
    response = login_as(world.admin_a).get("/app/programmes/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for modele in catalogue.MODELES:
        assert modele.nom in page
    assert "Copier dans mon organisme" in page
    assert page.count("<h1") == 1


def test_admin_copies_views_and_edits_a_programme(world, login_as):
    client = login_as(world.admin_a)
    response = client.post("/app/programmes/", {"modele": "retrospection-prospective"})
    assert response.status_code == 302
    with tenant_context(world.org_a):
        programme = Programme.objects.get()
        etapes = programme_etapes_lister(programme=programme)
    assert response["Location"] == f"/app/programmes/{programme.public_id}/"
    detail = html.unescape(client.get(response["Location"]).content.decode())
    assert "Heures par phase" in detail
    assert "24 h sur 24 h" in detail
    assert '<th scope="row">Phase d\'investigation</th><td>13 h</td><td>5 h</td><td>18 h</td>' in (
        detail
    )

    url = f"/app/programmes/{programme.public_id}/modifier/"
    assert client.get(url).status_code == 200

    def post(etapes, **extra):
        data = {
            "nom": "Mon programme",
            "description": "Adapté",
            "suivi_mois": 7,
            "suivi_mois_max": 8,
            "delai_reflexion_jours": "",
            "suivi_duree_minutes": 45,
            "actif": "on",
            "etapes-TOTAL_FORMS": len(etapes) + 1,
            "etapes-INITIAL_FORMS": len(etapes),
            "etapes-MIN_NUM_FORMS": 0,
            "etapes-MAX_NUM_FORMS": 1000,
            **extra,
        }
        for i, e in enumerate(etapes):
            for key, value in e.items():
                data[f"etapes-{i}-{key}"] = value
            data[f"etapes-{i}-ORDER"] = i + 1
        return client.post(url, data)

    # Too long: refused with the reason, nothing written.
    too_long = [*etapes[:-1], {**etapes[-1], "duree_minutes": 180}]
    response = post(too_long)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "dépasse de 1 h" in page
    assert "resume-erreurs" in page
    with tenant_context(world.org_a):
        assert programme_etapes_lister(programme=programme) == etapes
        assert Programme.objects.get().nom == programme.nom

    # A field error is shown at the field and in the summary.
    response = post([{**etapes[0], "duree_minutes": 5}, *etapes[1:]])
    assert response.status_code == 400
    assert 'href="#id_etapes-0-duree_minutes"' in response.content.decode()

    # Valid: delete the last but one étape, add a new one through the empty row.
    shorter = [*etapes]
    response = post(
        shorter,
        **{
            f"etapes-{len(etapes) - 2}-DELETE": "on",
            f"etapes-{len(etapes)}-phase": "conclusion",
            f"etapes-{len(etapes)}-type": "entretien",
            f"etapes-{len(etapes)}-intitule": "Bilan à froid",
            f"etapes-{len(etapes)}-duree_minutes": 30,
            f"etapes-{len(etapes)}-ecart_jours": 7,
            f"etapes-{len(etapes)}-ORDER": 99,
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        programme.refresh_from_db()
        saved = programme_etapes_lister(programme=programme)
    assert (programme.nom, programme.suivi_mois, programme.suivi_duree_minutes) == (
        "Mon programme",
        7,
        45,
    )
    assert len(saved) == len(etapes)
    assert saved[-1]["intitule"] == "Bilan à froid"
    assert etapes[-2]["intitule"] not in [e["intitule"] for e in saved]


def test_assistant_reads_but_cannot_copy_or_edit(world, login_as):
    programme = copie(world.org_a)
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="assi@a.test")
    client = login_as(assistant)
    page = client.get("/app/programmes/").content.decode()
    assert "Copier dans mon organisme" not in page
    assert client.get(f"/app/programmes/{programme.public_id}/").status_code == 200
    assert client.post("/app/programmes/", {"modele": "trois-phases-modulables"}).status_code == 403
    assert client.get(f"/app/programmes/{programme.public_id}/modifier/").status_code == 403
    with tenant_context(world.org_a):
        assert Programme.objects.count() == 1


def test_calendar_page_proposes_then_plans_the_seances(world, login_as):
    programme = copie(world.org_a, "14h-entretiens-10h-travail-personnel")
    bilan = bilan_for(world.beneficiaire_a, programme=programme)
    client = login_as(world.consultant_a)
    url = f"/app/programmes/bilans/{bilan.public_id}/calendrier/"
    assert client.get(url).status_code == 200
    response = client.get(url, {"programme": programme.pk, "debut": "2026-03-05T10:00"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Planifier les séances gardées" in page
    assert 'value="2026-03-05T10:00"' in page
    assert "Il sera planifié automatiquement à la clôture." in page

    formset = response.context["formset"]
    data = {"programme": programme.pk, "debut": "2026-03-05T10:00"}
    data.update({f"seances-{k}": v for k, v in formset.management_form.initial.items()})
    for i, form in enumerate(formset.forms):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if name == "debut":
                value = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
            if name == "garder":
                if i == 2:  # drop the first personal work (1 h)
                    continue
                value = "on"
            data[f"seances-{i}-{name}"] = value
    data["seances-0-intitule"] = "Premier rendez-vous"
    data.update(action="planifier", lieu="Salle 2, 3 rue des Lilas")
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"/app/bilans/{bilan.public_id}/"
    with tenant_context(world.org_a):
        seances = list(Seance.objects.filter(bilan=bilan).order_by("debut"))
        bilan.refresh_from_db()
    assert len(seances) == len(formset.forms) - 1
    assert seances[0].intitule == "Premier rendez-vous"
    assert timezone.localtime(seances[0].debut) == paris(2026, 3, 5, 10, 0)
    assert all(timezone.localtime(s.debut).weekday() < 5 for s in seances)
    assert (bilan.heures_accompagnement, bilan.heures_travail_personnel) == (
        Decimal("14.00"),
        Decimal("9.00"),
    )

    # Planning the whole programme again would pass 24 h: refused, the page says how much is left.
    response = client.post(url, {**data, "seances-2-garder": "on", "accepter_chevauchements": "on"})
    assert response.status_code == 400
    assert "il reste 1 h" in html.unescape(response.content.decode())
    with tenant_context(world.org_a):
        assert Seance.objects.filter(bilan=bilan).count() == len(seances)


def test_only_staff_of_the_bilan_may_plan(world, login_as):
    programme = copie(world.org_a)
    # An assistant sees the dossier but does not plan it; a consultant who is not on the bilan
    # would not even see it (404, need-to-know: see the isolation sweep's intra pass).
    other = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="autre@a.test")
    bilan = bilan_for(world.beneficiaire_a, programme=programme)
    url = f"/app/programmes/bilans/{bilan.public_id}/calendrier/"
    client = login_as(other)
    assert (
        client.get(url, {"programme": programme.pk, "debut": "2026-03-05T10:00"}).status_code == 200
    )
    assert client.post(url, {"programme": programme.pk}).status_code == 403
    assert login_as(world.consultant_b).get(url).status_code == 404
