"""The Qualiopi pages of the administrators (results, BPF, evidence store): admin only, nothing of
another organisation, CSV exports with exact rows, and the BPF figures."""

import datetime as dt
from decimal import Decimal

import pytest

from beneficiaires.models import Paiement
from bilan.core.models import AuditEvent, Membership, Role
from bilan.core.tenancy import tenant_context
from qualiopi.models import PiecePreuve, RegleConservation
from qualiopi.selectors.bpf import bpf_annee
from tests.factories.core import staff_user
from tests.qualiopi.jeu_resultats import DEBUT, FIN, jeu_construire

pytestmark = pytest.mark.django_db

PAGES = (
    "/app/qualiopi/",
    "/app/qualiopi/resultats/",
    "/app/qualiopi/resultats/?export=indicateurs",
    "/app/qualiopi/resultats/?export=dossiers",
    "/app/qualiopi/bpf/",
    "/app/qualiopi/bpf/?export=csv",
    "/app/qualiopi/conservation/",
)
PERIODE = f"debut={DEBUT.isoformat()}&fin={FIN.isoformat()}"


def _csv(response) -> list[list[str]]:
    texte = response.content.decode("utf-8-sig")
    return [ligne.split(";") for ligne in texte.strip().splitlines()]


def test_regle_29_pages_are_for_admins_only(world, login_as):
    consultant = login_as(world.consultant_a)
    for url in PAGES:
        assert consultant.get(url).status_code == 403, url
    for url in ("/app/qualiopi/conservation/regle/", "/app/qualiopi/conservation/indexer/"):
        assert consultant.post(url, {"nature": "paiements", "duree_ans": 12}).status_code == 403
    with tenant_context(world.org_a):
        assert not RegleConservation.objects.exists()
        assert not PiecePreuve.objects.exists()
    admin = login_as(world.admin_a)
    for url in PAGES:
        assert admin.get(url).status_code == 200, url


def test_regle_29_the_dashboard_shows_the_figures_and_the_referential(world, login_as):
    bilans = jeu_construire(world)
    page = login_as(world.admin_a).get(f"/app/qualiopi/resultats/?{PERIODE}").content.decode()
    assert "RNQ" in page or "V9" in page
    assert "Raisons de santé" in page
    assert bilans["B1"].numero in page
    assert "<svg" in page
    assert "Enquêtes métier" in page
    assert 'href="/app/qualiopi/"' in page  # the staff navigation leads to the Qualiopi home


def test_regle_29_csv_of_the_indicators_and_of_the_completion(world, login_as):
    bilans = jeu_construire(world)
    admin = login_as(world.admin_a)
    lignes = _csv(admin.get(f"/app/qualiopi/resultats/?{PERIODE}&export=indicateurs"))
    valeurs = {ligne[0]: ligne[1] for ligne in lignes[1:]}
    assert valeurs["Bilans commencés"] == "4"
    assert valeurs["Taux d'abandon (%)"] == "50,0"
    assert valeurs["Cause d'abandon : Raisons de santé"] == "1"
    assert valeurs["Entretiens de suivi réalisés (%)"] == "66,7"
    assert valeurs["Satisfaction à chaud (notes 4-5, %)"] == "66,7"
    assert valeurs["Enquêtes métier"] == "0"
    dossiers = _csv(admin.get(f"/app/qualiopi/resultats/?{PERIODE}&export=dossiers"))
    b1 = next(ligne for ligne in dossiers if ligne[0] == bilans["B1"].numero)
    assert b1[4:10] == ["12,00", "7,50", "5,50", "2,00", "4,50", "62,5"]


def test_regle_29_consultant_filter_and_other_organisation_leak_nothing(world, login_as):
    bilans = jeu_construire(world)
    membre = Membership.objects.get(user=world.admin_a, organisation=world.org_a)
    admin = login_as(world.admin_a)
    page = admin.get(f"/app/qualiopi/resultats/?{PERIODE}&consultant={membre.public_id}")
    texte = page.content.decode()
    assert bilans["B6"].numero in texte
    assert bilans["B1"].numero not in texte
    # A member id of organisation B is no filter in A: the page shows A's bilans, nothing of B.
    membre_b = Membership.objects.get(user=world.consultant_b)
    texte = admin.get(f"/app/qualiopi/resultats/?{PERIODE}&consultant={membre_b.public_id}")
    assert "Bellefontaine" not in texte.content.decode()


def test_bpf_figures_of_the_year(world):
    bilans = jeu_construire(world)
    with tenant_context(world.org_a):
        for jour, montant in ((dt.date(2026, 2, 1), "300"), (dt.date(2025, 12, 1), "99")):
            Paiement.objects.create(
                organisation=world.org_a,
                bilan=bilans["B3"],
                date=jour,
                montant=Decimal(montant),
                enregistre_par=world.admin_a,
            )
        bpf = bpf_annee(organisation=world.org_a, annee=2026)
    assert (bpf.beneficiaires, bpf.heures) == (1, Decimal("12.50"))
    assert [(ligne.code, ligne.beneficiaires, ligne.heures) for ligne in bpf.par_financement] == [
        ("cpf", 1, Decimal("7.50")),
        ("opco", 1, Decimal("4.00")),
        ("personnel", 1, Decimal("1.00")),
    ]
    produits = {code: montant for code, _l, montant in bpf.produits}
    # CPF: 1 500 € × 7.5 / 12 h realised; OPCO: 1 800 € × 100 %; self-funded: 2026 payments.
    assert produits["cpf"] == Decimal("937.50")
    assert produits["opco"] == Decimal("1800.00")
    assert produits["particuliers"] == Decimal("300.00")
    assert bpf.total_produits == Decimal("3037.50")


def test_bpf_csv_download(world, login_as):
    jeu_construire(world)
    lignes = _csv(login_as(world.admin_a).get("/app/qualiopi/bpf/?annee=2026&export=csv"))
    assert lignes[0] == ["Année", "Cadre", "Ligne", "Bénéficiaires", "Heures", "Montant (€)"]
    assert ["2026", "Produits", "Total", "", "", "2737.50"] in lignes


def test_regle_29_another_organisations_admin_sees_none_of_its_figures(world, login_as):
    bilans = jeu_construire(world)
    admin_b = staff_user(organisation=world.org_b, role=Role.ADMIN, email="admin@b.test")
    client = login_as(admin_b)
    page = client.get(f"/app/qualiopi/resultats/?{PERIODE}").content.decode()
    dossiers = client.get(f"/app/qualiopi/resultats/?{PERIODE}&export=dossiers")
    bpf = client.get("/app/qualiopi/bpf/?annee=2026&export=csv").content.decode("utf-8-sig")
    for bilan in bilans.values():
        assert bilan.numero not in page
        assert bilan.numero not in dossiers.content.decode()
    assert "937.50" not in bpf
    assert "Reprise d'emploi ou nouveau poste" not in page  # A's cause; B has one « santé »


def test_csv_exports_are_written_in_the_access_journal(world, login_as):
    admin = login_as(world.admin_a)
    admin.get("/app/qualiopi/resultats/?export=dossiers")
    admin.get("/app/qualiopi/bpf/?export=csv")
    admin.get("/app/qualiopi/resultats/")  # the page itself is no export
    with tenant_context(world.org_a):
        evenements = list(
            AuditEvent.objects.filter(actor=world.admin_a, action="export")
            .order_by("created_at")
            .values_list("object_type", flat=True)
        )
    assert evenements == ["resultats_qualiopi", "bpf"]


def test_regle_15_admin_sets_a_retention_period_from_the_page(world, login_as):
    admin = login_as(world.admin_a)
    page = admin.post(
        "/app/qualiopi/conservation/regle/",
        {"nature": "paiements", "duree_ans": "4", "point_depart": "date_piece"},
        follow=True,
    ).content.decode()
    assert "La durée va de 10 à 30 ans" in page  # refused below the 10-year floor
    with tenant_context(world.org_a):
        assert not RegleConservation.objects.exists()
    admin.post(
        "/app/qualiopi/conservation/regle/",
        {"nature": "contrats", "duree_ans": "6", "point_depart": "fin_bilan"},
    )
    with tenant_context(world.org_a):
        regle = RegleConservation.objects.get()
    assert (regle.nature, regle.duree_ans, regle.modifiee_par) == ("contrats", 6, world.admin_a)
    assert (
        "6 ans à compter de la fin du bilan"
        in admin.get("/app/qualiopi/conservation/").content.decode()
    )
