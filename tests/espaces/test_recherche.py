"""The shell's global search: tenant-scoped, need-to-know applied (``beneficiaires.acces``),
a fragment for htmx and a full page without JavaScript, a constant number of queries."""

import pytest
from django.urls import reverse

from beneficiaires.models import Phase, StatutBilan
from bilan.core.models import Role
from tests.factories.beneficiaires import BeneficiaireFactory
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db
URL = reverse("app:recherche")
HTMX = {"HTTP_HX_REQUEST": "true"}


def resultats(page: str) -> str:
    """The results block of a page or fragment (the term itself is echoed in the title and the
    field, so the whole page cannot be searched for it)."""
    debut = page.index('class="coque-resultats-liste"')
    return page[debut : page.index("\n</div>", debut)]


@pytest.fixture
def dossiers(world):
    """Org A: Camille (Bob's) with bilan RECH-0001; Zoé Martin followed by Eve (another
    consultant of A) with bilan RECH-0002. Org B: Dora with bilan RECH-0003."""
    eve = staff_user(organisation=world.org_a, email="eve@a.test")
    zoe = BeneficiaireFactory(
        organisation=world.org_a,
        consultant=eve,
        prenom="Zoé",
        nom="Martin",
        email="zoe@exemple.test",
    )
    camille = world.beneficiaire_a
    bilan_camille = bilan_for(
        camille, numero="RECH-0001", statut=StatutBilan.EN_COURS, phase=Phase.PRELIMINAIRE
    )
    bilan_zoe = bilan_for(zoe, numero="RECH-0002")
    bilan_dora = bilan_for(world.beneficiaire_b, numero="RECH-0003")
    return eve, zoe, bilan_camille, bilan_zoe, bilan_dora


def test_a_consultant_finds_their_beneficiary_by_name_email_and_bilan_number(
    world, dossiers, login_as
):
    client = login_as(world.consultant_a)
    camille = world.beneficiaire_a
    for terme in (camille.nom, camille.email.upper(), "rech-0001", f"{camille.prenom} 0001"):
        page = client.get(URL, {"q": terme}).content.decode()
        assert "RECH-0001" in page, terme
        assert reverse("bilans:detail", kwargs={"bilan_id": dossiers[2].public_id}) in page
    page = client.get(URL, {"q": camille.email}).content.decode()
    assert reverse("beneficiaires:detail", kwargs={"beneficiaire_id": camille.public_id}) in page


def test_another_consultants_beneficiary_is_not_found(world, dossiers, login_as):
    eve, zoe, _camille, bilan_zoe, _dora = dossiers
    client = login_as(world.consultant_a)
    for terme in ("Martin", "zoe@exemple", "RECH-0002", "RECH"):
        page = client.get(URL, {"q": terme}).content.decode()
        assert "zoe@exemple.test" not in page, terme
        assert "Zoé" not in page, terme
        assert str(zoe.public_id) not in page
        assert str(bilan_zoe.public_id) not in page
        # Nothing found, or only Bob's own bilan for the common prefix.
        liens = resultats(page).count('class="coque-resultat"')
        assert liens == (1 if terme == "RECH" else 0), terme
    # Eve, her consultant, does find her; and not Bob's Camille.
    page = login_as(eve).get(URL, {"q": "RECH"}).content.decode()
    assert "RECH-0002" in page
    assert "RECH-0001" not in page


def test_the_other_organisations_data_never_appears(world, dossiers, login_as):
    dora = world.beneficiaire_b
    for user in (world.admin_a, world.consultant_a):
        client = login_as(user)
        for terme in (dora.nom, dora.email, "RECH-0003", "exemple.test", "RECH"):
            for extra in ({}, HTMX):
                page = client.get(URL, {"q": terme}, **extra).content.decode()
                assert dora.email not in resultats(page).replace(f"« {terme} »", ""), (user, terme)
                assert f"{dora.prenom} {dora.nom}" not in page, (user, terme)
                assert str(dora.public_id) not in page, (user, terme)
                assert str(dossiers[4].public_id) not in page, (user, terme)


def test_admin_and_assistant_find_every_dossier_of_their_organisation(world, dossiers, login_as):
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="ana@a.test")
    for user in (world.admin_a, assistant):
        page = login_as(user).get(URL, {"q": "RECH"}).content.decode()
        assert "RECH-0001" in page
        assert "RECH-0002" in page
        assert "RECH-0003" not in page


def test_htmx_gets_a_short_fragment_and_the_page_works_without_javascript(
    world, dossiers, login_as
):
    client = login_as(world.admin_a)
    fragment = client.get(URL, {"q": "RECH"}, **HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "HX-Request" in fragment["Vary"]
    assert "Page des résultats" in fragment.content.decode()
    page = client.get(URL, {"q": "RECH"}).content.decode()
    assert "<html" in page
    assert 'role="search"' in page
    # One letter: nothing searched, a hint instead.
    court = client.get(URL, {"q": "R"}).content.decode()
    assert "RECH-0001" not in court
    assert "au moins deux caractères" in court
    assert client.get(URL, {"q": "R"}, **HTMX).content.decode().strip() == ""


def test_the_fragment_is_cut_at_five_and_says_more_exist(world, login_as):
    for i in range(7):
        BeneficiaireFactory(
            organisation=world.org_a, consultant=world.consultant_a, nom=f"Durand{i}"
        )
    client = login_as(world.consultant_a)
    fragment = client.get(URL, {"q": "durand"}, **HTMX).content.decode()
    assert fragment.count('class="coque-resultat"') == 5
    assert "D'autres résultats existent" in fragment
    page = client.get(URL, {"q": "durand"}).content.decode()
    assert page.count('class="coque-resultat"') == 7
    assert "D'autres résultats existent" not in page


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL, {"q": "RECH"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.ADMIN])
def test_the_search_reads_a_constant_number_of_queries(
    world, login_as, django_assert_num_queries, role
):
    user = world.consultant_a if role == Role.CONSULTANT else world.admin_a
    client = login_as(user)
    client.get(URL, {"q": "Lefebvre"})  # warm the session

    def ajouter(n):
        for i in range(n):
            b = BeneficiaireFactory(
                organisation=world.org_a, consultant=world.consultant_a, nom=f"Lefebvre{i}"
            )
            bilan_for(b, numero=f"LEF-{b.pk:05d}")

    ajouter(1)
    with django_assert_num_queries(QUERIES):
        page = client.get(URL, {"q": "Lefebvre"})
    assert page.content.decode().count('class="coque-resultat"') == 2
    ajouter(30)
    with django_assert_num_queries(QUERIES):
        page = client.get(URL, {"q": "Lefebvre"})
    assert page.content.decode().count('class="coque-resultat"') == 62
    # Of which the search's own: two (none when the term is too short to search).
    with django_assert_num_queries(QUERIES - 2):
        client.get(URL, {"q": "L"})


# Session, user, MFA records, membership and organisation (the staff middleware), then one
# query for the beneficiaries and one for the bilans, whatever their number.
QUERIES = 11  # 3 fewer since the session is written at most once a minute (issue 16)
