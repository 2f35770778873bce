"""Issues 6 and 7 acceptance: a new beneficiary, on a phone, from invitation to signed synthèse.

Accept the invitation, log in by emailed code, sign the contract, sign a remote séance, hand in
guided personal work, read and sign the synthèse, download it, give then withdraw a consent.
The staff side is prepared through the services between the steps.
"""

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect

from beneficiaires.models import Beneficiaire, Bilan, Consentement, StatutBilan
from beneficiaires.services import conventions
from bilan.core.models import SignatureRole
from bilan.core.services import invitation_creer
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.selectors.emargement import seance_emargee
from seances.services import emargement
from seances.services.travail import consigne_creer
from syntheses.services import syntheses
from tests.factories.beneficiaires import BeneficiaireFactory
from tests.factories.core import connecter_avec_mfa

pytestmark = pytest.mark.e2e
PHONE = {"width": 375, "height": 812}
CODE_RE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]+)*)\s*$", re.MULTILINE)
LINK_RE = re.compile(r"https?://\S+/invitation/\S+/")


def _wait_mail(count: int):
    deadline = time.monotonic() + 10
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(mail.outbox) >= count


def _certify(organisation):
    organisation.numero_declaration_activite = "11755555575"
    organisation.qualiopi_numero_certificat = "Q-1"
    organisation.qualiopi_date_expiration = timezone.localdate() + dt.timedelta(days=600)
    organisation.qualiopi_couvre_bilans = True
    organisation.save()


def _seance(bilan, **fields):
    values = {
        "phase": "preliminaire",
        "type": "entretien",
        "intitule": "Entretien",
        "debut": timezone.now() - dt.timedelta(hours=3),
        "duree_minutes": 90,
        "modalite": Seance.Modalite.VISIO,
        "consultant": bilan.consultant,
        **fields,
    }
    with tenant_context(bilan.organisation):
        return Seance.objects.create(organisation=bilan.organisation, bilan=bilan, **values)


def test_a_new_beneficiary_goes_through_the_whole_portal_on_a_phone(
    transactional_db, world, live_server, browser: Browser
):
    base = live_server.url
    _certify(world.org_a)
    lina = BeneficiaireFactory(
        organisation=world.org_a,
        prenom="Lina",
        nom="Moreau",
        email="lina@exemple.test",
        consultant=world.consultant_a,
    )
    mail.outbox.clear()
    invitation_creer(
        organisation=world.org_a, email=lina.email, beneficiaire=lina, invited_by=world.admin_a
    )
    _wait_mail(1)
    lien = LINK_RE.search(mail.outbox[-1].body).group(0).split("://", 1)[1].split("/", 1)[1]

    context = browser.new_context(viewport=PHONE, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    try:
        # 1. Accept the invitation: create the account.
        page.goto(f"{base}/{lien}")
        expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
        page.locator('input[name="first_name"]').fill("Lina")
        page.locator('input[name="last_name"]').fill("Moreau")
        page.locator('input[name="password1"]').fill("Un-mot-de-passe-long-1")
        page.locator('input[name="password2"]').fill("Un-mot-de-passe-long-1")
        page.locator('form button[type="submit"]').last.click()
        expect(page).to_have_url(re.compile(r"/portail/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Lina")

        # 2. Log out, then back in by emailed code.
        page.get_by_role("button", name="Se déconnecter").click()
        mail.outbox.clear()
        page.goto(base + "/accounts/login/")
        page.get_by_role("link", name="Recevoir un code de connexion par courriel").click()
        page.locator('input[name="email"]').fill(lina.email)
        page.get_by_role("button", name="Demander un code").click()
        _wait_mail(1)
        page.locator('input[name="code"]').fill(CODE_RE.search(mail.outbox[-1].body).group(1))
        page.get_by_role("button", name="Confirmer").click()
        expect(page).to_have_url(re.compile(r"/portail/$"))

        # 3. Sign the contract.
        with tenant_context(world.org_a):
            lina = Beneficiaire.objects.get(pk=lina.pk)
            bilan = Bilan.objects.create(
                organisation=world.org_a,
                beneficiaire=lina,
                numero="E2E-1",
                statut=StatutBilan.ATTENTE,
                consultant=world.consultant_a,
                modalite="mixte",
                financement="personnel",
                objectifs="Valider un projet de reconversion",
                # The plan's hours (its one 90-minute séance below): a contract whose
                # duration disagrees with its planning table is refused.
                heures_accompagnement=Decimal("1.5"),
                heures_travail_personnel=Decimal("0"),
                date_debut_prevue=timezone.localdate(),
                date_fin_prevue=timezone.localdate() + dt.timedelta(days=60),
                prix_ttc=Decimal("1800"),
                conditions_paiement="30 % après la rétractation, puis mensuellement.",
            )
        _seance(bilan, statut=Seance.Statut.PLANIFIEE, debut=timezone.now() + dt.timedelta(days=2))
        with tenant_context(world.org_a):
            contrat = conventions.convention_emettre(bilan=bilan, par=world.consultant_a)
        page.goto(base + "/portail/")
        page.get_by_role("link", name="Signer : Contrat de bilan de compétences").click()
        page.get_by_label("J'ai lu le document et je le signe électroniquement.").check()
        page.get_by_role("button", name="Signer", exact=True).click()
        expect(page.get_by_text("Merci, votre signature est enregistrée.")).to_be_visible()
        with tenant_context(world.org_a):
            assert contrat.signatures.filter(role=SignatureRole.BENEFICIAIRE).exists()

        # 4. Sign a remote séance the consultant has marked realised and signed.
        with tenant_context(world.org_a):
            Bilan.objects.filter(pk=bilan.pk).update(
                statut=StatutBilan.EN_COURS, phase="preliminaire"
            )
        seance = _seance(bilan, statut=Seance.Statut.REALISEE, duree_realisee_minutes=90)
        with tenant_context(world.org_a):
            emargement.emargement_signer(
                seance=seance,
                role="consultant",
                signataire=str(world.consultant_a),
                user=world.consultant_a,
                methode="session",
                client=None,
            )
        page.goto(base + "/portail/")
        page.get_by_role("link", name=re.compile("Émarger la séance")).click()
        page.locator('input[name="accord"]').first.check()
        page.get_by_role("button", name="Signer ma présence").first.click()
        with tenant_context(world.org_a):
            assert seance_emargee(seance=Seance.objects.get(pk=seance.pk))

        # 5. Hand in guided personal work.
        travail = _seance(
            bilan,
            type="travail_personnel",
            intitule="Portrait de compétences",
            statut=Seance.Statut.PLANIFIEE,
            debut=timezone.now() + dt.timedelta(days=1),
            duree_minutes=60,
            modalite=Seance.Modalite.AUTONOMIE,
        )
        with tenant_context(world.org_a):
            consigne_creer(
                seance=travail,
                titre="Mon portrait de compétences",
                consignes="Listez trois réussites et ce qu'elles disent de vous.",
                temps_attendu_minutes=60,
                par=world.consultant_a,
            )
        page.goto(base + "/portail/")
        page.get_by_role("link", name="Travail à rendre : Mon portrait de compétences").click()
        page.locator('textarea[name="texte"]').fill(
            "Trois réussites : un projet, une équipe, un client."
        )
        page.locator('input[name="temps_declare_minutes"]').fill("75")
        page.get_by_role("button", name="Rendre mon travail").click()
        with tenant_context(world.org_a):
            assert Seance.objects.get(pk=travail.pk).duree_realisee_minutes == 75

        # 6. Read, validate and sign the synthèse, then download it.
        with tenant_context(world.org_a):
            Bilan.objects.filter(pk=bilan.pk).update(phase="conclusion")
            bilan = Bilan.objects.get(pk=bilan.pk)
            synthese = syntheses.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)
            syntheses.synthese_enregistrer(
                synthese=synthese,
                revision=0,
                sections={"projets": "<p>Devenir formatrice pour adultes.</p>"},
                par=world.consultant_a,
            )
            syntheses.synthese_partager(synthese=synthese, par=world.consultant_a)
        page.goto(base + "/portail/synthese/")
        expect(page.get_by_text("Devenir formatrice pour adultes.")).to_be_visible()
        page.get_by_role("button", name="Je valide la synthèse").click()
        with tenant_context(world.org_a):
            synthese.refresh_from_db()
            syntheses.synthese_valider(
                synthese=synthese, role=SignatureRole.CONSULTANT, par=world.consultant_a
            )
            document = syntheses.synthese_emettre_pour_signature(
                synthese=synthese, par=world.consultant_a
            )
        staff = Client()
        connecter_avec_mfa(staff, world.consultant_a)
        staff.post(f"/app/syntheses/{synthese.public_id}/signer/", {"accord": "on"})
        page.goto(base + "/portail/synthese/")
        signature = page.get_by_role("region", name="Signature")
        signature.get_by_label("J'ai lu la synthèse et je la signe électroniquement.").check()
        signature.get_by_role("button", name="Signer la synthèse").click()
        expect(page.get_by_text("Merci, votre signature est enregistrée.")).to_be_visible()
        with page.expect_download() as download_info:
            page.get_by_role("region", name="Signature").get_by_role(
                "link", name=re.compile("Télécharger la synthèse signée")
            ).click()
        pdf = download_info.value.path().read_bytes()
        assert pdf[:5] == b"%PDF-"

        # 6b. The downloaded PDF is an intact original on the public verification page;
        # one altered byte and it is not.
        page.goto(base + "/verifier/")
        page.locator('input[name="fichier"]').set_input_files(str(download_info.value.path()))
        page.get_by_role("button", name="Vérifier", exact=True).click()
        expect(page.get_by_role("heading", name="Document authentique")).to_be_visible()
        altere = bytearray(pdf)
        altere[len(altere) // 2] ^= 0x01
        page.goto(base + "/verifier/")
        page.locator('input[name="fichier"]').set_input_files(
            files=[{"name": "synthese.pdf", "mimeType": "application/pdf", "buffer": bytes(altere)}]
        )
        page.get_by_role("button", name="Vérifier", exact=True).click()
        expect(
            page.get_by_role("heading", name="Aucun document d'origine ne correspond")
        ).to_be_visible()

        # 7. Give, then withdraw, a consent to send the synthèse to a CEP operator.
        page.goto(base + "/portail/donnees/")
        page.get_by_label("Je consens à").select_option("synthese_cep")
        page.get_by_label("Destinataire (pour une transmission à un tiers)").fill("CEP Apec")
        page.get_by_label("Pour une transmission de ma synthèse").check()
        page.get_by_role("button", name="Donner mon accord").click()
        expect(page.get_by_text("Votre consentement est enregistré.")).to_be_visible()
        page.get_by_role("button", name="Retirer").first.click()
        expect(page.get_by_text("Consentement retiré.")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()

    with tenant_context(world.org_a):
        document.refresh_from_db()
        assert document.status == "signe"
        consentement = Consentement.objects.get(beneficiaire=lina, type="synthese_cep")
        assert consentement.methode == "portail"
        assert consentement.revoque_le is not None
