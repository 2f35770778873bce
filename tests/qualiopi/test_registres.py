"""Quality registers: complaints (rule 30: dates in order, target acknowledgement delay, filed
from the portal), improvement actions, watch log, staff records with proofs, handicap,
stakeholder feedback; admin-only pages, tenant isolation and CSV exports."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from bilan.core.models import AuditEvent, Membership, Role
from bilan.core.tenancy import tenant_context
from qualiopi.models import (
    ActionAmelioration,
    Intervenant,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)
from qualiopi.selectors import registres as selectors
from qualiopi.services import registres as services
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

LUNDI = dt.date(2026, 3, 2)


def _reclamation(org, par, **champs) -> Reclamation:
    valeurs = {
        "recue_le": LUNDI,
        "canal": "courriel",
        "nature": "organisation",
        "objet": "Séance déplacée sans prévenir",
        "description": "La séance du mardi a été déplacée la veille.",
    } | champs
    with tenant_context(org):
        return services.entree_enregistrer(entree=Reclamation(**valeurs), organisation=org, par=par)


def test_regle_30_the_dates_of_a_complaint_follow_each_other_in_the_database(world):
    reclamation = _reclamation(world.org_a, world.admin_a)
    with tenant_context(world.org_a):
        for champs in (
            {"accuse_le": LUNDI - dt.timedelta(days=1)},
            {"accuse_le": LUNDI, "reponse_le": LUNDI - dt.timedelta(days=1), "reponse": "x"},
            {"reponse_le": LUNDI, "reponse": "Réponse sans accusé"},
            {"accuse_le": LUNDI, "reponse_le": LUNDI + dt.timedelta(days=3), "reponse": ""},
            {"accuse_le": LUNDI, "cloture_le": LUNDI + dt.timedelta(days=1)},
        ):
            # The database refuses, even without the model validation.
            with pytest.raises(IntegrityError), transaction.atomic():
                Reclamation.objects.filter(pk=reclamation.pk).update(**champs)
        reclamation.refresh_from_db()
        assert reclamation.accuse_le is None
        assert reclamation.cloture_le is None


def test_regle_30_the_service_refuses_a_response_before_the_acknowledgement_with_a_message(world):
    reclamation = _reclamation(world.org_a, world.admin_a)
    with tenant_context(world.org_a):
        reclamation.accuse_le = LUNDI + dt.timedelta(days=2)
        reclamation.reponse_le = LUNDI + dt.timedelta(days=1)
        reclamation.reponse = "Nous avons revu le planning."
        with pytest.raises(ValidationError) as exc:
            services.entree_enregistrer(
                entree=reclamation, organisation=world.org_a, par=world.admin_a
            )
        assert "accusé de réception" in " ".join(exc.value.messages)
        assert Reclamation.objects.get(pk=reclamation.pk).reponse_le is None


def test_regle_30_a_complaint_goes_from_received_to_closed_with_its_improvement_action(world):
    reclamation = _reclamation(world.org_a, world.admin_a)
    with tenant_context(world.org_a):
        reclamation.accuse_le = LUNDI + dt.timedelta(days=1)
        reclamation.reponse_le = LUNDI + dt.timedelta(days=5)
        reclamation.reponse = "Le planning est désormais confirmé 72 h avant."
        reclamation.cloture_le = LUNDI + dt.timedelta(days=6)
        services.entree_enregistrer(entree=reclamation, organisation=world.org_a, par=world.admin_a)
        action = services.entree_enregistrer(
            entree=ActionAmelioration(
                intitule="Confirmer les séances 72 h avant",
                source="reclamation",
                reclamation=reclamation,
                responsable=world.admin_a,
                ouverte_le=LUNDI + dt.timedelta(days=5),
                echeance=LUNDI + dt.timedelta(days=30),
            ),
            organisation=world.org_a,
            par=world.admin_a,
        )
        assert list(reclamation.actions.all()) == [action]


def test_regle_30_a_late_acknowledgement_is_flagged_in_working_days(world):
    # Received Friday 1 May 2026 (public holiday): 2 working days -> Tuesday 5 May.
    vendredi = dt.date(2026, 5, 1)
    a_temps = _reclamation(
        world.org_a, world.admin_a, recue_le=vendredi, accuse_le=dt.date(2026, 5, 5)
    )
    en_retard = _reclamation(
        world.org_a, world.admin_a, recue_le=vendredi, accuse_le=dt.date(2026, 5, 6)
    )
    sans_accuse = _reclamation(world.org_a, world.admin_a, recue_le=vendredi)
    with tenant_context(world.org_a):
        assert selectors.reclamation_echeance_accuse(reclamation=a_temps, delai=2) == dt.date(
            2026, 5, 5
        )
        assert not selectors.reclamation_accuse_en_retard(reclamation=a_temps, delai=2)
        assert selectors.reclamation_accuse_en_retard(reclamation=en_retard, delai=2)
        assert not selectors.reclamation_accuse_en_retard(
            reclamation=sans_accuse, delai=2, aujourdhui=dt.date(2026, 5, 5)
        )
        assert selectors.reclamation_accuse_en_retard(
            reclamation=sans_accuse, delai=2, aujourdhui=dt.date(2026, 5, 6)
        )
        # The organisation sets its own delay.
        services.parametres_qualite_modifier(organisation=world.org_a, delai_accuse_jours=3)
        assert selectors.delai_accuse_jours(organisation=world.org_a) == 3
        lignes = selectors.reclamations_lignes(
            organisation=world.org_a, reclamations=Reclamation.objects.filter(pk=en_retard.pk)
        )
        assert not lignes[0].en_retard
    with tenant_context(world.org_b):
        assert selectors.delai_accuse_jours(organisation=world.org_b) == 2


def test_regle_30_the_register_page_flags_late_complaints(world, login_as):
    _reclamation(world.org_a, world.admin_a, recue_le=LUNDI, accuse_le=LUNDI + dt.timedelta(days=7))
    page = login_as(world.admin_a).get(reverse("qualiopi:registre_liste", args=["reclamations"]))
    assert page.status_code == 200
    assert "En retard" in page.content.decode()


def test_regle_30_the_beneficiary_files_a_complaint_from_the_portal(
    world, login_as, django_capture_on_commit_callbacks
):
    bilan = bilan_for(world.beneficiaire_a)
    client = login_as(world.beneficiaire_user_a)
    assert client.get(reverse("portail_qualiopi:reclamation")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("portail_qualiopi:reclamation"),
            {
                "nature": "accompagnement",
                "objet": "Rendez-vous annulé",
                "description": "Deux fois.",
            },
        )
    assert reponse.status_code == 302
    assert reponse["Location"] == reverse("portail_qualiopi:reclamation_envoyee")
    with tenant_context(world.org_a):
        reclamation = Reclamation.objects.get()
        assert reclamation.canal == "portail"
        assert reclamation.beneficiaire == world.beneficiaire_a
        assert reclamation.bilan == bilan
        assert reclamation.accuse_le is None
    # The administrators are told, without the complaint's text; consultants are not.
    destinataires = [m.to for m in mail.outbox]
    assert [world.admin_a.email] in destinataires
    assert [world.consultant_a.email] not in destinataires
    assert all("Deux fois" not in m.body for m in mail.outbox)
    with tenant_context(world.org_b):
        assert not Reclamation.objects.exists()
    # The admin sees it in the register with channel "portail".
    page = login_as(world.admin_a).get(
        reverse("qualiopi:registre_liste", args=["reclamations"]), {"canal": "portail"}
    )
    assert "Rendez-vous annulé" in page.content.decode()


def test_regle_30_an_empty_portal_complaint_is_refused_at_the_field(world, login_as):
    client = login_as(world.beneficiaire_user_a)
    reponse = client.post(
        reverse("portail_qualiopi:reclamation"),
        {"nature": "accompagnement", "objet": "", "description": ""},
    )
    assert reponse.status_code == 400
    with tenant_context(world.org_a):
        assert not Reclamation.objects.exists()


def test_registers_are_for_admins_and_other_organisations_get_404(world, login_as):
    reclamation = _reclamation(world.org_a, world.admin_a)
    url_liste = reverse("qualiopi:registre_liste", args=["reclamations"])
    url_detail = reverse("qualiopi:registre_detail", args=["reclamations", reclamation.public_id])
    consultant = login_as(world.consultant_a)
    assert consultant.get(url_liste).status_code == 403
    assert consultant.get(url_detail).status_code == 403
    assert consultant.get(url_liste + "?format=csv").status_code == 403
    etranger = login_as(world.consultant_b)
    assert etranger.get(url_detail).status_code == 403
    admin_b = staff_user(organisation=world.org_b, role=Role.ADMIN, email="admin@b.test")
    client_b = login_as(admin_b)
    assert client_b.get(url_detail).status_code == 404
    assert client_b.post(url_detail, {"objet": "piraté"}).status_code == 404
    assert "Séance déplacée" not in client_b.get(url_liste).content.decode()
    assert client_b.get(reverse("qualiopi:registre_liste", args=["inconnu"])).status_code == 404
    with tenant_context(world.org_a):
        assert Reclamation.objects.get().objet == "Séance déplacée sans prévenir"


def test_consultants_may_add_watch_entries_and_feedback_only(world, login_as):
    client = login_as(world.consultant_a)
    reponse = client.post(
        reverse("qualiopi:registre_ajouter", args=["veille"]),
        {
            "kind": "legale",
            "date": "2026-02-01",
            "source": "Décret CPF 2026",
            "apprentissage": "Plafond",
            "action_prise": "",
        },
    )
    assert reponse.status_code == 302
    assert client.get(reverse("qualiopi:registre_liste", args=["veille"])).status_code == 403
    assert (
        client.get(reverse("qualiopi:registre_ajouter", args=["reclamations"])).status_code == 403
    )
    reponse = client.post(
        reverse("qualiopi:registre_ajouter", args=["retours"]),
        {
            "recu_le": "2026-02-03",
            "source": "financeur",
            "organisme_nom": "OPCO Atlas",
            "resume": "Bons retours",
        },
    )
    assert reponse.status_code == 302
    with tenant_context(world.org_a):
        assert VeilleEntree.objects.get().saisie_par == world.consultant_a
        assert RetourPartiePrenante.objects.count() == 1


def test_admin_adds_an_action_whose_owner_must_be_a_member(world, login_as):
    client = login_as(world.admin_a)
    donnees = {
        "intitule": "Refondre le livret d'accueil",
        "source": "enquete",
        "responsable": world.consultant_b.pk,
        "ouverte_le": "2026-01-10",
        "echeance": "2026-03-01",
        "statut": "prevue",
    }
    reponse = client.post(reverse("qualiopi:registre_ajouter", args=["actions"]), donnees)
    assert reponse.status_code == 400
    with tenant_context(world.org_a):
        assert not ActionAmelioration.objects.exists()
    donnees["responsable"] = world.consultant_a.pk
    donnees["statut"] = "realisee"
    reponse = client.post(reverse("qualiopi:registre_ajouter", args=["actions"]), donnees)
    assert reponse.status_code == 400
    assert "date de réalisation" in reponse.content.decode()
    donnees["realisee_le"] = "2026-02-20"
    reponse = client.post(reverse("qualiopi:registre_ajouter", args=["actions"]), donnees)
    assert reponse.status_code == 302
    with tenant_context(world.org_a):
        assert ActionAmelioration.objects.get().responsable == world.consultant_a


def test_a_complaint_cannot_link_another_organisations_dossier(world, login_as):
    bilan_b = bilan_for(world.beneficiaire_b)
    reponse = login_as(world.admin_a).post(
        reverse("qualiopi:registre_ajouter", args=["reclamations"]),
        {
            "recue_le": "2026-03-02",
            "canal": "courriel",
            "nature": "autre",
            "objet": "Test",
            "description": "Test",
            "bilan": str(bilan_b.public_id),
        },
    )
    assert reponse.status_code == 400
    with tenant_context(world.org_a):
        assert not Reclamation.objects.exists()


def test_csv_export_of_a_register_is_filtered_and_neutralised(world, login_as):
    _reclamation(world.org_a, world.admin_a, objet="=HYPERLINK(1)", nature="administratif")
    _reclamation(world.org_a, world.admin_a, objet="Autre sujet", nature="organisation")
    reponse = login_as(world.admin_a).get(
        reverse("qualiopi:registre_liste", args=["reclamations"]),
        {"format": "csv", "nature": "administratif"},
    )
    texte = reponse.content.decode()
    assert reponse["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in texte
    assert "Autre sujet" not in texte


def test_staff_record_proofs_are_private_and_downloads_are_logged(world, login_as):
    with tenant_context(world.org_a):
        intervenant = services.entree_enregistrer(
            entree=Intervenant(membre=world.consultant_a, fonction="Consultante"),
            organisation=world.org_a,
            par=world.admin_a,
        )
    client = login_as(world.admin_a)
    reponse = client.post(
        reverse("qualiopi:piece_ajouter", args=[intervenant.public_id]),
        {
            "kind": "habilitation",
            "intitule": "MBTI",
            "date": "2025-01-10",
            "expire_le": "2028-01-10",
            "fichier": SimpleUploadedFile("mbti.pdf", b"%PDF-1.4 habilitation"),
        },
    )
    assert reponse.status_code == 302
    with tenant_context(world.org_a):
        piece = PieceIntervenant.objects.get()
        assert piece.sha256
        assert piece.fichier.name.startswith(f"org-{world.org_a.pk}/")
    url = reverse("qualiopi:piece_telecharger", args=[piece.public_id])
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert reponse.content == b"%PDF-1.4 habilitation"
    with tenant_context(world.org_a):
        assert AuditEvent.objects.filter(object_id=piece.public_id).count() == 1
    assert login_as(world.consultant_a).get(url).status_code == 403
    # A fake PDF is refused at the field, nothing written.
    reponse = client.post(
        reverse("qualiopi:piece_ajouter", args=[intervenant.public_id]),
        {
            "kind": "formation",
            "intitule": "X",
            "date": "2025-01-10",
            "fichier": SimpleUploadedFile("x.pdf", b"MZ.."),
        },
    )
    assert reponse.status_code == 400
    with tenant_context(world.org_a):
        assert PieceIntervenant.objects.count() == 1
    # An expiry before the date is refused by the database too.
    with tenant_context(world.org_a), pytest.raises(IntegrityError), transaction.atomic():
        PieceIntervenant.objects.filter(pk=piece.pk).update(expire_le=dt.date(2020, 1, 1))


def test_every_register_page_renders(world, login_as):
    client = login_as(world.admin_a)
    for slug in (
        "reclamations",
        "actions",
        "veille",
        "intervenants",
        "partenaires-handicap",
        "adaptations",
        "retours",
    ):
        assert client.get(reverse("qualiopi:registre_liste", args=[slug])).status_code == 200, slug
        assert client.get(reverse("qualiopi:registre_ajouter", args=[slug])).status_code == 200, (
            slug
        )
        assert (
            client.get(
                reverse("qualiopi:registre_liste", args=[slug]), {"format": "csv"}
            ).status_code
            == 200
        )


def test_an_expired_habilitation_is_flagged_on_the_staff_record(world, login_as):
    with tenant_context(world.org_a):
        intervenant = services.entree_enregistrer(
            entree=Intervenant(nom="Jeanne Externe", sous_traitant=True),
            organisation=world.org_a,
            par=world.admin_a,
        )
        services.piece_intervenant_enregistrer(
            piece=PieceIntervenant(
                kind="habilitation",
                intitule="Test d'intérêts",
                date=dt.date(2020, 1, 1),
                expire_le=dt.date(2023, 1, 1),
            ),
            intervenant=intervenant,
            fichier=None,
        )
    page = login_as(world.admin_a).get(
        reverse("qualiopi:registre_detail", args=["intervenants", intervenant.public_id])
    )
    assert "expirée" in page.content.decode()


def test_the_links_partial_shows_consultants_only_what_they_may_add(world):
    with tenant_context(world.org_a):
        admin = Membership.objects.get(user=world.admin_a, organisation=world.org_a)
        consultant = Membership.objects.get(user=world.consultant_a, organisation=world.org_a)
    pour_admin = render_to_string("qualiopi/_liens_registres.html", {"membership": admin})
    pour_consultant = render_to_string("qualiopi/_liens_registres.html", {"membership": consultant})
    assert reverse("qualiopi:registre_liste", args=["reclamations"]) in pour_admin
    assert reverse("qualiopi:offres") in pour_admin
    assert reverse("qualiopi:registre_liste", args=["reclamations"]) not in pour_consultant
    assert reverse("qualiopi:registre_ajouter", args=["veille"]) in pour_consultant
