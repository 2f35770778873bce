"""Séances without dead ends (issue 13): one planning path for the calendar and by hand, clashes
shown before a calendar is applied, personal work without date, place or attendance invented,
planned hours from the plan, and the beneficiary's notifications (portal + outbox, ICS)."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from beneficiaires.models import Bilan, Modalite, Notification, Phase, StatutBilan
from beneficiaires.services.conventions import convention_emettre
from beneficiaires.services.programmes import programme_proposer_calendrier
from bilan.core.models import Signature, SignedDocument
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from seances.models import Emargement, Seance
from seances.selectors.emargement import seances_a_emarger_pour
from seances.services import emargement as emargement_services
from seances.services import seances as services
from seances.services import travail
from seances.services.programmes import seances_planifier_depuis_programme
from tests.factories.beneficiaires import BeneficiaireFactory
from tests.factories.bilans import bilan_for, programme_for
from tests.factories.signatures import issued_document

pytestmark = pytest.mark.django_db
K = Relance.Kind


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _paris(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def _bilan(world, **fields):
    values = {"statut": StatutBilan.EN_COURS, "phase": Phase.PRELIMINAIRE, **fields}
    return bilan_for(world.beneficiaire_a, **values)


def _planifier(world, bilan, *, debut, minutes=60, type="entretien", modalite="telephone", **kw):
    with tenant_context(world.org_a):
        return services.seance_planifier(
            bilan=bilan,
            phase=kw.pop("phase", Phase.PRELIMINAIRE),
            type=type,
            intitule=kw.pop("intitule", "Entretien"),
            debut=debut,
            duree_minutes=minutes,
            modalite=modalite,
            **kw,
        )


def _proposition(world, *, slug="douze-seances-10-semaines", debut):
    programme = programme_for(world.org_a, slug=slug)
    with tenant_context(world.org_a):
        return programme, programme_proposer_calendrier(programme=programme, debut=debut)


# --- 1. One planning path ----------------------------------------------------------------------


def test_calendar_seances_get_modality_place_link_and_reminders_like_manual_ones(world):
    bilan = _bilan(world, modalite=Modalite.DISTANCIEL)
    _programme, plan = _proposition(
        world, slug="18h-accompagnement-6h-travail-personnel", debut=_paris(2027, 3, 1, 9)
    )
    with tenant_context(world.org_a):
        creees = seances_planifier_depuis_programme(
            bilan=bilan, seances=plan, lien_visio="https://visio.example/salle-7"
        )
        rendez_vous = [s for s in creees if s.type != "travail_personnel"]
        personnel = [s for s in creees if s.type == "travail_personnel"]
        assert rendez_vous
        assert personnel
        for seance in rendez_vous:
            assert (seance.modalite, seance.lien_visio) == (
                "visio",
                "https://visio.example/salle-7",
            )
            kinds = set(Relance.objects.filter(seance=seance).values_list("kind", flat=True))
            assert kinds == {K.RAPPEL_SEANCE_BENEFICIAIRE, K.RAPPEL_SEANCE_CONSULTANT}
        for seance in personnel:
            assert (seance.modalite, seance.lieu, seance.lien_visio) == ("autonomie", "", "")
            assert not Relance.objects.filter(seance=seance).exists()


def test_calendar_place_and_link_go_only_to_the_seances_of_their_modality(world):
    """A mixed bilan's calendar asks place and link once: an in-person séance shows no video
    link, a video one no place (the demo showed « Présentiel — salle — lien de visio »)."""
    bilan = _bilan(world, modalite=Modalite.MIXTE)
    _programme, plan = _proposition(world, debut=_paris(2027, 3, 1, 9))
    plan[1]["modalite"] = "visio"
    plan[2]["modalite"] = "telephone"
    with tenant_context(world.org_a):
        creees = seances_planifier_depuis_programme(
            bilan=bilan, seances=plan[:3], lieu="Salle 2", lien_visio="https://visio.example/b"
        )
    assert [(s.modalite, s.lieu, s.lien_visio) for s in creees] == [
        ("presentiel", "Salle 2", ""),
        ("visio", "", "https://visio.example/b"),
        ("telephone", "", ""),
    ]


def test_calendar_without_the_place_it_needs_is_refused_and_writes_nothing(world):
    bilan = _bilan(world)  # in person
    _programme, plan = _proposition(world, debut=_paris(2027, 3, 1, 9))
    with tenant_context(world.org_a), pytest.raises(ValidationError) as exc:
        seances_planifier_depuis_programme(bilan=bilan, seances=plan)
    assert "Séance 1 : Indiquez le lieu de la séance." in exc.value.messages
    with tenant_context(world.org_a):
        assert not Seance.objects.filter(bilan=bilan).exists()
        assert not Relance.objects.filter(bilan=bilan).exists()
        assert not Notification.objects.filter(bilan=bilan).exists()


def test_a_generated_visio_seance_can_be_moved_and_edited_with_all_its_fields(world, login_as):
    bilan = _bilan(world, modalite=Modalite.DISTANCIEL)
    _programme, plan = _proposition(world, debut=_paris(2027, 3, 1, 9))
    with tenant_context(world.org_a):
        premiere = seances_planifier_depuis_programme(
            bilan=bilan, seances=plan[:1], lien_visio="https://visio.example/a"
        )[0]
    client = login_as(world.consultant_a)
    response = client.post(
        f"/app/agenda/seances/{premiere.public_id}/deplacer/",
        {"debut": "2027-03-02T14:00", "motif": "Demande de la bénéficiaire"},
    )
    assert response.status_code == 302
    url = f"/app/seances/{premiere.public_id}/modifier/"
    assert "Lien de visioconférence" in _page(client.get(url))
    response = client.post(
        url,
        {
            "phase": "preliminaire",
            "type": "entretien",
            "intitule": "Premier entretien",
            "objectifs": "",
            "debut": "2027-03-02T14:00",
            "duree_minutes": "90",
            "modalite": "presentiel",
            "lieu": "12 rue des Lilas, salle 2",
            "lien_visio": "",
            "consultant": world.consultant_a.pk,
            "motif": "",
        },
    )
    assert response.status_code == 302, _page(response)
    with tenant_context(world.org_a):
        premiere.refresh_from_db()
    assert (premiere.modalite, premiere.lieu, premiere.duree_minutes) == (
        "presentiel",
        "12 rue des Lilas, salle 2",
        90,
    )
    assert timezone.localtime(premiere.debut) == _paris(2027, 3, 2, 14)
    assert premiere.sequence == 2  # moved, then changed: two revisions


# --- 2. Clashes in the proposal, before applying ------------------------------------------------


def _formulaire(response, **extra):
    formset = response.context["formset"]
    data = {"programme": response.context["programme"].pk, "debut": "2027-03-01T09:00"}
    data.update({f"seances-{k}": v for k, v in formset.management_form.initial.items()})
    for i, form in enumerate(formset.forms):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if name == "debut":
                value = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
            if name == "garder":
                value = "on"
            data[f"seances-{i}-{name}"] = value
    data.update(extra)
    return data


def test_proposal_lists_clashes_with_the_consultants_other_bilans_before_applying(world, login_as):
    autre = BeneficiaireFactory(organisation=world.org_a, consultant=world.consultant_a)
    autre_bilan = bilan_for(autre, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    _planifier(
        world,
        autre_bilan,
        debut=_paris(2027, 3, 1, 9, 30),
        intitule="CONFIDENTIEL autre dossier",
    )
    bilan = _bilan(world)
    programme = programme_for(world.org_a)
    client = login_as(world.consultant_a)
    url = f"/app/programmes/bilans/{bilan.public_id}/calendrier/"
    response = client.get(url, {"programme": programme.pk, "debut": "2027-03-01T09:00"})
    page = _page(response)
    assert response.status_code == 200
    assert "1 séance proposée chevauche une autre séance" in page
    assert "chevauche une séance déjà planifiée le 01/03/2027 09:30–10:30" in page
    assert "CONFIDENTIEL" not in page
    assert str(autre) not in page

    # Applying as proposed is refused until the clash is shifted or accepted: nothing written.
    data = _formulaire(response, action="planifier", lieu="Salle 1")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "cochez cette case pour planifier malgré tout" in _page(response)
    with tenant_context(world.org_a):
        assert not Seance.objects.filter(bilan=bilan).exists()

    # The consultant shifts the first séance and checks again: no clash left, then plans.
    data["seances-0-debut"] = "2027-03-01T14:00"
    response = client.post(url, {**data, "action": "verifier"})
    assert response.status_code == 200
    assert "Aucun chevauchement" in _page(response)
    with tenant_context(world.org_a):
        assert not Seance.objects.filter(bilan=bilan).exists()
    response = client.post(url, data)
    assert response.status_code == 302
    with tenant_context(world.org_a):
        premiere = Seance.objects.filter(bilan=bilan).order_by("debut").first()
        assert Seance.objects.filter(bilan=bilan).count() == 12
    assert timezone.localtime(premiere.debut) == _paris(2027, 3, 1, 14)
    assert premiere.lieu == "Salle 1"


# --- 3. Personal work: no date, place or attendance invented -----------------------------------


def test_handing_in_personal_work_keeps_its_date_and_never_asks_for_attendance(world):
    bilan = _bilan(world)
    debut = timezone.now() + dt.timedelta(days=20)
    seance = _planifier(
        world, bilan, debut=debut, type="travail_personnel", modalite="presentiel", lieu="Salle"
    )
    assert (seance.modalite, seance.lieu) == ("autonomie", "")  # no place invented
    with tenant_context(world.org_a):
        consigne = travail.consigne_creer(
            seance=seance,
            titre="Enquête métier",
            consignes="Rencontrez deux professionnels.",
            temps_attendu_minutes=60,
            par=world.consultant_a,
        )
        travail.rendu_soumettre(
            consigne=consigne,
            texte="Compte rendu",
            temps_declare_minutes=75,
            par=world.beneficiaire_user_a,
        )
        seance.refresh_from_db()
        assert seance.statut == Seance.Statut.REALISEE
        assert seance.duree_realisee_minutes == 75
        assert seance.debut == debut
        assert (seance.modalite, seance.lieu) == ("autonomie", "")
        assert seance not in seances_a_emarger_pour(beneficiaire=world.beneficiaire_a)
        with pytest.raises(ValidationError, match="ne s'émarge pas"):
            emargement_services.demande_emargement_creer(seance=seance)
        assert not Emargement.objects.filter(seance=seance).exists()
        bilan.refresh_from_db()
    assert bilan.heures_travail_personnel == Decimal("1.25")  # 75 min, counted in the 24 h


def test_regle_02_travail_personnel_a_la_limite_des_24_heures_refuse_proprement(world):
    bilan = _bilan(world)
    debut = timezone.now() + dt.timedelta(days=3)
    for jour in range(3):  # 23 h of interviews
        _planifier(world, bilan, debut=debut + dt.timedelta(days=jour), minutes=460)
    seance = _planifier(world, bilan, debut=debut, type="travail_personnel", minutes=60)
    with tenant_context(world.org_a):
        consigne = travail.consigne_creer(
            seance=seance,
            titre="Lecture",
            consignes="Lisez la fiche métier.",
            temps_attendu_minutes=60,
            par=world.consultant_a,
        )
        with pytest.raises(ValidationError) as exc:
            travail.rendu_soumettre(
                consigne=consigne,
                texte="Lu",
                temps_declare_minutes=61,  # its own planned hour is all that is left
                par=world.beneficiaire_user_a,
            )
        assert "il reste 1 h, et ce travail en demande 1 h 01" in exc.value.messages[0]
        seance.refresh_from_db()
        assert (seance.statut, seance.duree_realisee_minutes) == ("planifiee", None)
        assert not travail.Rendu.objects.filter(consigne=consigne).exists()
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == 23 * 60 + 60
        # Exactly the 24th hour: accepted.
        travail.rendu_soumettre(
            consigne=consigne, texte="Lu", temps_declare_minutes=60, par=world.beneficiaire_user_a
        )
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == 24 * 60


# --- 4. Planned hours from the plan -------------------------------------------------------------


def test_planned_hours_follow_every_planning_change(world):
    bilan = _bilan(world, heures_accompagnement=Decimal("22"))
    debut = timezone.now() + dt.timedelta(days=5)
    premiere = _planifier(world, bilan, debut=debut, minutes=90)
    _planifier(world, bilan, debut=debut + dt.timedelta(days=1), type="travail_personnel")
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        assert (bilan.heures_accompagnement, bilan.heures_travail_personnel) == (
            Decimal("1.50"),
            Decimal("1.00"),
        )
        services.seance_annuler(seance=premiere, motif="Empêchement")
        bilan.refresh_from_db()
    assert (bilan.heures_accompagnement, bilan.heures_travail_personnel) == (
        Decimal("0.00"),
        Decimal("1.00"),
    )


def test_convention_is_refused_while_its_hours_disagree_with_its_planning_table(world):
    type(world.org_a).objects.filter(pk=world.org_a.pk).update(
        numero_declaration_activite="11755555575"
    )
    bilan = _bilan(
        world,
        objectifs="Définir un projet professionnel.",
        date_debut_prevue=dt.date(2027, 3, 1),
        date_fin_prevue=dt.date(2027, 5, 28),
        prix_ttc=Decimal("1800"),
        conditions_paiement="30 % après le délai de rétractation, le solde en fin de bilan.",
    )
    debut = timezone.now() + dt.timedelta(days=5)
    for jour in range(3):
        _planifier(world, bilan, debut=debut + dt.timedelta(days=jour), minutes=480)
    with tenant_context(world.org_a):
        # Someone types 22 h over the plan's 24 h (the issued document said 22 h for 24 h).
        Bilan.objects.filter(pk=bilan.pk).update(heures_accompagnement=Decimal("22"))
        bilan = Bilan.objects.select_related("organisation", "beneficiaire").get(pk=bilan.pk)
        with pytest.raises(ValidationError) as exc:
            convention_emettre(bilan=bilan, par=world.consultant_a)
        assert exc.value.messages == [
            "Les heures prévues du bilan (22 h : 22 h d'accompagnement et 0 h de travail "
            "personnel) ne correspondent pas au planning (24 h : 24 h et 0 h). Corrigez les "
            "heures prévues ou le planning avant d'émettre le document."
        ]
        assert not SignedDocument.objects.filter(subject_id=bilan.public_id).exists()
        # Back in step with the plan (any planning change does it): the document is issued.
        services.bilan_heures_synchroniser(bilan=bilan)
        document = convention_emettre(bilan=bilan, par=world.consultant_a)
    assert document.status == SignedDocument.Status.EMIS


# --- 5. Notifications to the beneficiary --------------------------------------------------------


def _notifications(world, **filtre):
    with tenant_context(world.org_a):
        return list(Notification.objects.filter(beneficiaire=world.beneficiaire_a, **filtre))


def _emails_notification(world) -> int:
    with tenant_context(world.org_a):
        return Relance.objects.filter(
            kind=K.NOTIFICATION_BENEFICIAIRE, destinataire=world.beneficiaire_a.email
        ).count()


def test_planned_moved_cancelled_each_notify_once_without_content_and_ics_cancels(world, login_as):
    bilan = _bilan(world)
    debut = _paris(2027, 4, 6, 10)
    seance = _planifier(
        world, bilan, debut=debut, intitule="CONFIDENTIEL projet de reconversion", lieu=""
    )
    (planifiee,) = _notifications(world, sujet="seance_planifiee")
    assert planifiee.texte == (
        "Une séance est planifiée le 06/04/2027 à 10:00 (entretien individuel, téléphone)."
    )
    with tenant_context(world.org_a):
        services.seance_deplacer(seance=seance, debut=_paris(2027, 4, 8, 15), motif="Grève")
        seance.refresh_from_db()
        services.seance_annuler(seance=seance, motif="Indisponible")
        seance.refresh_from_db()
    (deplacee,) = _notifications(world, sujet="seance_deplacee")
    assert deplacee.texte.startswith("Votre séance du 06/04/2027 à 10:00 est déplacée au 08/04")
    (annulee,) = _notifications(world, sujet="seance_annulee")
    assert "CONFIDENTIEL" not in planifiee.texte + deplacee.texte + annulee.texte
    assert _emails_notification(world) == 3  # one e-mail each, through the outbox
    with tenant_context(world.org_a):
        relance = Relance.objects.filter(kind=K.NOTIFICATION_BENEFICIAIRE).first()
        assert relance.statut == Relance.Statut.A_ENVOYER
        assert relance.due_le <= timezone.now()

    # The portal's .ics of the cancelled séance: same event, cancelled, higher sequence.
    client = login_as(world.beneficiaire_user_a)
    response = client.get(f"/portail/seances/{seance.public_id}.ics")
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2 == seance.sequence


def test_a_notification_is_written_once_per_event(world):
    bilan = _bilan(world)
    seance = _planifier(world, bilan, debut=_paris(2027, 4, 6, 10))
    with tenant_context(world.org_a):
        services.seance_notifier(seance=seance, sujet=Notification.Sujet.SEANCE_PLANIFIEE)
    assert len(_notifications(world)) == 1
    assert _emails_notification(world) == 1


def test_calendar_application_sends_one_notice_not_one_per_seance(world):
    bilan = _bilan(world)
    _programme, plan = _proposition(world, debut=_paris(2027, 3, 1, 9))
    with tenant_context(world.org_a):
        seances_planifier_depuis_programme(bilan=bilan, seances=plan, lieu="Salle 1")
    (notice,) = _notifications(world)
    assert notice.sujet == "seances_planifiees"
    assert notice.texte.startswith("12 séances de votre bilan sont planifiées")
    assert _emails_notification(world) == 1


def test_document_awaiting_the_beneficiarys_signature_notifies_them(world):
    document = issued_document(beneficiaire=world.beneficiaire_a, by=world.consultant_a)
    (notice,) = _notifications(world, sujet="document_a_signer")
    assert notice.texte == (
        "Un document attend votre signature : « Convention de bilan de compétences »."
    )
    assert notice.lien == "/portail/documents/"
    # Signed by the organisation only: the beneficiary is not asked.
    issued_document(
        beneficiaire=world.beneficiaire_a, by=world.consultant_a, required_roles=("organisme",)
    )
    assert len(_notifications(world, sujet="document_a_signer")) == 1
    with tenant_context(world.org_a):
        assert not Signature.objects.filter(document=document).exists()


def test_portal_shows_notifications_unread_then_read(world, login_as):
    bilan = _bilan(world)
    _planifier(world, bilan, debut=_paris(2027, 4, 6, 10))
    client = login_as(world.beneficiaire_user_a)
    page = _page(client.get("/portail/"))
    assert "Nouvelles de votre bilan" in page
    assert "1 non lue" in page
    (notice,) = _notifications(world)
    assert client.get(f"/portail/notifications/{notice.public_id}/").status_code == 405
    assert _notifications(world)[0].lue_le is None
    response = client.post(f"/portail/notifications/{notice.public_id}/")
    assert response.status_code == 302
    assert response["Location"] == "/portail/"
    assert _notifications(world)[0].lue_le is not None
    assert "non lue" not in _page(client.get("/portail/"))
    # Another beneficiary's notice: 404.
    autre = login_as(world.beneficiaire_user_b)
    assert autre.post(f"/portail/notifications/{notice.public_id}/").status_code == 404
