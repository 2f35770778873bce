"""The dossier's lifecycle: consents, prior interview, opening, transitions and documents."""

import csv
import datetime as dt
import html
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaires import programmes as catalogue
from beneficiaires import selectors
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    BilanEvenement,
    Consentement,
    Notification,
    Phase,
    Programme,
    StatutBilan,
)
from beneficiaires.services import bilans as services_bilans
from beneficiaires.services import consentements as services_consentements
from beneficiaires.services import conventions
from beneficiaires.services import entretiens as services_entretiens
from beneficiaires.services.financement import paiement_enregistrer
from bilan.core import dates, signatures
from bilan.core.models import Role, SignatureRole, SignedDocument
from bilan.core.signatures import MethodeAuthentification, document_signer
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from relances.services import relance_rendre
from seances.models import Seance
from seances.services import phases
from tests.factories.beneficiaires import dossier_bilan, fiche_entretien
from tests.factories.bilans import bilan_for
from tests.factories.core import connecter_avec_mfa, staff_user

pytestmark = pytest.mark.django_db
AUJOURDHUI = timezone.localdate()


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _courriel_notification(world, sujet: str) -> tuple[str, str, str]:
    """The one notice of ``sujet`` to the beneficiary, and its e-mail waiting in the outbox,
    rendered as the dispatcher will send it (subject, text, HTML)."""
    with tenant_context(world.org_a):
        (notification,) = Notification.objects.filter(
            beneficiaire=world.beneficiaire_a, sujet=sujet
        )
        (relance,) = Relance.objects.filter(target_id=notification.public_id)
        assert relance.destinataire == world.beneficiaire_a.email
        return relance_rendre(relance=relance)


@pytest.fixture
def org_a(world):
    """Organisation A, declared and certified, so funded routes are open."""
    organisation = world.org_a
    organisation.numero_declaration_activite = "11755555575"
    organisation.qualiopi_numero_certificat = "Q-2026-1"
    organisation.qualiopi_date_expiration = AUJOURDHUI + dt.timedelta(days=700)
    organisation.qualiopi_couvre_bilans = True
    organisation.save()
    return organisation


def _consent(world):
    with tenant_context(world.org_a):
        return services_consentements.consentement_accorder(
            beneficiaire=world.beneficiaire_a,
            type=Consentement.Type.PARTICIPATION,
            methode=Consentement.Methode.ENTRETIEN,
            par=world.consultant_a,
        )


def _entretien(world, *, il_y_a_jours=12):
    with tenant_context(world.org_a):
        return services_entretiens.entretien_prealable_enregistrer(
            beneficiaire=world.beneficiaire_a,
            fiche=fiche_entretien(
                consultant=world.consultant_a,
                date=timezone.now() - dt.timedelta(days=il_y_a_jours),
            ),
            reponses={},
        )


def _pret(world, **fields):
    """A bilan ready to be confirmed: interview held, consent given, framework filled in."""
    _entretien(world)
    _consent(world)
    values = {
        "statut": StatutBilan.PREALABLE_REALISE,
        "objectifs": "Valider un projet de reconversion",
        # The planned hours are the plan's (its one 2-hour séance below): a convention whose
        # duration disagrees with its planning table is refused.
        "heures_accompagnement": Decimal("2"),
        "heures_travail_personnel": Decimal("0"),
        "date_debut_prevue": AUJOURDHUI,
        "date_fin_prevue": AUJOURDHUI + dt.timedelta(days=70),
        "prix_ttc": Decimal("1800"),
        "conditions_paiement": "30 % après le délai de rétractation, le solde en deux fois.",
        **fields,
    }
    bilan = bilan_for(world.beneficiaire_a, **values)
    with tenant_context(world.org_a):
        bilan.entretien_prealable = world.beneficiaire_a.entretiens_prealables.first()
        bilan.save()
    _seance(world, bilan, phase=Phase.PRELIMINAIRE, statut=Seance.Statut.PLANIFIEE)
    return bilan


def _reload(world, bilan):
    with tenant_context(world.org_a):
        return Bilan.objects.get(pk=bilan.pk)


# --- Consents and accessibility data -------------------------------------------------------


def test_a_consent_is_recorded_once_and_revocable(world):
    consentement = _consent(world)
    with pytest.raises(ValidationError, match="déjà enregistré"):
        _consent(world)
    with tenant_context(world.org_a):
        assert Consentement.objects.count() == 1
        services_consentements.consentement_revoquer(consentement=consentement)
        assert not services_bilans.consentement_est_actif(
            beneficiaire=world.beneficiaire_a, type=Consentement.Type.PARTICIPATION
        )
    _consent(world)  # may be given again after a revocation


def test_accessibility_needs_require_consent_and_vanish_with_it(world, login_as):
    client = login_as(world.consultant_a)  # the assigned consultant
    url = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/besoins/"
    response = client.post(url, {"besoins_accessibilite": "Fauteuil roulant"})
    assert response.status_code == 400
    assert "consentement explicite" in _page(response)
    with tenant_context(world.org_a):
        assert Beneficiaire.objects.get().besoins_accessibilite == ""
        consentement = services_consentements.consentement_accorder(
            beneficiaire=world.beneficiaire_a,
            type=Consentement.Type.ACCESSIBILITE,
            methode=Consentement.Methode.PAPIER,
            par=world.consultant_a,
        )
    assert client.post(url, {"besoins_accessibilite": "Fauteuil roulant"}).status_code == 302
    with tenant_context(world.org_a):
        assert Beneficiaire.objects.get().besoins_accessibilite == "Fauteuil roulant"
        services_consentements.consentement_revoquer(consentement=consentement)
        assert Beneficiaire.objects.get().besoins_accessibilite == ""


def test_accessibility_needs_are_hidden_from_other_staff(world, login_as):
    page = _page(
        login_as(world.admin_a).get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/")
    )
    assert "Besoins d'aménagement" not in page
    response = login_as(world.admin_a).post(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/besoins/",
        {"besoins_accessibilite": "x"},
    )
    assert response.status_code == 403


# --- Prior interview and opening -------------------------------------------------------------


def test_prior_interview_moves_a_requested_bilan_on(world, login_as):
    bilan = bilan_for(world.beneficiaire_a)
    response = login_as(world.consultant_a).post(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/entretien/",
        {
            "date": "2026-03-02T10:00",
            "consultant": world.consultant_a.pk,
            "demande": "Évoluer",
            "issue": "bilan",
        },
    )
    assert response.status_code == 302
    bilan = _reload(world, bilan)
    assert bilan.statut == StatutBilan.PREALABLE_REALISE
    assert bilan.entretien_prealable_id is not None


def test_prior_interview_form_errors_are_french_and_nothing_is_written(world, login_as):
    response = login_as(world.consultant_a).post(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/entretien/", {"issue": "bilan"}
    )
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in _page(response)
    with tenant_context(world.org_a):
        assert not world.beneficiaire_a.entretiens_prealables.exists()


def test_opening_over_24_hours_is_refused_and_nothing_written(world):
    with (
        tenant_context(world.org_a),
        pytest.raises(ValidationError, match="ne peut pas dépasser 24 heures"),
    ):
        services_bilans.bilan_ouvrir(
            beneficiaire=world.beneficiaire_a,
            par=world.consultant_a,
            dossier=dossier_bilan(
                consultant=world.consultant_a,
                modalite="mixte",
                financement="personnel",
                heures_accompagnement=Decimal("20"),
                heures_travail_personnel=Decimal("4.5"),
            ),
        )
    with tenant_context(world.org_a):
        assert not Bilan.objects.exists()


def test_the_database_refuses_more_than_24_planned_hours(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        bilan_for(
            world.beneficiaire_a,
            heures_accompagnement=Decimal("20"),
            heures_travail_personnel=Decimal("5"),
        )


def test_one_open_bilan_at_a_time(world):
    bilan_for(world.beneficiaire_a)
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="déjà un bilan"):
        services_bilans.bilan_ouvrir(
            beneficiaire=world.beneficiaire_a,
            par=world.consultant_a,
            dossier=dossier_bilan(
                consultant=world.consultant_a, modalite="mixte", financement="personnel"
            ),
        )


# --- Confirmation and start ---------------------------------------------------------------------


def test_confirmation_waits_for_the_reflection_period(world):
    _entretien(world, il_y_a_jours=3)
    _consent(world)
    bilan = bilan_for(
        world.beneficiaire_a,
        statut=StatutBilan.PREALABLE_REALISE,
        objectifs="x",
        heures_accompagnement=Decimal("10"),
        date_debut_prevue=AUJOURDHUI,
        date_fin_prevue=AUJOURDHUI,
    )
    with tenant_context(world.org_a):
        bilan.entretien_prealable = world.beneficiaire_a.entretiens_prealables.first()
        bilan.save()
        with pytest.raises(ValidationError, match="délai de réflexion court jusqu'au"):
            services_bilans.bilan_confirmer(bilan=bilan, par=world.consultant_a)
    assert _reload(world, bilan).statut == StatutBilan.PREALABLE_REALISE


def test_regle_12_the_planned_start_cannot_fall_inside_the_reflection_delay(world):
    """Interview Thu 05/11/2026, delay of 10 days to Sun 15/11: a start planned on 12/11 is
    refused at confirmation (named, with the dossier's form), on 16/11 it is confirmed."""
    with tenant_context(world.org_a):
        entretien = services_entretiens.entretien_prealable_enregistrer(
            beneficiaire=world.beneficiaire_a,
            fiche=fiche_entretien(
                consultant=world.consultant_a, date=_a_paris(dt.date(2026, 11, 5))
            ),
            reponses={},
        )
    _consent(world)
    bilan = bilan_for(
        world.beneficiaire_a,
        statut=StatutBilan.PREALABLE_REALISE,
        entretien_prealable=entretien,
        objectifs="Valider un projet",
        heures_accompagnement=Decimal("10"),
        date_debut_prevue=dt.date(2026, 11, 12),
        date_fin_prevue=dt.date(2027, 1, 29),
    )
    jour = dt.date(2026, 11, 20)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as excinfo:
            services_bilans.bilan_confirmer(bilan=bilan, par=world.consultant_a, aujourdhui=jour)
        assert excinfo.value.messages == [
            "Le début prévu (12/11/2026) tombe avant la fin du délai de réflexion (15/11/2026) "
            ": reportez-le."
        ]
        (manque,) = excinfo.value.manques
        assert manque.lien == f"/app/bilans/{bilan.public_id}/modifier/"
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.PREALABLE_REALISE
        Bilan.objects.filter(pk=bilan.pk).update(date_debut_prevue=dt.date(2026, 11, 16))
        bilan.refresh_from_db()
        services_bilans.bilan_confirmer(bilan=bilan, par=world.consultant_a, aujourdhui=jour)
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE


def test_confirmation_requires_the_consent(world):
    _entretien(world)
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.PREALABLE_REALISE)
    with tenant_context(world.org_a), pytest.raises(ValidationError) as excinfo:
        services_bilans.bilan_confirmer(bilan=bilan, par=world.consultant_a)
    assert "Le consentement de la personne au bilan n'est pas enregistré." in excinfo.value.messages
    assert _reload(world, bilan).statut == StatutBilan.PREALABLE_REALISE


def test_a_self_funded_bilan_starts_only_once_the_contract_is_signed(org_a, world, rf):
    bilan = _pret(world)
    with tenant_context(world.org_a):
        services_bilans.bilan_confirmer(bilan=bilan, par=world.consultant_a)
        with pytest.raises(ValidationError) as excinfo:
            services_bilans.bilan_demarrer(bilan=bilan, par=world.consultant_a)
    assert any("n'est pas encore émis" in m for m in excinfo.value.messages)
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE

    with tenant_context(world.org_a):
        bilan = Bilan.objects.get(pk=bilan.pk)
        bilan.programme = None
        document = conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
        assert document.kind == "contrat"
        assert document.required_roles == ["beneficiaire", "organisme"]
        with pytest.raises(ValidationError, match="Signature attendue"):
            services_bilans.bilan_demarrer(bilan=bilan, par=world.consultant_a)
        for role, user in (
            (SignatureRole.BENEFICIAIRE, world.beneficiaire_user_a),
            (SignatureRole.ORGANISME, world.admin_a),
        ):
            document_signer(
                document=document,
                role=role,
                signer_name=str(user),
                signer_email=user.email,
                user=user,
                client=None,
                methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
            )
        services_bilans.bilan_demarrer(bilan=bilan, par=world.consultant_a)
        bilan = Bilan.objects.get(pk=bilan.pk)
        assert bilan.statut == StatutBilan.EN_COURS
        assert bilan.phase == Phase.PRELIMINAIRE
        assert list(BilanEvenement.objects.filter(bilan=bilan).values_list("vers", flat=True)) == [
            "attente",
            "en_cours",
        ]


def test_regle_23_missing_mentions_are_named_and_nothing_is_issued(org_a, world):
    bilan = _pret(world, objectifs="", conditions_paiement="", prix_ttc=None)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as excinfo:
            conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
        assert not SignedDocument.objects.exists()
    messages = excinfo.value.messages
    assert "Mention manquante : objectifs du bilan." in messages
    assert "Mention manquante : prix." in messages
    assert "Mention manquante : conditions de paiement." in messages
    assert not any("planning" in m for m in messages)  # a séance is planned


def test_cpf_needs_no_convention(org_a, world):
    bilan = _pret(world, financement="cpf")
    with tenant_context(world.org_a):
        assert selectors.bilan_signatures_manquantes(bilan=bilan) == []
        with pytest.raises(ValidationError, match="Mon Compte Formation"):
            conventions.convention_emettre(bilan=bilan, par=world.consultant_a)


# --- Phases and the end -------------------------------------------------------------------


def _en_cours(world):
    return bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)


def _seance(world, bilan, *, phase, statut=Seance.Statut.REALISEE):
    with tenant_context(world.org_a):
        return Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            phase=phase,
            type="entretien",
            intitule="Entretien",
            debut=timezone.now(),
            duree_minutes=120,
            modalite="presentiel",
            statut=statut,
        )


def test_regle_01_a_phase_starts_only_after_a_realised_seance_of_the_previous_one(world):
    bilan = _en_cours(world)
    _seance(world, bilan, phase=Phase.PRELIMINAIRE, statut=Seance.Statut.PLANIFIEE)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="aucune séance réalisée"):
            phases.bilan_changer_phase(
                bilan=bilan, vers=Phase.INVESTIGATION, motif="prêt", par=world.consultant_a
            )
        with pytest.raises(ValidationError, match="sans en sauter"):
            phases.bilan_changer_phase(
                bilan=bilan, vers=Phase.CONCLUSION, motif="vite", par=world.consultant_a
            )
    assert _reload(world, bilan).phase == Phase.PRELIMINAIRE
    _seance(world, bilan, phase=Phase.PRELIMINAIRE)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="pourquoi"):
            phases.bilan_changer_phase(
                bilan=bilan, vers=Phase.INVESTIGATION, motif=" ", par=world.consultant_a
            )
        phases.bilan_changer_phase(
            bilan=bilan, vers=Phase.INVESTIGATION, motif="Demande clarifiée", par=world.consultant_a
        )
    assert _reload(world, bilan).phase == Phase.INVESTIGATION


# Closing (rules 05, 06, 13): tests/syntheses/test_cloture.py.


def test_illegal_transitions_are_refused_with_a_message(world, login_as):
    bilan = _en_cours(world)
    client = login_as(world.consultant_a)
    url = f"/app/bilans/{bilan.public_id}/action/"
    page = _page(client.post(url + "refuser/", {"motif": "x"}, follow=True))
    assert "Seul un bilan qui n'a pas commencé peut être refusé." in page
    page = _page(client.post(url + "abandonner/", {"motif": ""}, follow=True))
    assert "Indiquez le motif de l'abandon." in page
    page = _page(client.post(url + "clore/", follow=True))
    assert "Aucune synthèse n'a été rédigée pour ce bilan." in page
    assert _reload(world, bilan).statut == StatutBilan.EN_COURS
    client.post(url + "abandonner/", {"cause": "personnelle", "motif": "Déménagement"})
    bilan = _reload(world, bilan)
    assert bilan.statut == StatutBilan.ABANDONNE
    assert bilan.motif_abandon == "Déménagement"


# --- Tripartite convention: 10 days, silence is refusal -----------------------------------------


def _tripartite(world, *, transmise_il_y_a):
    world.beneficiaire_a.employeur_nom = "Transports Durand"
    world.beneficiaire_a.employeur_siret = "55210055400013"
    with tenant_context(world.org_a):
        world.beneficiaire_a.save()
    bilan = _pret(
        world,
        financement="plan_employeur",
        statut=StatutBilan.ATTENTE,
        employeur_signataire_nom="Paul Durand",
        employeur_signataire_email="rh@durand.test",
    )
    with tenant_context(world.org_a):
        conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
        if transmise_il_y_a is not None:
            Bilan.objects.filter(pk=bilan.pk).update(
                convention_transmise_le=AUJOURDHUI - dt.timedelta(days=transmise_il_y_a)
            )
    return bilan


def test_regle_08_the_nightly_job_refuses_an_unsigned_convention_after_the_deadline(org_a, world):
    from beneficiaires.tasks import refuser_conventions_expirees

    recent = _tripartite(world, transmise_il_y_a=10)
    refuser_conventions_expirees.run()
    assert _reload(world, recent).statut == StatutBilan.ATTENTE  # the 10th day is still open
    with tenant_context(world.org_a):
        # 15 days ago: the deadline (+ 10, extended past a weekend/holiday) is over.
        Bilan.objects.filter(pk=recent.pk).update(
            convention_transmise_le=AUJOURDHUI - dt.timedelta(days=15)
        )
    result = refuser_conventions_expirees.run()
    assert result == {world.org_a.pk: 1, world.org_b.pk: 0}
    bilan = _reload(world, recent)
    assert bilan.statut == StatutBilan.REFUSE
    assert "R6313-8" in bilan.motif_refus
    assert refuser_conventions_expirees.run() == {world.org_a.pk: 0, world.org_b.pk: 0}


def test_the_employer_link_shows_only_the_convention(
    org_a, world, client, django_capture_on_commit_callbacks
):
    from django.core import mail

    bilan = _tripartite(world, transmise_il_y_a=0)
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=bilan.pk).update(objectifs="SECRET-OBJECTIF-123")
        document = selectors.convention_courante_obtenir(bilan=bilan)
    with django_capture_on_commit_callbacks(execute=True):
        response = _login_admin(world).post(
            f"/app/bilans/{bilan.public_id}/documents/{document.public_id}/lien-employeur/"
        )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["rh@durand.test"]
    link = next(w for w in message.body.split() if "/signature/" in w)
    path = link.split("://", 1)[-1].split("/", 1)[1]
    page = _page(client.get("/" + path))
    assert "Convention tripartite de bilan de compétences" in page
    for secret in ("SECRET-OBJECTIF-123", world.beneficiaire_a.email, "Changer de métier"):
        assert secret not in page
    assert "SECRET-OBJECTIF-123" not in message.body


def _login_admin(world):
    from django.test import Client

    client = Client()
    connecter_avec_mfa(client, world.admin_a)
    return client


# --- Lists and export ---------------------------------------------------------------------------


def test_consultants_see_their_own_dossiers_by_default(world, login_as):
    from tests.factories.beneficiaires import BeneficiaireFactory

    mine = bilan_for(world.beneficiaire_a)
    other_beneficiaire = BeneficiaireFactory(organisation=world.org_a, consultant=world.admin_a)
    theirs = bilan_for(other_beneficiaire, consultant=world.admin_a)
    page = login_as(world.consultant_a).get("/app/bilans/").content.decode()
    assert mine.numero in page
    assert theirs.numero not in page
    # Clearing the filter lists every dossier the member may see: for a consultant, only those
    # they are assigned to (need-to-know, domain rule 11); an assistant sees them all.
    page = login_as(world.consultant_a).get("/app/bilans/?consultant=").content.decode()
    assert theirs.numero not in page
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="as@a.test")
    page = login_as(assistant).get("/app/bilans/?consultant=").content.decode()
    assert theirs.numero in page
    page = login_as(world.admin_a).get("/app/bilans/").content.decode()
    assert mine.numero in page
    assert theirs.numero in page
    filtered = login_as(world.admin_a).get("/app/bilans/?statut=clos").content.decode()
    assert mine.numero not in filtered


def test_csv_export_is_for_admins_and_is_logged(world, login_as):
    from bilan.core.models import AuditEvent

    bilan = bilan_for(world.beneficiaire_a)
    assert login_as(world.consultant_a).get("/app/bilans/export.csv").status_code == 403
    response = login_as(world.admin_a).get("/app/bilans/export.csv")
    assert response.status_code == 200
    content = response.content.decode("utf-8-sig")
    assert bilan.numero in content
    assert content.splitlines()[0].startswith("numero;beneficiaire")
    with tenant_context(world.org_a):
        assert AuditEvent.objects.filter(action="export").count() == 1


def test_csv_export_neutralises_formulas(world, login_as):
    """CSV/formula injection: a name a spreadsheet would run is written as text (an apostrophe
    in front); the other cells are unchanged."""
    formule = '=HYPERLINK("http://x","y")'
    with tenant_context(world.org_a):
        Beneficiaire.objects.filter(pk=world.beneficiaire_a.pk).update(
            prenom=formule, nom="@SUM(A1)", email="-moins@exemple.test"
        )
    bilan = bilan_for(world.beneficiaire_a)
    response = login_as(world.admin_a).get("/app/bilans/export.csv")
    assert response.status_code == 200
    lignes = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    [ligne] = [row for row in lignes[1:] if row[0] == bilan.numero]
    assert ligne[1] == "'" + formule + " @SUM(A1)"
    assert ligne[2] == "'-moins@exemple.test"
    assert ligne[3] == str(world.consultant_a)  # ordinary cells untouched
    for row in lignes:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_dossier_page_shows_the_essentials(world, login_as):
    bilan = _en_cours(world)
    _seance(world, bilan, phase=Phase.PRELIMINAIRE, statut=Seance.Statut.PLANIFIEE)
    page = _page(login_as(world.consultant_a).get(f"/app/bilans/{bilan.public_id}/"))
    assert "Heures comptées sur 24" in page
    assert "2 h comptées" in page
    assert "Phase préliminaire" in page
    assert login_as(world.consultant_b).get(f"/app/bilans/{bilan.public_id}/").status_code == 404


# --- Acceptance: from an empty organisation to a CPF bilan "en cours" ---------------------------


def test_cpf_bilan_from_empty_organisation_to_en_cours(org_a, world, login_as):
    from beneficiaires import financement as fin

    client = login_as(world.consultant_a)
    response = client.post(
        "/app/beneficiaires/nouveau/",
        {
            "prenom": "Lina",
            "nom": "Moreau",
            "email": "lina@exemple.test",
            "statut": "salarie_prive",
        },
    )
    assert response.status_code == 302
    beneficiaire_url = response["Location"]
    with tenant_context(world.org_a):
        lina = Beneficiaire.objects.get(email="lina@exemple.test")
    date_entretien = (timezone.localtime() - dt.timedelta(days=25)).strftime("%Y-%m-%dT%H:%M")
    assert (
        client.post(
            beneficiaire_url + "entretien/",
            {
                "date": date_entretien,
                "consultant": world.consultant_a.pk,
                "demande": "Reconversion",
                "issue": "bilan",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            beneficiaire_url + "consentements/", {"type": "participation", "methode": "entretien"}
        ).status_code
        == 302
    )
    # The five seeds are offered directly on the opening form, nothing copied beforehand.
    ouverture = _page(client.get(f"/app/bilans/nouveau/{lina.public_id}/"))
    for modele in catalogue.MODELES:
        assert modele.nom in ouverture
    with tenant_context(world.org_a):
        assert not Programme.objects.exists()

    proposition = AUJOURDHUI - dt.timedelta(
        days=25
    )  # its 11 working days end after the reflection delay
    minimum = fin.cpf_date_debut_minimale(proposition_le=proposition)
    trop_tot = dates.ajouter_jours_ouvres(depart=proposition, jours=10)
    form = {
        "consultant": world.consultant_a.pk,
        "modele": "18h-accompagnement-6h-travail-personnel",
        "modalite": "mixte",
        "heures_accompagnement": "18",
        "heures_travail_personnel": "6",
        "date_debut_prevue": trop_tot.isoformat(),
        "date_fin_prevue": (minimum + dt.timedelta(days=80)).isoformat(),
        "objectifs": "Valider un projet dans le soin",
        "financement": "cpf",
        "prix_ttc": "1600",
        "cpf_proposition_commande_le": proposition.isoformat(),
        "cpf_aucun_bilan_finance_5_ans": "true",
    }
    response = client.post(f"/app/bilans/nouveau/{lina.public_id}/", form)
    assert response.status_code == 400
    assert minimum.strftime("%d/%m/%Y") in _page(response)
    with tenant_context(world.org_a):
        assert not Bilan.objects.filter(beneficiaire=lina).exists()

    response = client.post(
        f"/app/bilans/nouveau/{lina.public_id}/",
        {**form, "date_debut_prevue": minimum.isoformat()},
    )
    assert response.status_code == 302, _page(response)
    with tenant_context(world.org_a):
        bilan = Bilan.objects.get(beneficiaire=lina)
        programme = Programme.objects.get()  # copied once, at the opening
    assert bilan.programme_id == programme.pk
    assert programme.modele_source == "18h-accompagnement-6h-travail-personnel"
    # One open bilan per person: the beneficiary page no longer offers to open another.
    fiche = _page(client.get(beneficiaire_url))
    assert "Ouvrir un bilan" not in fiche
    assert f"Le bilan {bilan.numero} est en cours" in fiche
    # Opened from a programme: the proposed calendar comes next, editable.
    assert response["Location"] == f"/app/programmes/bilans/{bilan.public_id}/calendrier/"
    calendrier = _page(
        client.get(
            response["Location"],
            {"programme": programme.pk, "debut": f"{minimum.isoformat()}T09:30"},
        )
    )
    with tenant_context(world.org_a):
        premiere_etape = programme.etapes.order_by("ordre").first().intitule
    assert premiere_etape in calendrier
    bilan_url = f"/app/bilans/{bilan.public_id}/"
    assert bilan.statut == StatutBilan.PREALABLE_REALISE
    assert client.post(bilan_url + "action/confirmer/").status_code == 302
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE
    page = _page(client.post(bilan_url + "action/demarrer/", follow=True))
    assert _reload(world, bilan).statut == StatutBilan.EN_COURS, page
    assert _reload(world, bilan).phase == Phase.PRELIMINAIRE


def test_the_beneficiary_signs_in_the_portal(org_a, world, login_as):
    bilan = _pret(world, statut=StatutBilan.ATTENTE)
    with tenant_context(world.org_a):
        document = conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
    portal = login_as(world.beneficiaire_user_a)
    page = _page(portal.get("/portail/documents/"))
    assert "Contrat de bilan de compétences" in page
    assert document.issued_sha256 in page
    url = f"/portail/documents/{document.public_id}/signer/"
    page = _page(portal.post(url, {}, follow=True))
    assert "Cochez la case pour signer." in page
    with tenant_context(world.org_a):
        assert not document.signatures.exists()
    portal.post(url, {"accord": "on"})
    with tenant_context(world.org_a):
        signature = document.signatures.get()
    assert signature.role == "beneficiaire"
    assert signature.user == world.beneficiaire_user_a
    assert signature.document_sha256 == document.issued_sha256
    # Another beneficiary cannot see or sign it.
    outsider = login_as(world.beneficiaire_user_b)
    assert document.title not in _page(outsider.get("/portail/documents/"))
    assert outsider.post(url, {"accord": "on"}).status_code == 404


def test_a_payment_before_the_withdrawal_period_ends_is_refused(org_a, world, login_as):
    from beneficiaires.models import Paiement

    bilan = _pret(world, statut=StatutBilan.ATTENTE)
    with tenant_context(world.org_a):
        document = conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
        document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            signer_name="Camille",
            signer_email=world.beneficiaire_user_a.email,
            user=world.beneficiaire_user_a,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
    client = login_as(world.admin_a)
    url = f"/app/bilans/{bilan.public_id}/paiements/"
    response = client.post(url, {"le": AUJOURDHUI.isoformat(), "montant": "100"}, follow=True)
    page = _page(response)
    assert "rétractation" in page
    # Shown with the form (error summary), not lost in a redirect.
    assert response.status_code == 400
    assert "Aucun paiement ne peut être reçu pendant le délai de rétractation" in page
    assert 'id="resume-erreurs"' in page
    response = client.post(url, {"le": AUJOURDHUI.isoformat(), "montant": "-5"})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in _page(response)
    with tenant_context(world.org_a):
        assert not Paiement.objects.exists()
    page = _page(client.get(f"/app/bilans/{bilan.public_id}/"))
    assert "Premier paiement : 540,00 € au plus (30 % du prix)" in page


# --- Rule 8: transmission to the employee, late signature refused in the signing path ------


def _a_paris(jour, heure=10):
    return dt.datetime(jour.year, jour.month, jour.day, heure, tzinfo=ZoneInfo("Europe/Paris"))


def _signer_salarie(world, bilan):
    with tenant_context(world.org_a):
        document = selectors.convention_courante_obtenir(bilan=bilan)
        return document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            user=world.beneficiaire_user_a,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )


def test_regle_08_transmission_is_an_act_and_a_late_signature_is_refused(
    org_a, world, login_as, django_capture_on_commit_callbacks
):
    """Transmitted Tue 17/11/2026, deadline Fri 27/11/2026; signed Sun 29/11 before the
    nightly job: refused, nothing signed, the bilan refused at once."""

    bilan = _tripartite(world, transmise_il_y_a=None)
    assert _reload(world, bilan).convention_transmise_le is None  # issuing is not transmitting
    with tenant_context(world.org_a), django_capture_on_commit_callbacks(execute=True):
        conventions.convention_transmettre(
            bilan=bilan, par=world.admin_a, aujourdhui=dt.date(2026, 11, 17)
        )
    sujet, corps, _html = _courriel_notification(world, "convention_transmise")
    with tenant_context(world.org_a):  # issuing told nobody: the transmission is the notice
        assert not Notification.objects.filter(bilan=bilan, sujet="document_a_signer").exists()
    assert "/portail/documents/" in corps
    assert "27/11/2026" in corps
    assert "Valider un projet de reconversion" not in sujet + corps  # no content
    assert _reload(world, bilan).convention_transmise_le == dt.date(2026, 11, 17)
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="déjà été transmise"):
        conventions.convention_transmettre(bilan=bilan, par=world.admin_a)

    # In the portal, before the nightly job has run.
    portal = login_as(world.beneficiaire_user_a)
    with tenant_context(world.org_a):
        document = selectors.convention_courante_obtenir(bilan=bilan)
    with time_machine.travel(_a_paris(dt.date(2026, 11, 29)), tick=False):
        page = _page(
            portal.post(
                f"/portail/documents/{document.public_id}/signer/", {"accord": "on"}, follow=True
            )
        )
    assert "a pris fin le 27/11/2026 (10 jours après sa transmission du 17/11/2026" in page
    assert "le bilan est refusé" in page
    assert "nouveau dossier" in page
    with tenant_context(world.org_a):
        assert not selectors.convention_courante_obtenir(bilan=bilan).signatures.exists()
    refuse = _reload(world, bilan)
    assert refuse.statut == StatutBilan.REFUSE
    assert "17/11/2026" in refuse.motif_refus
    assert "R6313-8" in refuse.motif_refus
    # And it can never start.
    with tenant_context(world.org_a), pytest.raises(ValidationError):
        services_bilans.bilan_demarrer(bilan=refuse, par=world.admin_a)


def test_regle_08_a_deadline_on_a_saturday_runs_to_monday(org_a, world):
    """Transmitted Wed 18/11/2026: day 10 is Sat 28/11, so signing on Mon 30/11 is in time."""
    bilan = _tripartite(world, transmise_il_y_a=None)
    with tenant_context(world.org_a):
        conventions.convention_transmettre(
            bilan=bilan, par=world.admin_a, aujourdhui=dt.date(2026, 11, 18)
        )
    with time_machine.travel(_a_paris(dt.date(2026, 11, 30), heure=22), tick=False):
        signature = _signer_salarie(world, bilan)
    assert signature.pk
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE


def test_regle_08_the_deadline_warning_goes_once_the_employee_has_signed(org_a, world, login_as):
    bilan = _tripartite(world, transmise_il_y_a=None)
    with tenant_context(world.org_a):
        conventions.convention_transmettre(bilan=bilan, par=world.admin_a)
    client = login_as(world.admin_a)
    page = _page(client.get(f"/app/bilans/{bilan.public_id}/"))
    assert "pour la signer ; sans signature, le bilan est refusé" in page
    _signer_salarie(world, bilan)
    page = _page(client.get(f"/app/bilans/{bilan.public_id}/"))
    assert "sans signature, le bilan est refusé" not in page


def test_regle_09_a_refusal_shows_the_employer_nothing(org_a, world, client):
    """The employee declines: the employer's pending link stops working and shows no reason,
    no status, nothing negative."""
    from django.core import mail

    bilan = _tripartite(world, transmise_il_y_a=0)
    with tenant_context(world.org_a):
        document = selectors.convention_courante_obtenir(bilan=bilan)
        _link, token = signatures.lien_signature_creer(
            document=document,
            role=SignatureRole.EMPLOYEUR,
            signer_name="Paul Durand",
            signer_email="rh@durand.test",
        )
        services_bilans.bilan_refuser(
            bilan=bilan, motif="MOTIF-PERSONNEL-CONFIDENTIEL", par=world.admin_a
        )
    envoyes = len(mail.outbox)
    response = client.get(f"/signature/{world.org_a.public_id}/{token}/")
    page = _page(response)
    assert response.status_code in {200, 410}
    for mot in ("MOTIF-PERSONNEL-CONFIDENTIEL", "refus", "Refus", "abandon"):
        assert mot not in page
    response = client.post(f"/signature/{world.org_a.public_id}/{token}/", {"accord": "on"})
    with tenant_context(world.org_a):
        assert not document.signatures.exists()
    assert "MOTIF-PERSONNEL-CONFIDENTIEL" not in _page(response)
    assert len(mail.outbox) == envoyes  # nobody is told anything


# --- Rule 7: consent at every transition, withdrawal ends the bilan --------------------------


def test_regle_07_start_refused_when_the_consent_was_withdrawn_after_confirmation(org_a, world):
    bilan = _pret(world, statut=StatutBilan.ATTENTE, financement="personnel")
    with tenant_context(world.org_a):
        consentement = world.beneficiaire_a.consentements.get(type="participation")
        Consentement.objects.filter(pk=consentement.pk).update(revoque_le=timezone.now())
        with pytest.raises(ValidationError) as refus:
            services_bilans.bilan_demarrer(bilan=bilan, par=world.admin_a)
    assert any("consentement" in m and "retiré" in m for m in refus.value.messages)
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE
    assert _reload(world, bilan).date_debut_reelle is None


def test_regle_07_withdrawing_the_consent_abandons_the_bilan_and_tells_the_person(
    world, django_capture_on_commit_callbacks
):

    bilan = _en_cours(world)
    _consent(world)
    with tenant_context(world.org_a), django_capture_on_commit_callbacks(execute=True):
        consentement = world.beneficiaire_a.consentements.get(type="participation")
        services_consentements.consentement_revoquer(consentement=consentement, par=world.admin_a)
    bilan = _reload(world, bilan)
    assert bilan.statut == StatutBilan.ABANDONNE
    assert "Retrait du consentement" in bilan.motif_abandon
    assert bilan.termine_le == AUJOURDHUI
    with tenant_context(world.org_a):
        assert bilan.evenements.last().motif == bilan.motif_abandon
    with tenant_context(world.org_a):
        assert bilan.evenements.last().par == world.admin_a  # who recorded the withdrawal
    sujet, corps, _html = _courriel_notification(world, "bilan_arrete")
    assert "retiré" in corps
    assert "/portail/" in corps
    assert "Valider un projet de reconversion" not in sujet + corps
    # Another consent does not touch the bilan (nothing else ends).


# --- Rule 22: withdrawal within the period -------------------------------------------------


def _contrat_signe(world, bilan, jour):
    with tenant_context(world.org_a):
        conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
    with time_machine.travel(_a_paris(jour), tick=False):
        _signer_salarie(world, bilan)
    return jour


def test_regle_22_a_withdrawal_within_ten_days_voids_the_contract_and_the_bilan(
    org_a, world, login_as
):
    """Signed Tue 17/11/2026, period to Fri 27/11/2026: a withdrawal on 28/11 is refused,
    one on 27/11 ends the bilan (refused, reason recorded) and no payment is accepted."""
    bilan = _pret(world, statut=StatutBilan.ATTENTE, financement="personnel")
    _contrat_signe(world, bilan, dt.date(2026, 11, 17))
    client = login_as(world.admin_a)
    url = f"/app/bilans/{bilan.public_id}/retractation/"
    response = client.post(url, {"le": "2026-11-28", "motif": "Changement d'avis"})
    assert response.status_code == 400
    assert "a pris fin le 27/11/2026" in _page(response)
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE
    response = client.post(url, {"le": "2026-11-27", "motif": ""})
    assert response.status_code == 400
    assert _reload(world, bilan).retractation_le is None
    response = client.post(url, {"le": "2026-11-27", "motif": "Changement d'avis"})
    assert response.status_code == 302
    bilan = _reload(world, bilan)
    assert bilan.statut == StatutBilan.REFUSE
    assert bilan.retractation_le == dt.date(2026, 11, 27)
    assert "Rétractation du contrat le 27/11/2026" in bilan.motif_refus
    assert "Changement d'avis" in bilan.motif_refus
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="soit 0,00"):
        paiement_enregistrer(
            bilan=bilan,
            montant=Decimal("100"),
            le=dt.date(2026, 12, 1),
            mode="",
            par=world.admin_a,
            contrat_signe_le=dt.date(2026, 11, 17),
        )


def test_regle_22_the_database_keeps_a_withdrawn_bilan_ended(org_a, world):
    bilan = _pret(world, statut=StatutBilan.ATTENTE, financement="personnel")
    with tenant_context(world.org_a), pytest.raises(IntegrityError), transaction.atomic():
        Bilan.objects.filter(pk=bilan.pk).update(retractation_le=AUJOURDHUI)


# --- Rule 17: a CPF bilan starts no earlier than its earliest date --------------------------


def test_regle_17_a_cpf_bilan_cannot_start_before_the_earliest_date(org_a, world):
    """Proposition Fri 20/11/2026, earliest start Mon 07/12/2026: starting on Sun 29/11 is
    refused even with a later planned start; on 07/12 it starts."""
    bilan = _pret(
        world,
        statut=StatutBilan.ATTENTE,
        financement="cpf",
        cpf_proposition_commande_le=dt.date(2026, 11, 20),
        cpf_aucun_bilan_finance_5_ans=True,
        date_debut_prevue=dt.date(2026, 12, 7),
        date_fin_prevue=dt.date(2027, 2, 1),
    )
    with tenant_context(world.org_a):
        try:
            services_bilans.bilan_demarrer(
                bilan=bilan, par=world.admin_a, aujourdhui=dt.date(2026, 11, 29)
            )
        except ValidationError as refus:
            messages = refus.messages
        else:
            pytest.fail("started before the earliest CPF date")
        assert any("avant le 07/12/2026" in m for m in messages)
        assert _reload(world, bilan).statut == StatutBilan.ATTENTE
        services_bilans.bilan_demarrer(
            bilan=bilan, par=world.admin_a, aujourdhui=dt.date(2026, 12, 7)
        )
    assert _reload(world, bilan).date_debut_reelle == dt.date(2026, 12, 7)


def test_regle_20_a_cpf_bilan_is_blocked_by_a_funded_bilan_in_the_last_5_years(org_a, world):
    bilan = _pret(
        world,
        statut=StatutBilan.ATTENTE,
        financement="cpf",
        cpf_proposition_commande_le=AUJOURDHUI - dt.timedelta(days=30),
        cpf_aucun_bilan_finance_5_ans=False,
    )
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="D6323-6"):
        services_bilans.bilan_demarrer(bilan=bilan, par=world.admin_a)
    assert _reload(world, bilan).statut == StatutBilan.ATTENTE


def test_regle_19_the_beneficiary_sees_the_cpf_split_in_the_portal(org_a, world, login_as):
    _pret(
        world,
        statut=StatutBilan.ATTENTE,
        financement="cpf",
        prix_ttc=Decimal("2000"),
        date_debut_prevue=dt.date(2026, 12, 7),
        date_fin_prevue=dt.date(2027, 2, 1),
    )
    page = _page(login_as(world.beneficiaire_user_a).get("/portail/"))
    assert "Montant utilisable sur le CPF : 1600,00 €" in page or "1 600,00" in page
    assert "Reste à financer" in page
    assert "103,20 €" in page or "103.20" in page


def test_regle_25_admins_are_warned_and_the_dossier_links_to_the_settings(world, login_as):
    bilan = _pret(world, statut=StatutBilan.ATTENTE, financement="opco")
    client = login_as(world.admin_a)
    page = _page(client.get(f"/app/bilans/{bilan.public_id}/"))
    assert "page « Organisme »" in page
    assert 'href="/app/organisation/"' in page
    assert "_" not in page.split("Pour passer à l'étape suivante")[1].split("</ul>")[0]
    assert "Déclaration d'activité et certificat Qualiopi" in _page(client.get("/app/"))


# --- Every refused condition says where to fix it ----------------------------------------------


def test_each_missing_condition_links_to_the_page_where_it_is_fixed(world, login_as):
    """Confirming a dossier with no consent, no objectives and no dates: refused, nothing
    changed, each missing piece shown once with the link of the form that fixes it."""
    bilan = bilan_for(
        world.beneficiaire_a, statut=StatutBilan.PREALABLE_REALISE, prix_ttc=Decimal("1800")
    )
    client = login_as(world.consultant_a)
    url = f"/app/bilans/{bilan.public_id}/"
    page = _page(client.post(url + "action/confirmer/", follow=True))
    assert _reload(world, bilan).statut == StatutBilan.PREALABLE_REALISE
    fiche = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/"
    dossier = f"/app/bilans/{bilan.public_id}/modifier/"
    attendus = [
        (
            "Le consentement de la personne au bilan n'est pas enregistré.",
            fiche + "#titre-consentements",
        ),
        ("Les objectifs du bilan ne sont pas définis.", dossier),
        ("Les dates de début et de fin prévues manquent.", dossier),
    ]
    for message, lien in attendus:
        assert f'{message} <a href="{lien}">' in page
    # Listed once, in the dossier's checklist; the flash only says so.
    for message, _lien in attendus:
        assert page.count(message) == 1
    assert "Pas encore possible : ce qui manque est listé sur le dossier." in page


def test_regle_25_the_start_links_the_organisation_settings(world, login_as):
    bilan = _pret(world, statut=StatutBilan.ATTENTE, financement="opco")
    with tenant_context(world.org_a):
        (manque,) = [
            m
            for m in services_bilans.bilan_manques_demarrage(bilan=bilan, aujourdhui=AUJOURDHUI)
            if "Qualiopi" in m.message or "déclaration d'activité" in m.message
        ][:1]
    assert manque.lien == "/app/organisation/"


def test_convention_card_agrees_in_french_and_offers_the_organisation_signature_once(
    org_a, world, login_as
):
    """Seen on the demo: « Convention tripartite … · émis, en attente de signature » (a
    convention is feminine), and « Signer pour l'organisme » still offered once signed."""
    bilan = _tripartite(world, transmise_il_y_a=None)
    client = login_as(world.consultant_a)
    url = f"/app/bilans/{bilan.public_id}/"
    page = _page(client.get(url))
    assert "version 1 · en attente de signature" in page
    assert "émis, en attente de signature" not in page
    assert "Signer pour l'organisme" in page
    with tenant_context(world.org_a):
        document = SignedDocument.objects.get(subject_id=bilan.public_id)
    client.post(f"/app/bilans/{bilan.public_id}/documents/{document.public_id}/signer/")
    page = _page(client.get(url))
    assert "Organisme prestataire : signature de" in page
    assert "Signer pour l'organisme" not in page
