"""The agenda: day and week views, the organisation view, overlaps, rescheduling and cancelling
with their permissions, and the private iCalendar feed."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from beneficiaires.models import Bilan, Phase, StatutBilan
from bilan.core.models import Membership, Role
from bilan.core.tenancy import tenant_context
from seances.models import FluxAgenda, Seance
from seances.selectors import agenda as agenda_lecture
from seances.services import agenda
from tests.factories.beneficiaires import BeneficiaireFactory
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

LUNDI = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
MARQUEUR_NOTES = "MARQUEUR-NOTES-CONFIDENTIELLES"
MARQUEUR_OBJECTIFS = "MARQUEUR-OBJECTIFS-SEANCE"


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _a(jour: dt.date, heure: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(jour, dt.time(heure, minute)))


def _bilan(beneficiaire, **fields):
    values = {"statut": StatutBilan.EN_COURS, "phase": Phase.PRELIMINAIRE, **fields}
    return bilan_for(beneficiaire, **values)


def _seance(bilan, *, debut, minutes=60, consultant=None, **fields):
    values = {
        "phase": Phase.PRELIMINAIRE,
        "type": "entretien",
        "intitule": "Entretien individuel",
        "modalite": "telephone",
        **fields,
    }
    with tenant_context(bilan.organisation):
        return Seance.objects.create(
            organisation=bilan.organisation,
            bilan=bilan,
            consultant=consultant or bilan.consultant,
            debut=debut,
            duree_minutes=minutes,
            **values,
        )


def _recharger(seance) -> Seance:
    with tenant_context(seance.organisation):
        return Seance.objects.get(pk=seance.pk)


def _compte(bilan) -> int:
    with tenant_context(bilan.organisation):
        return Bilan.objects.get(pk=bilan.pk).minutes_comptees


@pytest.fixture
def eve(world):
    """A second consultant of organisation A, with her own beneficiary."""
    return staff_user(organisation=world.org_a, email="eve@a.test", first_name="Ève")


@pytest.fixture
def agenda_a(world, eve):
    """Bob's two séances on Monday and Tuesday, Eve's one on Monday, Charlie's (org B) one."""
    beneficiaire_eve = BeneficiaireFactory(
        organisation=world.org_a, consultant=eve, prenom="Yannick", nom="Zola"
    )
    bilan_bob = _bilan(world.beneficiaire_a)
    bilan_eve = _bilan(beneficiaire_eve)
    bilan_b = _bilan(world.beneficiaire_b)
    return {
        "bilan_bob": bilan_bob,
        "bilan_eve": bilan_eve,
        "bilan_b": bilan_b,
        "lundi": _seance(
            bilan_bob,
            debut=_a(LUNDI, 10),
            intitule="Entretien de lundi",
            notes=MARQUEUR_NOTES,
            objectifs=MARQUEUR_OBJECTIFS,
        ),
        "mardi": _seance(
            bilan_bob,
            debut=_a(LUNDI + dt.timedelta(days=1), 14),
            intitule="Entretien de mardi",
            modalite="presentiel",
            lieu="12 rue des Lilas, Lyon",
        ),
        "eve": _seance(bilan_eve, debut=_a(LUNDI, 10), intitule="Séance d'Ève"),
        "b": _seance(bilan_b, debut=_a(LUNDI, 9), intitule="Séance de l'organisme B"),
    }


def _url(**params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/app/agenda/?{query}"


# --- Views ------------------------------------------------------------------------------------


def test_week_view_lists_the_consultants_seances_only(world, login_as, agenda_a):
    response = login_as(world.consultant_a).get(_url(date=LUNDI.isoformat()))
    assert response.status_code == 200
    page = _page(response)
    assert page.count("<h1") == 1
    assert "Entretien de lundi" in page
    assert "Entretien de mardi" in page
    assert "12 rue des Lilas, Lyon" in page
    assert str(world.beneficiaire_a) in page
    assert f"/app/bilans/{agenda_a['bilan_bob'].public_id}/" in page
    assert "Planifiée" in page
    assert "Séance d'Ève" not in page
    assert "Séance de l'organisme B" not in page
    # A list per day (Monday to Sunday), previous and next week links.
    assert page.count('class="h5 border-bottom') == 7
    precedente = (LUNDI - dt.timedelta(days=7)).isoformat()
    suivante = (LUNDI + dt.timedelta(days=7)).isoformat()
    assert f"date={precedente}" in page
    assert f"date={suivante}" in page
    # No inline script or style (strict CSP).
    assert "<script>" not in page
    assert "style=" not in page


def test_default_is_the_week_of_today(world, login_as, agenda_a):
    aujourdhui = timezone.localdate()
    _seance(agenda_a["bilan_bob"], debut=_a(aujourdhui, 23), intitule="Séance de ce jour")
    page = _page(login_as(world.consultant_a).get("/app/agenda/"))
    assert "Séance de ce jour" in page
    assert "Entretien de lundi" not in page  # next week


def test_day_view_shows_that_day_only(world, login_as, agenda_a):
    mardi = (LUNDI + dt.timedelta(days=1)).isoformat()
    response = login_as(world.consultant_a).get(_url(vue="jour", date=mardi))
    page = _page(response)
    assert response.status_code == 200
    assert "Entretien de mardi" in page
    assert "Entretien de lundi" not in page
    assert f"date={LUNDI.isoformat()}" in page  # previous day
    assert f"date={(LUNDI + dt.timedelta(days=2)).isoformat()}" in page  # next day


def test_malformed_parameters_fall_back_to_defaults(world, login_as, agenda_a):
    """An unknown view and a date that is not one: the week view (seven days) of today's week,
    as with no parameter at all, not the day view nor an error."""
    aujourdhui = timezone.localdate()
    lundi_courant = aujourdhui - dt.timedelta(days=aujourdhui.weekday())
    _seance(agenda_a["bilan_bob"], debut=_a(aujourdhui, 23), intitule="Séance de ce jour")
    response = login_as(world.consultant_a).get(_url(vue="mois", date="pas-une-date"))
    assert response.status_code == 200
    page = _page(response)
    assert page.count('class="h5 border-bottom') == 7  # a week, Monday to Sunday
    assert "Séance de ce jour" in page
    assert "Entretien de lundi" not in page  # next week's
    assert f"date={(lundi_courant - dt.timedelta(days=7)).isoformat()}" in page  # previous week
    assert f"date={(lundi_courant + dt.timedelta(days=7)).isoformat()}" in page  # next week


def test_a_consultant_cannot_open_another_consultants_agenda(world, login_as, eve, agenda_a):
    client = login_as(world.consultant_a)
    for param in ("tous", str(eve.public_id)):
        page = _page(client.get(_url(date=LUNDI.isoformat(), consultant=param)))
        assert "Séance d'Ève" not in page
        assert "Entretien de lundi" in page


def test_admin_sees_the_organisation_or_one_consultant(world, login_as, eve, agenda_a):
    client = login_as(world.admin_a)
    page = _page(client.get(_url(date=LUNDI.isoformat(), consultant="tous")))
    assert "Entretien de lundi" in page
    assert "Séance d'Ève" in page
    assert "Séance de l'organisme B" not in page

    page = _page(client.get(_url(date=LUNDI.isoformat(), consultant=eve.public_id)))
    assert "Séance d'Ève" in page
    assert "Entretien de lundi" not in page

    # Their own agenda by default: the admin has no séance.
    page = _page(client.get(_url(date=LUNDI.isoformat())))
    assert "Séance d'Ève" not in page
    assert "Entretien de lundi" not in page


def test_the_organisation_agenda_is_a_day_at_a_time(world, login_as, eve, agenda_a):
    """Bounded work (issue 16): asked for its week, the organisation's agenda shows one day,
    with the day-by-day navigation; one consultant's agenda keeps its week."""
    client = login_as(world.admin_a)
    page = _page(client.get(_url(vue="semaine", date=LUNDI.isoformat(), consultant="tous")))
    assert "Entretien de lundi" in page
    assert "Séance d'Ève" in page
    assert "Entretien de mardi" not in page
    assert "Jour suivant" in page
    assert "Semaine suivante" not in page
    assert f"date={(LUNDI + dt.timedelta(days=1)).isoformat()}" in page
    page = _page(
        client.get(_url(date=(LUNDI + dt.timedelta(days=1)).isoformat(), consultant="tous"))
    )
    assert "Entretien de mardi" in page
    assert "Entretien de lundi" not in page
    page = _page(
        client.get(
            _url(vue="semaine", date=LUNDI.isoformat(), consultant=world.consultant_a.public_id)
        )
    )
    assert "Entretien de lundi" in page
    assert "Entretien de mardi" in page


def test_organisation_b_never_sees_organisation_a(world, login_as, agenda_a):
    client = login_as(world.consultant_b)
    page = _page(client.get(_url(date=LUNDI.isoformat(), consultant="tous")))
    assert "Séance de l'organisme B" in page
    assert "Entretien de lundi" not in page
    assert "Séance d'Ève" not in page
    seance = agenda_a["lundi"]
    response = client.post(
        f"/app/agenda/seances/{seance.public_id}/annuler/",
        {"nature": "annulee", "motif": "Intrusion"},
    )
    assert response.status_code == 404
    assert _recharger(seance).statut == Seance.Statut.PLANIFIEE


def test_overlapping_seances_raise_a_warning(world, login_as, agenda_a):
    client = login_as(world.consultant_a)
    page = _page(client.get(_url(date=LUNDI.isoformat())))
    assert "chevauche" not in page
    # Eve's séance at the same time is another consultant's: no conflict for Bob.
    _seance(agenda_a["bilan_bob"], debut=_a(LUNDI, 10, 30), intitule="Doublon")
    page = _page(client.get(_url(date=LUNDI.isoformat())))
    assert "se chevauchent" in page
    alerte = page[page.index("se chevauchent") :]
    alerte = alerte[: alerte.index("</section>")]
    assert "10:00" in alerte
    assert "10:30" in alerte


def test_cancelled_seances_do_not_conflict(world, agenda_a):
    autre = _seance(agenda_a["bilan_bob"], debut=_a(LUNDI, 10, 30), statut=Seance.Statut.ANNULEE)
    assert agenda_lecture.seances_en_conflit(seances=[agenda_a["lundi"], autre]) == []


def test_the_budget_of_each_bilan_is_shown(world, login_as, agenda_a):
    page = _page(login_as(world.consultant_a).get(_url(date=LUNDI.isoformat())))
    assert "Bilan : 2 h sur 24" in page


# --- Rescheduling and cancelling ---------------------------------------------------------------


def test_reschedule_requires_a_reason_and_keeps_it(world, login_as, agenda_a):
    client = login_as(world.consultant_a)
    seance = agenda_a["lundi"]
    url = f"/app/agenda/seances/{seance.public_id}/deplacer/"
    nouveau = _a(LUNDI + dt.timedelta(days=2), 15)
    response = client.post(
        url, {"debut": nouveau.strftime("%Y-%m-%dT%H:%M"), "motif": "  ", "vue": "semaine"}
    )
    assert response.status_code == 400
    assert "Indiquez pourquoi la séance est déplacée." in _page(response)
    assert _recharger(seance).debut == seance.debut

    response = client.post(
        url,
        {
            "debut": nouveau.strftime("%Y-%m-%dT%H:%M"),
            "motif": "Indisponibilité de la bénéficiaire",
            "vue": "jour",
            "date": LUNDI.isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/app/agenda/?vue=jour&date=")
    apres = _recharger(seance)
    assert apres.debut == nouveau
    assert "Indisponibilité de la bénéficiaire" in apres.motif
    assert apres.statut == Seance.Statut.PLANIFIEE


def test_reschedule_with_an_invalid_date_is_refused_in_french(world, login_as, agenda_a):
    seance = agenda_a["lundi"]
    response = login_as(world.consultant_a).post(
        f"/app/agenda/seances/{seance.public_id}/deplacer/",
        {"debut": "demain", "motif": "Raison"},
    )
    assert response.status_code == 400
    assert "Indiquez une date et une heure valides." in _page(response)
    assert _recharger(seance).debut == seance.debut


@pytest.mark.parametrize(
    ("nature", "statut"),
    [
        ("annulee", Seance.Statut.ANNULEE),
        ("excusee", Seance.Statut.ABSENCE_EXCUSEE),
        ("non_excusee", Seance.Statut.ABSENCE_NON_EXCUSEE),
    ],
)
def test_cancel_frees_the_budget(world, login_as, agenda_a, nature, statut):
    bilan = agenda_a["bilan_bob"]
    seance = agenda_a["lundi"]
    assert _compte(bilan) == 120
    response = login_as(world.consultant_a).post(
        f"/app/agenda/seances/{seance.public_id}/annuler/",
        {"nature": nature, "motif": "Maladie", "vue": "semaine", "date": LUNDI.isoformat()},
    )
    assert response.status_code == 302
    apres = _recharger(seance)
    assert apres.statut == statut
    assert apres.motif == "Maladie"
    assert _compte(bilan) == 60


def test_cancel_requires_a_reason(world, login_as, agenda_a):
    seance = agenda_a["lundi"]
    response = login_as(world.consultant_a).post(
        f"/app/agenda/seances/{seance.public_id}/annuler/", {"nature": "annulee", "motif": ""}
    )
    assert response.status_code == 400
    assert "Indiquez le motif." in _page(response)
    assert _recharger(seance).statut == Seance.Statut.PLANIFIEE
    assert _compte(agenda_a["bilan_bob"]) == 120


def test_an_admin_may_cancel_any_seance_of_the_organisation(world, login_as, agenda_a):
    seance = agenda_a["eve"]
    response = login_as(world.admin_a).post(
        f"/app/agenda/seances/{seance.public_id}/annuler/",
        {"nature": "excusee", "motif": "Prévenu la veille"},
    )
    assert response.status_code == 302
    assert _recharger(seance).statut == Seance.Statut.ABSENCE_EXCUSEE


def test_a_non_assigned_member_gets_403_and_nothing_changes(world, login_as, eve, agenda_a):
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="ines@a.test")
    seance = agenda_a["lundi"]
    nouveau = _a(LUNDI + dt.timedelta(days=3), 9).strftime("%Y-%m-%dT%H:%M")
    # A consultant of the organisation who is not on the bilan: 404, never its existence
    # (need-to-know, domain rule 11; was 403 before beneficiaires/acces.py).
    for user, refus in ((eve, 404), (assistant, 403)):
        client = login_as(user)
        response = client.post(
            f"/app/agenda/seances/{seance.public_id}/deplacer/",
            {"debut": nouveau, "motif": "Pas mon bilan"},
        )
        assert response.status_code == refus
        response = client.post(
            f"/app/agenda/seances/{seance.public_id}/annuler/",
            {"nature": "non_excusee", "motif": "Pas mon bilan"},
        )
        assert response.status_code == refus
    apres = _recharger(seance)
    assert (apres.debut, apres.statut, apres.motif) == (seance.debut, seance.statut, "")
    assert _compte(agenda_a["bilan_bob"]) == 120
    # The admin, by contrast, is offered the forms in Bob's agenda (fetched when their
    # <details> opens); the organisation's week links each séance to its page. The others are
    # refused the form fragment as they are the action.
    admin = login_as(world.admin_a)
    page = _page(admin.get(_url(date=LUNDI.isoformat(), consultant="tous")))
    assert f"/app/seances/{seance.public_id}/" in page
    page = _page(admin.get(_url(date=LUNDI.isoformat(), consultant=world.consultant_a.public_id)))
    fragment = f"/app/agenda/seances/{seance.public_id}/formulaire/annuler/"
    assert fragment in page
    assert f"/app/agenda/seances/{seance.public_id}/annuler/" in _page(admin.get(fragment))
    for user, refus in ((eve, 404), (assistant, 403)):
        assert login_as(user).get(fragment).status_code == refus


def test_a_get_on_an_action_is_refused(world, login_as, agenda_a):
    seance = agenda_a["lundi"]
    response = login_as(world.consultant_a).get(f"/app/agenda/seances/{seance.public_id}/annuler/")
    assert response.status_code == 405


# --- Private iCalendar feed -------------------------------------------------------------------


def _url_flux(page: str) -> str:
    match = re.search(r'value="(http://testserver/agenda/[^"]+\.ics)"', page)
    assert match, "L'adresse du flux n'est pas affichée."
    return match.group(1).removeprefix("http://testserver")


def test_feed_page_shows_the_url_once(world, login_as, agenda_a):
    client = login_as(world.consultant_a)
    assert "Aucun flux n'est actif." in _page(client.get("/app/agenda/flux/"))
    response = client.post("/app/agenda/flux/", {"action": "creer"})
    assert response.status_code == 200
    url = _url_flux(_page(response))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    flux = FluxAgenda.objects.get(user=world.consultant_a, revoque_le__isnull=True)
    assert flux.token_hash != token
    assert token not in flux.token_hash
    page = _page(client.get("/app/agenda/flux/"))
    assert token not in page
    assert "Un flux est actif" in page


def test_feed_contains_only_the_users_seances_without_confidential_text(world, login_as, agenda_a):
    _seance(
        agenda_a["bilan_bob"],
        debut=_a(LUNDI, 16),
        statut=Seance.Statut.ANNULEE,
        intitule="Annulée",
    )
    with tenant_context(world.org_a):
        token = agenda.agenda_flux_creer(user=world.consultant_a, organisation=world.org_a)
    response = login_as(world.consultant_b).get(f"/agenda/{world.org_a.public_id}/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert MARQUEUR_NOTES not in body
    assert MARQUEUR_OBJECTIFS not in body
    assert "Entretien de lundi" not in body  # the free-text title stays out
    calendrier = Calendar.from_ical(response.content)
    evenements = {str(e["UID"]): e for e in calendrier.walk("VEVENT")}
    lundi, mardi = agenda_a["lundi"], agenda_a["mardi"]
    assert set(evenements) >= {f"{lundi.public_id}@bilan", f"{mardi.public_id}@bilan"}
    assert f"{agenda_a['eve'].public_id}@bilan" not in evenements
    assert f"{agenda_a['b'].public_id}@bilan" not in evenements
    assert len(evenements) == 3
    evenement = evenements[f"{lundi.public_id}@bilan"]
    beneficiaire = world.beneficiaire_a
    assert str(evenement["SUMMARY"]) == (
        f"Séance de bilan — {beneficiaire.prenom} {beneficiaire.nom[0].upper()}."
    )
    assert evenement.decoded("DTSTART") == lundi.debut
    assert evenement.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert evenement.decoded("DTEND") == lundi.debut + dt.timedelta(minutes=60)
    assert "DTSTART:" in body
    assert body.count("Z\r\n") >= 6  # UTC times
    assert str(evenement["LOCATION"]) == "Téléphone"
    assert str(evenement["STATUS"]) == "CONFIRMED"
    assert str(evenement["URL"]).endswith(f"/app/bilans/{agenda_a['bilan_bob'].public_id}/")
    assert str(evenements[f"{mardi.public_id}@bilan"]["LOCATION"]) == "12 rue des Lilas, Lyon"
    statuts = sorted(str(e["STATUS"]) for e in evenements.values())
    assert statuts == ["CANCELLED", "CONFIRMED", "CONFIRMED"]


def test_feed_of_organisation_b_never_shows_organisation_a(world, agenda_a, client):
    token = agenda.agenda_flux_creer(user=world.consultant_b, organisation=world.org_b)
    response = client.get(f"/agenda/{world.org_b.public_id}/{token}.ics")
    assert response.status_code == 200
    uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert uids == {f"{agenda_a['b'].public_id}@bilan"}
    # The token with organisation A's id: 404.
    assert client.get(f"/agenda/{world.org_a.public_id}/{token}.ics").status_code == 404


def test_feed_window_is_30_days_back_to_365_ahead(world, agenda_a, client):
    bilan = agenda_a["bilan_bob"]
    maintenant = timezone.now()
    ancienne = _seance(bilan, debut=maintenant - dt.timedelta(days=31), statut="realisee")
    recente = _seance(bilan, debut=maintenant - dt.timedelta(days=29), statut="realisee")
    lointaine = _seance(bilan, debut=maintenant + dt.timedelta(days=366))
    token = agenda.agenda_flux_creer(user=world.consultant_a, organisation=world.org_a)
    response = client.get(f"/agenda/{world.org_a.public_id}/{token}.ics")
    uids = {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}
    assert f"{recente.public_id}@bilan" in uids
    assert f"{ancienne.public_id}@bilan" not in uids
    assert f"{lointaine.public_id}@bilan" not in uids


def test_revoked_unknown_and_renewed_tokens_get_404(world, login_as, agenda_a, client):
    staff = login_as(world.consultant_a)
    ancienne = _url_flux(_page(staff.post("/app/agenda/flux/", {"action": "creer"})))
    assert client.get(ancienne).status_code == 200

    nouvelle = _url_flux(_page(staff.post("/app/agenda/flux/", {"action": "creer"})))
    assert nouvelle != ancienne
    assert client.get(ancienne).status_code == 404
    assert client.get(nouvelle).status_code == 200
    assert FluxAgenda.objects.filter(user=world.consultant_a, revoque_le__isnull=True).count() == 1

    assert staff.post("/app/agenda/flux/", {"action": "revoquer"}).status_code == 302
    assert client.get(nouvelle).status_code == 404
    assert client.get(f"/agenda/{world.org_a.public_id}/inconnu.ics").status_code == 404
    assert client.post(nouvelle).status_code in {403, 404, 405}


def test_deactivated_member_feed_gets_404(world, agenda_a, client):
    token = agenda.agenda_flux_creer(user=world.consultant_a, organisation=world.org_a)
    url = f"/agenda/{world.org_a.public_id}/{token}.ics"
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=world.consultant_a, organisation=world.org_a).update(
        is_active=False
    )
    assert client.get(url).status_code == 404
