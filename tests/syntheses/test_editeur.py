"""The synthèse editor page (issue 14, deliverable 4): rich-text sections without HTML to type,
the side panel of material from the bilan (objectives, action plan, handed-in work to quote),
the PDF preview, and a constant number of SQL queries whatever the bilan's volume."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from beneficiaires.models import StatutBilan
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.services import travail
from syntheses.models import Synthese
from syntheses.services import syntheses as services
from tests.factories.bilans import bilan_for

OBJECTIFS = "- Faire le point sur mes compétences\n- Valider un projet de formatrice\n"


@pytest.fixture
def synthese(world):
    bilan = bilan_for(
        world.beneficiaire_a,
        statut=StatutBilan.EN_COURS,
        phase="investigation",
        date_debut_reelle=dt.date(2026, 9, 1),
        objectifs=OBJECTIFS,
    )
    with tenant_context(world.org_a):
        return services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)


def _rendu(world, bilan, n: int, texte: str) -> None:
    with tenant_context(world.org_a):
        seance = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase="investigation",
            type="travail_personnel",
            intitule=f"Travail {n}",
            debut=dt.datetime(2026, 9, 10 + n, 9, tzinfo=dt.UTC),
            duree_minutes=60,
            modalite="autonomie",
        )
        consigne = travail.consigne_creer(
            seance=seance, titre=f"Portfolio {n}", consignes="Faire", temps_attendu_minutes=60
        )
        travail.rendu_soumettre(
            consigne=consigne,
            texte=texte,
            temps_declare_minutes=45,
            fichiers=[],
            par=world.beneficiaire_user_a,
        )


def _etape(world, synthese, n: int) -> None:
    with tenant_context(world.org_a):
        services.etape_ajouter(
            synthese=synthese,
            intitule=f"Étape {n}",
            echeance=dt.date(2027, 1, n),
            responsable="Bénéficiaire",
            ressource_type="",
            ressource="",
            statut="a_faire",
            par=world.consultant_a,
        )


def test_editor_page_no_html_to_type_and_side_panel_material(world, login_as, synthese):
    _etape(world, synthese, 1)
    _rendu(world, synthese.bilan, 1, "J'aime transmettre & expliquer.")
    response = login_as(world.consultant_a).get(
        f"/app/syntheses/bilans/{synthese.bilan.public_id}/"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "balises permises" not in page
    assert "Mise en forme avec la barre d" in page
    assert "outils : gras, italique, titres, listes." in page
    assert 'data-editeur="circonstances"' in page
    # Objectives, one per line, bullets removed; escaped snippets ready to insert.
    assert 'data-inserer="&lt;p&gt;Valider un projet de formatrice&lt;/p&gt;"' in page
    assert "Tous les objectifs (liste)" in page
    assert "Étape 1 — échéance 01/01/2027 — Bénéficiaire" in page
    # The handed-in work, readable once (not double-escaped), to quote from.
    assert "J&#x27;aime transmettre &amp; expliquer." in page
    assert "Citer le passage sélectionné" in page
    assert f'href="/app/syntheses/{synthese.public_id}/apercu.pdf"' in page
    assert '<script src="/static/vendor/pell/pell.min.js" defer></script>' in page


def test_editor_page_constant_queries(world, login_as, synthese, django_assert_num_queries):
    """The same number of queries with 1 step and 1 handed-in work as with 8 of each."""
    client = login_as(world.consultant_a)
    url = f"/app/syntheses/bilans/{synthese.bilan.public_id}/"
    _etape(world, synthese, 1)
    _rendu(world, synthese.bilan, 1, "Première réponse")
    client.get(url)  # warm-up: the session is written at most once a minute (issue 16)
    with django_assert_num_queries(REQUETES):
        response = client.get(url)
    assert response.content.decode().count("Citer le passage sélectionné") == 1
    for n in range(2, 9):
        _etape(world, synthese, n)
        _rendu(world, synthese.bilan, n, f"Réponse {n}")
    with django_assert_num_queries(REQUETES):
        response = client.get(url)
    page = response.content.decode()
    assert page.count("Citer le passage sélectionné") == 8
    assert "Étape 8 — échéance 08/01/2027" in page


# Session, membership, bilan, synthèse, its parts, versions, documents, comments, journal
# entry, and the side panel (objectives from the bilan: 0; plan: the page's list; rendus: 1;
# questionnaire results agreed for the synthèse: 1); the session is no longer written on each
# page (issue 16: 3 fewer).
REQUETES = 30


def test_pdf_preview_renders_the_toolbar_formatting(world, login_as, synthese):
    """The preview is the PDF of the saved text, shown inline: bold, headings and both lists
    survive; nothing is issued or stored."""
    with tenant_context(world.org_a):
        services.synthese_enregistrer(
            synthese=synthese,
            revision=0,
            sections={
                "projets": "<h3>Projet retenu</h3><p><b>Formatrice</b> pour adultes</p>"
                "<ul><li>Titre professionnel FPA</li></ul><ol><li>Stage</li></ol>"
            },
            par=world.consultant_a,
        )
    response = login_as(world.consultant_a).get(f"/app/syntheses/{synthese.public_id}/apercu.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    texte = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Projet retenu" in texte
    assert "Formatrice pour adultes" in texte
    assert "Titre professionnel FPA" in texte
    with tenant_context(world.org_a):
        synthese.refresh_from_db()
        assert synthese.document is None
        assert synthese.statut == Synthese.Statut.BROUILLON


def test_pdf_preview_refused_to_another_consultant(world, login_as, synthese):
    response = login_as(world.consultant_b).get(f"/app/syntheses/{synthese.public_id}/apercu.pdf")
    assert response.status_code == 404
