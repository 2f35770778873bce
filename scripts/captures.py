"""Regenerate the screenshots of docs/screenshots/ from the demo, in one command:

    .venv/bin/python scripts/captures.py          (or: make captures)

It loads the demo (``seed_demo``) into a throw-away SQLite database, serves it, and photographs
in Chromium, at 375 and 1280 px: the consultant's cockpit, the administrator's cockpit, a dossier,
the synthèse editor and the portal home (a beneficiary whose synthèse awaits her validation).
Nothing of the developer's own database is touched. Needs Playwright's Python package (in the
venv) and Chromium (/usr/bin/chromium, or CHROMIUM=<path>)."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

RACINE = Path(__file__).resolve().parents[1]
CAPTURES = RACINE / "docs" / "screenshots"
LARGEURS = (375, 1280)


def _port_libre() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environnement(dossier: str) -> dict[str, str]:
    """The embedded default of `make run`: SQLite in ``dossier``, no Redis."""
    environnement = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_", "SECURE_"))
    }
    environnement.update(
        {"DJANGO_SETTINGS_MODULE": "bilan.settings.base", "BILAN_DATA_DIR": dossier}
    )
    return environnement


def _manage(environnement: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=RACINE, env=environnement, check=True)


def _attendre(url: str) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (local server)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"Le serveur ne répond pas : {url}")


# Run in the demo's Django (``manage.py shell``): opens a session per person as allauth would
# after its whole flow (password then second factor for the staff, e-mailed code for the
# portal) and prints, as JSON, the cookie's name and (file name, session key, path) per page.
SESSIONS = """
import json
from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from beneficiaires.models import Bilan
from bilan.core.models import Organisation, User
from bilan.core.tenancy import tenant_context

def session(email, mfa):
    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    requete = HttpRequest()
    requete.session = client.session
    if mfa:
        record_authentication(requete, user, "password", email=user.email)
        record_authentication(requete, user, "mfa", type="totp")
    else:
        record_authentication(requete, user, "code", email=user.email)
    requete.session.save()
    return requete.session.session_key

with tenant_context(Organisation.objects.get(slug="atelier-des-parcours")):
    dossier = Bilan.objects.select_related("beneficiaire", "consultant").get(numero="DEMO-04")
    redaction = Bilan.objects.select_related("beneficiaire", "consultant").get(numero="DEMO-10")
print(json.dumps([settings.SESSION_COOKIE_NAME, [
    ["cockpit-consultant", session(dossier.consultant.email, True), "/app/"],
    ["cockpit-admin", session("admin@atelier-parcours.example", True), "/app/"],
    ["dossier", session(dossier.consultant.email, True), f"/app/bilans/{dossier.public_id}/"],
    ["editeur-synthese", session(redaction.consultant.email, True),
     f"/app/syntheses/bilans/{redaction.public_id}/"],
    ["portail-accueil", session(redaction.beneficiaire.email, False), "/portail/"],
    ["qualiopi-resultats", session("admin@atelier-parcours.example", True),
     "/app/qualiopi/resultats/"],
    ["qualiopi-export", session("admin@atelier-parcours.example", True), "/app/qualiopi/export/"],
    ["qualiopi-reclamations", session("admin@atelier-parcours.example", True),
     "/app/qualiopi/registres/reclamations/"],
    ["exploration-metiers", session(dossier.consultant.email, True),
     "/app/exploration/metiers/?q=developpeur+web"],
    ["portail-exploration", session(redaction.beneficiaire.email, False), "/portail/exploration/"],
    ["offre-publique", session(redaction.beneficiaire.email, False),
     "/offre/atelier-des-parcours/"],
]]))
"""


def _sessions_et_pages(environnement: dict[str, str]) -> tuple[str, list[list[str]]]:
    sortie = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SESSIONS],
        cwd=RACINE,
        env=environnement,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cookie, pages = json.loads(sortie.strip().splitlines()[-1])
    return cookie, pages


def _photographier(url: str, pages: list[list[str]], cookie: str) -> list[Path]:
    CAPTURES.mkdir(parents=True, exist_ok=True)
    ecrites = []
    with sync_playwright() as playwright:
        navigateur = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium")
        )
        for nom, cle, chemin in pages:
            for largeur in LARGEURS:
                contexte = navigateur.new_context(
                    viewport={"width": largeur, "height": 900}, locale="fr-FR"
                )
                contexte.add_cookies([{"name": cookie, "value": cle, "url": url}])
                page = contexte.new_page()
                reponse = page.goto(url + chemin)
                if reponse is None or reponse.status != 200 or page.url != url + chemin:
                    raise SystemExit(f"{chemin} : {reponse and reponse.status} ({page.url})")
                fichier = CAPTURES / f"{nom}-{largeur}.png"
                page.screenshot(path=str(fichier), full_page=True)
                ecrites.append(fichier)
                contexte.close()
        navigateur.close()
    return ecrites


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bilan-captures-") as dossier:
        environnement = _environnement(dossier)
        _manage(environnement, "migrate", "--noinput", "-v0")
        _manage(environnement, "collectstatic", "--noinput", "-v0")
        _manage(environnement, "rome_charger", "-v0")  # as `make run`: the demo's pistes need it
        _manage(environnement, "seed_demo")
        cookie, pages = _sessions_et_pages(environnement)

        port = _port_libre()
        serveur = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
            ],
            cwd=RACINE,
            env=environnement,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _attendre(url + "/")
            ecrites = _photographier(url, pages, cookie)
        finally:
            serveur.terminate()
            serveur.wait(timeout=10)
    for fichier in ecrites:
        print(fichier.relative_to(RACINE))


if __name__ == "__main__":
    main()
