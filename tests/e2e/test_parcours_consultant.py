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
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import formats, translation
from playwright.sync_api import Browser, Page, expect

from beneficiaires.models import Bilan, Notification, Phase, StatutBilan
from bilan.core.dates import ajouter_mois
from bilan.core.models import SignatureRole, SignedDocument, User
from bilan.core.signatures import MethodeAuthentification
from bilan.core.tenancy import tenant_context
from seances.models import Emargement, EntretienSuivi, Seance
from seances.selectors.emargement import seance_emargee
from seances.services import emargement, phases
from seances.services import seances as services_seances
from syntheses.models import Synthese
from syntheses.services import syntheses
from tests.factories.core import connecter_avec_mfa

pytestmark = pytest.mark.e2e

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
PHONE = {"width": 375, "height": 812}
INVITATION_RE = re.compile(r"https?://\S+/invitation/\S+/")
SIGNATURE_RE = re.compile(r"https?://\S+/signature/\S+/")

IDS_EN_DOUBLE = """() => { const vus = new Set(), doubles = [];
    for (const e of document.querySelectorAll('[id]')) {
        if (vus.has(e.id)) doubles.push(e.id); vus.add(e.id); }
    return doubles; }"""


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


def _chemin(lien: str) -> str:
    """The path of an e-mailed link (the e-mail names the configured site, not the live
    server)."""
    return "/" + lien.split("://", 1)[1].split("/", 1)[1]


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
        chemin = _chemin(INVITATION_RE.search(mail.outbox[-1].body).group(0))
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
        page.get_by_text(re.compile(rf"{len(garder)} séances? planifiées? pour le bilan"))
    ).to_be_visible()


def _action_dossier(page: Page, bouton: str, message: str) -> None:
    page.get_by_role("button", name=bouton).click()
    expect(_annonce(page, message)).to_be_visible()


def _action_refusee(page: Page, bouton: str, manque: str) -> None:
    """A refused step: the flash points to the dossier's list, which names what is missing
    (once) with the link where it is fixed when there is one."""
    page.get_by_role("button", name=bouton).click()
    expect(
        _annonce(page, "Pas encore possible : ce qui manque est listé sur le dossier.")
    ).to_be_visible()
    liste = page.get_by_role("region", name=re.compile("il manque :"))
    expect(liste).to_contain_text(manque)
    expect(page.get_by_text(manque)).to_have_count(1)


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
        expect(page.get_by_text("Le délai de réflexion court jusqu'au 11/03/2027.")).to_have_count(
            1
        )
        _action_refusee(
            page, "Confirmer le bilan", "Le délai de réflexion court jusqu'au 11/03/2027."
        )
        assert _recharger(bilan).statut == StatutBilan.PREALABLE_REALISE
        parcours.fermer()

        # --- 12/03: the delay has run; confirmed. The CPF start is still too early. ---
        time_machine.move_to(_a_paris(dt.date(2027, 3, 12), 9), tick=True)
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        _action_dossier(page, "Confirmer le bilan", "Bilan confirmé")
        expect(page.get_by_text("ne peut commencer avant le 16/03/2027")).to_have_count(1)
        _action_refusee(page, "Démarrer le bilan", "ne peut commencer avant le 16/03/2027")
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
        page.get_by_role("link", name="Ouvrir l'éditeur de synthèse").click()
        page.get_by_role("button", name="Commencer la synthèse").click()
        # The rich editor has replaced the text boxes (their textareas hidden) before typing.
        expect(page.locator("#id_circonstances")).to_be_hidden()
        expect(page.locator("#id_competences")).to_be_hidden()
        page.get_by_role("textbox", name="Circonstances du bilan").fill(
            "Reconversion souhaitée après douze ans de logistique."
        )
        page.get_by_role("textbox", name="Compétences et aptitudes identifiées").fill(
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

        # The synthèse was handed over at the conclusion interview: the last séance of the
        # plan will not take place. Closing names it, with the way to its page.
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        restitution = seances[3]
        manques = page.get_by_role("region", name="Pour clore le bilan, il manque :")
        expect(manques).to_contain_text(f"La séance « {restitution.intitule} »")
        page.get_by_label("Date de fin du bilan").fill(fin.isoformat())
        _action_refusee(page, "Clore le bilan", "est encore planifiée")
        assert _recharger(bilan).statut == StatutBilan.SYNTHESE_REMISE
        manques.get_by_role("link", name="Ouvrir la séance").click()
        # Each label of the page points to its own field (the cancel and reschedule forms
        # both have a « motif »).
        assert page.evaluate(IDS_EN_DOUBLE) == []
        annuler = page.get_by_role("region", name="Annuler ou absence")
        annuler.get_by_label("Annulée", exact=True).check()
        annuler.get_by_label("Motif").fill("Synthèse remise lors de l'entretien de conclusion.")
        annuler.get_by_role("button", name="Enregistrer").click()
        expect(_annonce(page, "Séance mise à jour.")).to_be_visible()

        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        expect(page.get_by_role("region", name="Pour clore le bilan, il manque :")).to_have_count(0)
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
            Notification.Sujet.DOCUMENT_A_SIGNER,
            Notification.Sujet.SEANCE_ANNULEE,
        } <= sujets
        assert Seance.objects.get(pk=seances[3].pk).statut == Seance.Statut.ANNULEE


def _derouler_par_les_services(bilan: Bilan, consultant: User, salarie: User) -> Seance:
    """The middle of the bilan, already driven through the pages by the CPF journey: each kept
    séance realised on its day and signed by both, the phases in order with a reason; after
    the last one, the synthèse written, validated, signed by both and handed over. Returns
    the last séance (a conclusion interview)."""
    organisation = bilan.organisation
    seances = _seances(bilan)
    for seance in seances:
        with (
            time_machine.travel(seance.debut + dt.timedelta(hours=4), tick=True),
            tenant_context(organisation),
        ):
            bilan = Bilan.objects.get(pk=bilan.pk)
            if seance.phase != bilan.phase:
                phases.bilan_changer_phase(
                    bilan=bilan,
                    vers=seance.phase,
                    motif="Étape précédente terminée.",
                    par=consultant,
                )
            services_seances.seance_realiser(
                seance=seance, duree_realisee_minutes=seance.duree_minutes
            )
            for role, user, methode in (
                (Emargement.Role.CONSULTANT, consultant, Emargement.Methode.SESSION),
                (Emargement.Role.BENEFICIAIRE, salarie, Emargement.Methode.PORTAIL),
            ):
                emargement.emargement_signer(
                    seance=Seance.objects.get(pk=seance.pk),
                    role=role,
                    signataire=str(user),
                    user=user,
                    methode=methode,
                    client=None,
                )
    derniere = seances[-1]
    with (
        time_machine.travel(derniere.debut + dt.timedelta(hours=4), tick=True),
        tenant_context(organisation),
    ):
        bilan = Bilan.objects.get(pk=bilan.pk)
        synthese = syntheses.synthese_obtenir_ou_creer(bilan=bilan, par=consultant)
        syntheses.synthese_enregistrer(
            synthese=synthese,
            revision=synthese.revision,
            sections={"projets": "<p>Prendre la responsabilité d'un entrepôt.</p>"},
            par=consultant,
        )
        syntheses.synthese_partager(synthese=synthese, par=consultant)
        for role, user in (
            (SignatureRole.BENEFICIAIRE, salarie),
            (SignatureRole.CONSULTANT, consultant),
        ):
            synthese.refresh_from_db()
            syntheses.synthese_valider(synthese=synthese, role=role, par=user)
        synthese.refresh_from_db()
        syntheses.synthese_emettre_pour_signature(synthese=synthese, par=consultant)
        for role, user in (
            (SignatureRole.BENEFICIAIRE, salarie),
            (SignatureRole.CONSULTANT, consultant),
        ):
            synthese.refresh_from_db()
            syntheses.synthese_signer(
                synthese=synthese,
                role=SignatureRole(role),
                user=user,
                client=None,
                methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
            )
        synthese.refresh_from_db()
        syntheses.synthese_remettre(synthese=synthese, mode="En main propre", par=consultant)
    return derniere


def test_parcours_tripartite_convention_signee_par_les_trois_puis_clos(
    transactional_db, world, live_server, browser: Browser, time_machine
):
    base = live_server.url
    mardi = dt.date(2027, 4, 6)
    time_machine.move_to(_a_paris(mardi, 9), tick=True)
    _certifier(world.org_a, mardi)
    parcours = Parcours(browser, base, world.consultant_a)
    try:
        # --- First contact: an employee whose employer funds the bilan through its plan. ---
        page = parcours.staff()
        _creer_beneficiaire(
            page,
            base,
            {
                "prenom": "Hugo",
                "nom": "Lambert",
                "email": "hugo@exemple.test",
                "statut": "salarie_prive",
                "employeur_nom": "Entrepôts du Nord",
                "employeur_siret": "73282932000074",
                "poste": "Chef d'équipe logistique",
            },
        )
        hugo_user = parcours.inviter_et_inscrire(page, "Hugo", "Lambert", "hugo@exemple.test")
        # The prior interview took place three weeks ago: the reflection delay has run.
        _entretien_et_consentement(page, _a_paris(dt.date(2027, 3, 15), 14))

        page.get_by_role("link", name="Ouvrir un bilan").click()
        page.locator('main [name="modele"]').select_option("douze-seances-10-semaines")
        _remplir(
            page,
            {
                "modalite": "distanciel",
                "date_debut_prevue": "2027-04-19",
                "date_fin_prevue": "2027-07-30",
                "objectifs": "Préparer une évolution vers un poste d'encadrement.",
                "financement": "plan_employeur",
                "prix_ttc": "2400",
                "conditions_paiement": "Facturé à l'employeur à la fin du bilan.",
                "employeur_signataire_nom": "Claire Dumas",
                "employeur_signataire_fonction": "Directrice des ressources humaines",
                "employeur_signataire_email": "rh@entrepots-nord.test",
            },
        )
        page.locator("main form button[type=submit]").last.click()
        expect(_annonce(page, "ouvert.")).to_be_visible()
        with tenant_context(world.org_a):
            bilan = Bilan.objects.get(beneficiaire__email="hugo@exemple.test")
        _appliquer_calendrier(
            page,
            _a_paris(dt.date(2027, 4, 19), 9),
            {1, 4, 11, 12},
            "https://visio.exemple.test/hugo",
        )

        # Confirmed at once (interview of 15/03), then the convention issued and transmitted
        # to the employee: their 10 days run from today.
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        _action_dossier(page, "Confirmer le bilan", "Bilan confirmé")
        _action_dossier(page, "Émettre le document", "Convention")
        _action_dossier(
            page,
            "Transmettre au ou à la salarié·e (courriel, début des 10 jours)",
            "Convention transmise à hugo@exemple.test",
        )
        expect(page.get_by_text("il ou elle a jusqu'au 16/04/2027 inclus")).to_be_visible()
        mail.outbox.clear()
        _action_dossier(
            page,
            "Envoyer le lien de signature à l'employeur",
            "Lien de signature envoyé à rh@entrepots-nord.test",
        )
        _attendre_courriel(1)
        lien_employeur = SIGNATURE_RE.search(mail.outbox[-1].body).group(0)
        assert mail.outbox[-1].to == ["rh@entrepots-nord.test"]
        # Nothing signed yet: the bilan cannot start, and the page says what is missing.
        _action_refusee(page, "Démarrer le bilan", "Signature attendue : employeur.")
        assert _recharger(bilan).statut == StatutBilan.ATTENTE
        # The convention's hours are the plan's: 1 h + 2 h + 2 h + 3 h kept.
        assert _recharger(bilan).heures_accompagnement == 8
        parcours.fermer()

        # --- 08/04: the employee signs in the portal, the employer through the link, the
        # organisation last; then the bilan starts. ---
        time_machine.move_to(_a_paris(dt.date(2027, 4, 8), 10), tick=True)
        portail = parcours.portail(hugo_user)
        portail.goto(base + "/portail/")
        portail.get_by_role("link", name=re.compile("Signer : Convention")).click()
        portail.get_by_label(re.compile("je le signe électroniquement")).check()
        portail.get_by_role("button", name="Signer", exact=True).click()
        expect(portail.get_by_text("Merci, votre signature est enregistrée.")).to_be_visible()

        context = browser.new_context(viewport=PHONE, locale="fr-FR")
        parcours.contextes.append(context)
        employeur = context.new_page()
        employeur.goto(base + _chemin(lien_employeur))
        employeur.get_by_role("checkbox").check()
        employeur.get_by_role("button", name="Signer le document").click()
        expect(employeur.get_by_role("heading", level=1)).to_have_text(
            "Votre signature est enregistrée"
        )

        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        _action_refusee(page, "Démarrer le bilan", "Signature attendue : organisme prestataire.")
        assert _recharger(bilan).statut == StatutBilan.ATTENTE
        _action_dossier(page, "Signer pour l'organisme", "Document signé pour l'organisme.")
        # Everyone has signed: no deadline warning any more.
        expect(page.get_by_text("pour la signer ; sans signature")).to_have_count(0)
        _action_dossier(page, "Démarrer le bilan", "Le bilan a commencé : phase préliminaire.")
        bilan = _recharger(bilan)
        assert (bilan.statut, bilan.phase) == (StatutBilan.EN_COURS, Phase.PRELIMINAIRE)
        assert bilan.convention_transmise_le == mardi
        parcours.fermer()

        # --- The séances, the phases and the synthèse (services), then closing (page). ---
        derniere = _derouler_par_les_services(bilan, world.consultant_a, hugo_user)
        time_machine.move_to(derniere.debut + dt.timedelta(hours=5), tick=True)
        fin = derniere.debut.astimezone(PARIS).date()
        page = parcours.staff()
        page.goto(f"{base}/app/bilans/{bilan.public_id}/")
        expect(page.get_by_text("Pour clore le bilan, il manque")).to_have_count(0)
        page.get_by_label("Date de fin du bilan").fill(fin.isoformat())
        _action_dossier(page, "Clore le bilan", "Bilan clos.")
        expect(page.get_by_text("Clos", exact=True)).to_be_visible()
    finally:
        parcours.fermer()

    with tenant_context(world.org_a):
        bilan = Bilan.objects.get(pk=bilan.pk)
        assert bilan.statut == StatutBilan.CLOS
        assert bilan.termine_le == fin
        convention = SignedDocument.objects.get(
            subject_id=bilan.public_id, kind="convention_tripartite"
        )
        assert convention.status == SignedDocument.Status.SIGNE
        assert set(convention.signatures.values_list("role", flat=True)) == {
            SignatureRole.BENEFICIAIRE,
            SignatureRole.EMPLOYEUR,
            SignatureRole.ORGANISME,
        }
        signature_employeur = convention.signatures.get(role=SignatureRole.EMPLOYEUR)
        assert signature_employeur.signer_name == "Claire Dumas"
        assert derniere.phase == Phase.CONCLUSION
        # Seed 000: follow-up 6 months after the end.
        suivi = EntretienSuivi.objects.get(bilan=bilan)
        assert suivi.statut == EntretienSuivi.Statut.PLANIFIE
        assert suivi.date_prevue.astimezone(PARIS).date() == ajouter_mois(jour=fin, mois=6)
        sujets = set(
            Notification.objects.filter(beneficiaire=bilan.beneficiaire).values_list(
                "sujet", flat=True
            )
        )
        assert Notification.Sujet.CONVENTION_TRANSMISE in sujets
        assert Notification.Sujet.SEANCES_PLANIFIEES in sujets
