"""Issue 14, portal and e-mails: French dates from one function, the organisation's accent
colour (contrast checked), the evidence folded away, a constant number of queries, e-mails in
HTML with a text alternative, in the organisation's name and the site's."""

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from beneficiaires.models import Phase, StatutBilan
from bilan.core.emails import render_templated_email, send_rendered_email
from bilan.core.formatting import heure_fr, jour_fr, moment_fr
from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context
from bilan.core.validators import contraste_sur_blanc
from seances.models import Seance
from tests.factories.bilans import bilan_for
from tests.factories.signatures import issued_document

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
HASH = re.compile(r"\b[0-9a-f]{64}\b")
DETAILS = re.compile(r"<details.*?</details>", re.S)
ORGANISATION_VALIDE = {
    "raison_sociale": "Organisme A",
    "delai_reflexion_jours": "10",
    "seuil_accompagnement_heures": "13",
    "suivi_delai_mois": "6",
    "abandon_alerte_semaines": "4",
}


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _seances(world, bilan, *, futures: int, passees: int) -> None:
    maintenant = timezone.now()
    with tenant_context(world.org_a):
        for i in range(futures + passees):
            debut = (
                maintenant + dt.timedelta(days=3 + i)
                if i < futures
                else (maintenant - dt.timedelta(days=3 + i))
            )
            Seance.objects.create(
                organisation=world.org_a,
                bilan=bilan,
                phase="preliminaire",
                type="entretien",
                intitule=f"Entretien {i}",
                debut=debut,
                duree_minutes=60,
                modalite="presentiel",
                lieu="12 rue des Lilas, Lyon",
                statut="planifiee" if i < futures else "realisee",
            )


# --- French dates: one function -------------------------------------------------------------


def test_dates_en_francais_lundi_30_novembre_2026_a_9_h():
    # 8:00 UTC is 9:00 in Paris in winter; the day and month in words, "h" for the hour.
    assert moment_fr(moment=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)) == (
        "lundi 30 novembre 2026 à 9 h"
    )
    assert moment_fr(moment=dt.datetime(2026, 7, 1, 12, 30, tzinfo=dt.UTC)) == (
        "mercredi 1er juillet 2026 à 14 h 30"
    )
    # Near midnight the local day is the one shown, not the UTC one.
    assert (
        jour_fr(jour=dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))
        == "vendredi 1er janvier 2027"
    )
    assert jour_fr(jour=dt.date(2027, 3, 15)) == "lundi 15 mars 2027"
    assert heure_fr(moment=dt.time(9, 5)) == "9 h 05"


# --- The accent colour ----------------------------------------------------------------------


def test_couleur_accent_sous_4_5_contre_blanc_refusee_rien_enregistre(world, login_as):
    assert round(contraste_sur_blanc("#ffff00"), 2) == 1.07
    assert contraste_sur_blanc("#1f5f8b") >= 4.5
    client = login_as(world.admin_a)
    response = client.post(
        "/app/organisation/", {**ORGANISATION_VALIDE, "couleur_accent": "#FFFF00"}
    )
    assert response.status_code == 400
    page = _page(response)
    assert "Cette couleur est trop claire : contraste de 1,07:1 avec le blanc" in page
    assert 'aria-invalid="true"' in page
    assert Organisation.objects.get(pk=world.org_a.pk).couleur_accent == "#1f5f8b"
    # #767676 is the lightest grey at 4.5:1 (4.54): accepted, stored in lower case.
    response = client.post(
        "/app/organisation/", {**ORGANISATION_VALIDE, "couleur_accent": "#767676"}
    )
    assert response.status_code == 302
    assert Organisation.objects.get(pk=world.org_a.pk).couleur_accent == "#767676"


def test_couleur_accent_hors_format_refusee_par_la_base(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=world.org_a.pk).update(couleur_accent="red;}")


# --- The portal -----------------------------------------------------------------------------


def test_accueil_portail_identite_a_faire_en_premier_seances_et_dates_francaises(world, login_as):
    Organisation.objects.filter(pk=world.org_a.pk).update(couleur_accent="#8b1f4a")
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    _seances(world, bilan, futures=2, passees=1)
    issued_document(beneficiaire=world.beneficiaire_a, by=world.consultant_a)
    page = _page(login_as(world.beneficiaire_user_a).get("/portail/"))
    assert "--accent:#8b1f4a" in page
    assert "Organisme A" in page.split("</header>")[0]
    # The convention to sign and the past séance to attest: counted in the header, listed first.
    assert "2 actions en attente" in re.sub(r"<[^>]+>", "", page.split("</header>")[0])
    assert "Signer : Convention de bilan de compétences" in page
    assert "Émarger la séance du " in page
    # What is waiting comes before the séances, the hours and the notices.
    assert (
        page.index("Ce qui vous attend") < page.index("Vos séances") < page.index("Où vous en êtes")
    )
    with tenant_context(world.org_a):
        premiere = Seance.objects.filter(statut="planifiee").order_by("debut").first()
    assert moment_fr(moment=premiere.debut) in page
    assert "Séance passée (1)" in page
    assert not ISO_DATE.search(page), ISO_DATE.findall(page)


def test_portail_documents_preuve_repliee_pas_d_empreinte_dans_le_fil(world, login_as):
    bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    document = issued_document(beneficiaire=world.beneficiaire_a, by=world.consultant_a)
    client = login_as(world.beneficiaire_user_a)
    page = _page(client.get("/portail/documents/"))
    assert document.issued_sha256 in page  # still there, in the « Preuve » section
    fil = DETAILS.sub("", page)
    assert not HASH.search(fil)
    assert "session+code" not in fil
    assert not ISO_DATE.search(page)
    url = f"/portail/documents/{document.public_id}/telecharger/"
    assert f'href="{url}?lire=1"' in page
    lu = client.get(f"{url}?lire=1")
    assert lu["Content-Disposition"].startswith("inline")
    assert client.get(url)["Content-Disposition"].startswith("attachment")


def _nb_requetes(client: Client, django_assert_num_queries, n: int) -> None:
    with django_assert_num_queries(n):
        assert client.get("/portail/").status_code == 200


def test_accueil_portail_nombre_de_requetes_constant(world, login_as, django_assert_num_queries):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE)
    client = login_as(world.beneficiaire_user_a)
    _seances(world, bilan, futures=1, passees=1)
    client.get("/portail/")  # warm the session and caches
    with django_assert_num_queries(NB_REQUETES_ACCUEIL):
        client.get("/portail/")
    _seances(world, bilan, futures=8, passees=12)
    with django_assert_num_queries(NB_REQUETES_ACCUEIL):
        client.get("/portail/")


# Session, access, organisation, bilan, hours, séances, to-dos (questionnaires: +1), notices;
# the session is no longer written on each page (issue 16).
NB_REQUETES_ACCUEIL = 19


# --- E-mails --------------------------------------------------------------------------------


def test_courriel_html_avec_texte_au_nom_et_aux_couleurs_de_l_organisme(world, settings):
    settings.SITE_URL = "https://bilan.exemple.fr"
    Organisation.objects.filter(pk=world.org_a.pk).update(couleur_accent="#8b1f4a")
    organisation = Organisation.objects.get(pk=world.org_a.pk)
    sujet, texte, corps = render_templated_email(
        template="rappel-seance-beneficiaire",
        context={
            "organisation": organisation,
            "prenom": "Léa",
            "debut": dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
            "modalite": "Présentiel",
            "portail_url": "https://bilan.exemple.fr/portail/",
        },
    )
    mail.outbox.clear()
    send_rendered_email(
        to="lea@exemple.fr", subject=sujet, text=texte, html=corps, organisation=organisation
    )
    message = mail.outbox[-1]
    assert "Organisme A via Bilan" in message.from_email
    assert "lundi 30 novembre 2026 à 9 h" in message.body
    [(partie_html, type_mime)] = message.alternatives
    assert type_mime == "text/html"
    assert "lundi 30 novembre 2026 à 9 h" in partie_html
    assert "Organisme A" in partie_html
    assert "#8b1f4a" in partie_html
    assert 'href="https://bilan.exemple.fr/"' in partie_html
    assert not ISO_DATE.search(partie_html)


def test_courriel_de_code_de_connexion_nomme_le_site_en_francais(world, settings):
    settings.SITE_NAME = "Bilan"
    settings.SITE_URL = "https://bilan.exemple.fr"
    mail.outbox.clear()
    response = Client().post("/accounts/login/code/", {"email": world.beneficiaire_user_a.email})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert "Bonjour, c'est Bilan." in message.body
    assert "127.0.0.1" not in message.body
    assert "testserver" not in message.body
    assert "courriel" in message.body
    assert "email" not in message.body.lower()
    assert "https://bilan.exemple.fr/" in message.body
    [(partie_html, type_mime)] = message.alternatives
    assert type_mime == "text/html"
    assert "Bonjour, c'est Bilan." in html.unescape(partie_html)
