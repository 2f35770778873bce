"""Issue 13 acceptance: a consultant takes a beneficiary from first contact to closed bilan with
its follow-up planned, through the real pages, for the CPF route and the tripartite route
(« plan de développement des compétences »), without an administrator and without a dead end.

The calendar of the bilan runs over months: the clock is moved (``time_machine``, which the
live server's thread shares) to each step's day, at Paris times; each step opens a fresh
browser session (a staff session lasts two idle hours). Time-consuming steps that are not the
consultant's (realising the other séances of the plan) go through the services; each
consultant action the issue names is done through its page at least once across both tests.
"""

import datetime as dt
import re
import time
import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import formats, translation
from playwright.sync_api import Browser, Page, expect

from beneficiaires.models import Bilan, Notification, Phase, StatutBilan
from bilan.core.dates import ajouter_mois
from bilan.core.models import SignatureRole, SignedDocument, User
from bilan.core.tenancy import tenant_context
from seances.models import EntretienSuivi, Seance
from seances.selectors.emargement import seance_emargee
from syntheses.models import Synthese
from tests.factories.core import connecter_avec_mfa

pytestmark = pytest.mark.e2e

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PHONE = {"width": 375, "height": 812}
INVITATION_RE = re.compile(r"https?://\S+/invitation/\S+/")
SIGNATURE_RE = re.compile(r"https?://\S+/signature/\S+/")


def _a_paris(jour: dt.date, heure: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(jour, dt.time(heure, minute), tzinfo=PARIS)


def date_longue(jour: dt.date) -> str:
    """« jeudi 18 novembre 2027 », as the pages write a date."""
    with translation.override("fr"):
        return formats.date_format(jour, "l j F Y")


def _attendre_courriel(nombre: int) -> None:
    limite = time.monotonic() + 10
    while len(mail.outbox) < nombre and time.monotonic() < limite:
        time.sleep(0.1)
    assert len(mail.outbox) >= nombre


def _certifier(organisation, jour: dt.date) -> None:
    """The organisation's settings an administrator fills once (rule 25)."""
    organisation.numero_declaration_activite = "11755555575"
    organisation.qualiopi_numero_certificat = "Q-E2E"
    organisation.qualiopi_date_emission = jour - dt.timedelta(days=100)
    organisation.qualiopi_date_expiration = jour + dt.timedelta(days=900)
    organisation.qualiopi_couvre_bilans = True
    organisation.siret = "12345678900011"
    organisation.save()


class Parcours:
    """The browser sessions of one journey: the consultant's (staff, MFA passed) and the
    beneficiary's (portal), each opened afresh at every step of the calendar."""

    def __init__(self, browser: Browser, base: str, consultant: User) -> None:
        self.browser = browser
        self.base = base
        self.consultant = consultant
        self.contextes: list = []

    def _page(self, client: Client, viewport: dict) -> Page:
        context = self.browser.new_context(viewport=viewport, locale="fr-FR")
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": self.base,
                }
            ]
        )
        self.contextes.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    def staff(self) -> Page:
        return self._page(
            connecter_avec_mfa(Client(), self.consultant), {"width": 1280, "height": 900}
        )

    def portail(self, user: User) -> Page:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return self._page(client, PHONE)

    def fermer(self) -> None:
        for context in self.contextes:
            context.close()
        self.contextes.clear()

    def inviter_et_inscrire(self, page: Page, prenom: str, nom: str, email: str) -> User:
        """The consultant invites the beneficiary to the portal from the file; the beneficiary
        creates their account from the e-mailed link."""
        mail.outbox.clear()
        page.get_by_role("button", name="Inviter au portail").click()
        expect(page.get_by_text(f"Invitation au portail envoyée à {email}.")).to_be_visible()
        _attendre_courriel(1)
        lien = INVITATION_RE.search(mail.outbox[-1].body).group(0)
        chemin = "/" + lien.split("://", 1)[1].split("/", 1)[1]
        context = self.browser.new_context(viewport=PHONE, locale="fr-FR")
        self.contextes.append(context)
        portail = context.new_page()
        portail.goto(self.base + chemin)
        expect(portail).to_have_url(re.compile(r"/accounts/signup/$"))
        portail.locator('input[name="first_name"]').fill(prenom)
        portail.locator('input[name="last_name"]').fill(nom)
        portail.locator('input[name="password1"]').fill("Un-mot-de-passe-long-1")
        portail.locator('input[name="password2"]').fill("Un-mot-de-passe-long-1")
        portail.locator('form button[type="submit"]').last.click()
        expect(portail).to_have_url(re.compile(r"/portail/$"))
        expect(portail.get_by_role("heading", level=1)).to_have_text(f"Bonjour {prenom}")
        context.close()
        self.contextes.remove(context)
        return User.objects.get(email=email)


def _creer_beneficiaire(page: Page, base: str, champs: dict[str, str]) -> None:
    page.goto(base + "/app/beneficiaires/nouveau/")
    for nom, valeur in champs.items():
        champ = page.locator(f'[name="{nom}"]')
        if champ.evaluate("e => e.tagName") == "SELECT":
            champ.select_option(valeur)
        else:
            champ.fill(valeur)
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_text("Bénéficiaire enregistré·e.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{champs['prenom']} {champs['nom']}")


def _entretien_et_consentement(page: Page, quand: dt.datetime) -> None:
    """The free prior interview (rule 12), then the participation consent (rule 7)."""
    page.get_by_text("Enregistrer un entretien préalable").click()
    form = page.locator("form[action$='/entretien/']")
    form.locator('[name="date"]').fill(quand.strftime("%Y-%m-%dT%H:%M"))
    form.locator('[name="demande"]').fill("Faire le point après douze ans dans la logistique.")
    form.locator('[name="issue"]').select_option("bilan")
    form.get_by_role("button", name="Enregistrer l'entretien").click()
    expect(page.get_by_text("Entretien préalable enregistré.")).to_be_visible()
    page.get_by_text("Enregistrer un consentement").click()
    form = page.locator("form[action$='/consentements/']")
    form.locator('[name="type"]').select_option("participation")
    form.locator('[name="methode"]').select_option("papier")
    form.get_by_role("button", name="Enregistrer le consentement").click()
    expect(page.get_by_text("Consentement enregistré.")).to_be_visible()


def _remplir(page: Page, champs: dict[str, str]) -> None:
    for nom, valeur in champs.items():
        champ = page.locator(f'main [name="{nom}"]')
        if champ.evaluate("e => e.tagName") == "SELECT":
            champ.select_option(valeur)
        else:
            champ.fill(valeur)


def _appliquer_calendrier(
    page: Page, premiere: dt.datetime, garder: set[int], lien_visio: str
) -> None:
    """On the calendar page (reached when the bilan was opened from a programme): propose from
    the first date, keep some rows, give the video link once, plan."""
    expect(page.get_by_role("heading", level=1)).to_contain_text("Calendrier du bilan")
    page.get_by_label("Date et heure de la première séance").fill(
        premiere.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Proposer").click()
    lignes = page.locator("tbody tr")
    for i in range(lignes.count()):
        case = lignes.nth(i).locator('input[type="checkbox"]')
        if (i + 1) in garder:
            case.check()
        else:
            case.uncheck()
    page.get_by_label("Lien de visioconférence").fill(lien_visio)
    page.get_by_role("button", name="Planifier les séances gardées").click()
    expect(
        page.get_by_text(re.compile(rf"{len(garder)} séance\(s\) planifiée\(s\)"))
    ).to_be_visible()


def _action_dossier(page: Page, bouton: str, message: str) -> None:
    page.get_by_role("button", name=bouton).click()
    expect(_annonce(page, message)).to_be_visible()


def _annonce(page: Page, message: str):
    """The flash message (success or refusal) shown after an action."""
    return page.get_by_role("status").filter(has_text=message).first


def _realiser_et_emarger(parcours: Parcours, bilan: Bilan, seance: Seance, beneficiaire_user):
    """Through the pages: the consultant marks the séance realised and signs its attendance;
    the beneficiary signs it in the portal."""
    page = parcours.staff()
    page.goto(f"{parcours.base}/app/bilans/{bilan.public_id}/")
    page.get_by_role("link", name=seance.debut.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")).click()
    page.get_by_label("Durée réalisée (minutes)").fill(str(seance.duree_minutes))
    page.get_by_role("button", name="Marquer réalisée").click()
    expect(page.get_by_text("Séance mise à jour.")).to_be_visible()
    page.goto(f"{parcours.base}/app/seances/{seance.public_id}/emargement/")
    page.get_by_role("button", name="J'émarge cette séance").click()
    expect(page.get_by_text("Votre émargement est enregistré.")).to_be_visible()
    portail = parcours.portail(beneficiaire_user)
    portail.goto(parcours.base + "/portail/")
    portail.get_by_role("link", name=re.compile("Émarger la séance")).click()
    carte = portail.get_by_role("region", name=seance.intitule)
    carte.get_by_label("Je confirme avoir participé à cette séance et je la signe.").check()
    carte.get_by_role("button", name="Signer ma présence").click()
    expect(portail.get_by_text("Merci, votre émargement est enregistré.")).to_be_visible()
    with tenant_context(bilan.organisation):
        assert seance_emargee(seance=Seance.objects.get(pk=seance.pk))


def _seances(bilan: Bilan) -> list[Seance]:
    with tenant_context(bilan.organisation):
        return list(Seance.objects.filter(bilan=bilan).order_by("debut"))


def _recharger(bilan: Bilan) -> Bilan:
    with tenant_context(bilan.organisation):
        return Bilan.objects.get(pk=bilan.pk)


def test_parcours_cpf_du_premier_contact_au_suivi_planifie(
    transactional_db, world, live_server, browser: Browser, time_machine
):
    base = live_server.url
    lundi = dt.date(2027, 3, 1)
    time_machine.move_to(_a_paris(lundi, 9), tick=True)
    _certifier(world.org_a, lundi)
    parcours = Parcours(browser, base, world.consultant_a)
    try:
        # --- Day 0: first contact. The file, the portal, the prior interview, the consent. ---
        page = parcours.staff()
        _creer_beneficiaire(
            page,
            base,
            {"prenom": "Inès", "nom": "Garnier", "email": "ines@exemple.test"},
        )
        ines_user = parcours.inviter_et_inscrire(page, "Inès", "Garnier", "ines@exemple.test")
        _entretien_et_consentement(page, _a_paris(lundi, 9))

        # --- Opening the bilan from a seed programme directly, with the CPF fields. ---
        page.get_by_role("link", name="Ouvrir un bilan").click()
        page.locator('main [name="modele"]').select_option("trois-phases-modulables")
        _remplir(
            page,
            {
                "modalite": "distanciel",
                "date_debut_prevue": "2027-03-16",
                "date_fin_prevue": "2027-06-30",
                "objectifs": "Construire un projet de reconversion réaliste.",
                "financement": "cpf",
                "prix_ttc": "2000",
                "cpf_proposition_commande_le": "2027-03-01",
                "cpf_aucun_bilan_finance_5_ans": "true",
            },
        )
        page.locator("main form button[type=submit]").last.click()
        expect(page.get_by_text(re.compile(r"Bilan \S+ ouvert\."))).to_be_visible()
        with tenant_context(world.org_a):
            bilan = Bilan.objects.get(beneficiaire__email="ines@exemple.test")
            assert bilan.statut == StatutBilan.PREALABLE_REALISE
            assert bilan.programme.modele_source == "trois-phases-modulables"

        # The calendar: first séance on the earliest CPF start, four séances kept (one per
        # phase, two in the conclusion), all by video, the link given once.
        _appliquer_calendrier(
            page,
            _a_paris(dt.date(2027, 3, 16), 9),
            {1, 4, 11, 12},
            "https://visio.exemple.test/ines",
        )
        seances = _seances(bilan)
        assert [s.phase for s in seances] == [
            "preliminaire",
            "investigation",
            "conclusion",
            "conclusion",
        ]
        assert {s.modalite for s in seances} == {"visio"}
        assert {s.lien_visio for s in seances} == {"https://visio.exemple.test/ines"}

        # Too early to confirm: the page says until when the reflection delay runs (seed 003:
        # 10 days after the interview of 01/03).
        expect(page.get_by_text("Le délai de réflexion court jusqu'au")).to_be_visible()
        _action_dossier(page, "Confirmer le bilan", "Le délai de réflexion court jusqu'au")
        assert _recharger(bilan).statut == StatutBilan.PREALABLE_REALISE
        parcours.fermer()

        # --- 12/03: the delay has run; confirmed. The CPF start is still too early. ---
        time_machine.move_to(_a_paris(dt.date(2027, 3, 12), 9), tick=True)
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        _action_dossier(page, "Confirmer le bilan", "Bilan confirmé")
        expect(page.get_by_text("ne peut commencer avant le")).to_be_visible()
        _action_dossier(page, "Démarrer le bilan", "ne peut commencer avant le")
        assert _recharger(bilan).statut == StatutBilan.ATTENTE
        parcours.fermer()

        # --- 16/03, 8:30: the 11 working days after the order proposal have passed. ---
        time_machine.move_to(_a_paris(dt.date(2027, 3, 16), 8, 30), tick=True)
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        _action_dossier(page, "Démarrer le bilan", "Le bilan a commencé : phase préliminaire.")
        bilan = _recharger(bilan)
        assert (bilan.statut, bilan.phase) == (StatutBilan.EN_COURS, Phase.PRELIMINAIRE)
        assert bilan.date_debut_reelle == dt.date(2027, 3, 16)
        # The beneficiary sees the CPF split of the price in the portal (rule 19).
        portail = parcours.portail(ines_user)
        portail.goto(base + "/portail/")
        cpf = portail.get_by_role("region", name="Financement par votre CPF")
        expect(cpf).to_contain_text("1600")
        expect(cpf).to_contain_text("400")
        expect(cpf).to_contain_text("103,20")
        parcours.fermer()

        # --- After the first séance: realised, attendance signed, next phase with a reason. ---
        time_machine.move_to(_a_paris(dt.date(2027, 3, 16), 11, 30), tick=True)
        _realiser_et_emarger(parcours, bilan, seances[0], ines_user)
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        page.get_by_label("Passer à la phase suivante : pourquoi maintenant ?").fill(
            "Demande clarifiée, objectifs posés ensemble."
        )
        _action_dossier(page, "Phase suivante", "Phase mise à jour.")
        assert _recharger(bilan).phase == Phase.INVESTIGATION
        parcours.fermer()

        # --- After the investigation séance: realised, then the conclusion phase. ---
        investigation = seances[1]
        time_machine.move_to(investigation.debut + dt.timedelta(hours=3), tick=True)
        _realiser_et_emarger(parcours, bilan, investigation, ines_user)
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        page.get_by_label("Passer à la phase suivante : pourquoi maintenant ?").fill(
            "Pistes explorées, projet validé."
        )
        _action_dossier(page, "Phase suivante", "Phase mise à jour.")
        assert _recharger(bilan).phase == Phase.CONCLUSION
        parcours.fermer()

        # --- After the conclusion interview: the synthèse written, shared, validated, signed
        # by both, handed over; then the bilan closed on its end date. ---
        conclusion = seances[2]
        time_machine.move_to(conclusion.debut + dt.timedelta(hours=3), tick=True)
        fin = conclusion.debut.astimezone(PARIS).date()
        _realiser_et_emarger(parcours, bilan, conclusion, ines_user)
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        page.get_by_role("link", name="Synthèse", exact=True).click()
        page.get_by_role("button", name="Commencer la synthèse").click()
        page.get_by_label("Circonstances du bilan").fill(
            "Reconversion souhaitée après douze ans de logistique."
        )
        page.get_by_label("Compétences et aptitudes identifiées").fill(
            "Organisation, animation d'équipe."
        )
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(_annonce(page, "Synthèse enregistrée (révision")).to_be_visible()
        page.get_by_role("button", name="Partager avec le ou la bénéficiaire").click()
        expect(page.get_by_text("Synthèse partagée")).to_be_visible()
        portail = parcours.portail(ines_user)
        portail.goto(base + "/portail/synthese/")
        expect(portail.get_by_text("Organisation, animation d'équipe.")).to_be_visible()
        portail.get_by_role("button", name="Je valide la synthèse").click()
        expect(
            portail.get_by_text("Merci, votre validation de la synthèse est enregistrée.")
        ).to_be_visible()
        page.reload()
        page.get_by_role("button", name="Valider la synthèse").click()
        expect(page.get_by_text("Votre validation est enregistrée.")).to_be_visible()
        page.get_by_role("button", name="Émettre pour signature").click()
        expect(page.get_by_text("Document de synthèse émis")).to_be_visible()
        portail.goto(base + "/portail/synthese/")
        signature = portail.get_by_role("region", name="Signature")
        signature.get_by_label("J'ai lu la synthèse et je la signe électroniquement.").check()
        signature.get_by_role("button", name="Signer la synthèse").click()
        expect(portail.get_by_text("Merci, votre signature est enregistrée.")).to_be_visible()
        page.reload()
        page.get_by_label("J'ai lu la synthèse et je la signe électroniquement.").check()
        page.get_by_role("button", name="Signer en tant que consultant·e").click()
        expect(page.get_by_text("Votre signature est enregistrée.")).to_be_visible()
        page.get_by_label("Mode de remise").fill("En main propre, en visioconférence")
        page.get_by_role("button", name="Enregistrer la remise").click()
        expect(page.get_by_text("Remise de la synthèse enregistrée.")).to_be_visible()
        assert _recharger(bilan).statut == StatutBilan.SYNTHESE_REMISE

        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        page.get_by_label("Date de fin du bilan").fill(fin.isoformat())
        _action_dossier(page, "Clore le bilan", "Bilan clos.")
        page.get_by_role("link", name="Entretien de suivi").click()
        # What the consultant sees: planned, at the programme's window, with the date.
        expect(page.get_by_role("main")).to_contain_text("entre 6 et 9 mois après la fin")
        expect(page.get_by_role("main")).to_contain_text(
            f"Prévu le {date_longue(ajouter_mois(jour=fin, mois=6))} à 10:00"
        )
    finally:
        parcours.fermer()

    with tenant_context(world.org_a):
        bilan = Bilan.objects.get(pk=bilan.pk)
        assert bilan.statut == StatutBilan.CLOS
        assert bilan.termine_le == fin
        assert bilan.date_fin_reelle == fin
        synthese = Synthese.objects.get(bilan=bilan)
        assert synthese.statut == Synthese.Statut.REMISE
        document = SignedDocument.objects.get(subject_id=synthese.public_id)
        assert document.status == SignedDocument.Status.SIGNE
        roles = set(document.signatures.values_list("role", flat=True))
        assert roles == {SignatureRole.BENEFICIAIRE, SignatureRole.CONSULTANT}
        # Follow-up at the programme's window (seed 003: 6 to 9 months after the end).
        suivi = EntretienSuivi.objects.get(bilan=bilan)
        assert suivi.statut == EntretienSuivi.Statut.PLANIFIE
        jour_suivi = suivi.date_prevue.astimezone(PARIS).date()
        assert ajouter_mois(jour=fin, mois=6) <= jour_suivi <= ajouter_mois(jour=fin, mois=9)
        # The beneficiary was told of the planned séances, of the synthèse to read and of the
        # document to sign (portal notices, each with its e-mail in the outbox).
        sujets = set(
            Notification.objects.filter(beneficiaire=bilan.beneficiaire).values_list(
                "sujet", flat=True
            )
        )
        assert {
            Notification.Sujet.SEANCES_PLANIFIEES,
            Notification.Sujet.SYNTHESE_PARTAGEE,
        } <= sujets
