"""Public offer pages (rule 31): versions with every ind. 1 item, history kept, public pages
without login, the embeddable page, 404 for the unknown or unpublished."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from beneficiaires.models import StatutBilan
from bilan.core.tenancy import tenant_context
from qualiopi.models import Offre, OffreVersion
from qualiopi.selectors.offres import offre_resultats_snapshot
from qualiopi.services.offres import offre_publication_changer, offre_version_publier
from tests.factories.bilans import bilan_for, programme_for

pytestmark = pytest.mark.django_db

CONTENU = {
    "titre": "Bilan de compétences en 24 heures",
    "objectifs": "Analyser ses compétences et définir un projet professionnel.",
    "public_vise": "Toute personne active.",
    "prerequis": "",
    "duree_heures": "24",
    "duree_repartition": "Préliminaire 4 h, investigation 14 h, conclusion 6 h.",
    "presentiel": "on",
    "delai_acces": "11 jours ouvrés au moins via le CPF.",
    "tarif": "1 800 € TTC",
    "financements": "CPF, plan de développement des compétences, financement personnel.",
    "accessibilite": "Locaux accessibles ; adaptations possibles.",
    "referent_handicap_contact": "Alice Martin — handicap@a.test",
    "contacts": "contact@a.test — 01 02 03 04 05",
    "methodes": "Entretiens, tests, enquêtes métier.",
    "modalites_evaluation": "Questionnaire à chaud et à froid.",
    "resultats_debut": "2025-01-01",
    "resultats_fin": "2025-12-31",
}


def _version(**champs) -> OffreVersion:
    valeurs = {k: v for k, v in CONTENU.items() if not k.startswith("resultats")} | champs
    valeurs["presentiel"] = bool(valeurs.get("presentiel"))
    valeurs["duree_heures"] = Decimal(valeurs["duree_heures"])
    return OffreVersion(**valeurs)


def _publier(world, programme, **champs) -> OffreVersion:
    with tenant_context(world.org_a):
        return offre_version_publier(
            programme=programme,
            version=_version(**champs),
            resultats_debut=dt.date(2025, 1, 1),
            resultats_fin=dt.date(2025, 12, 31),
            par=world.admin_a,
        )


@pytest.fixture
def programme(world):
    return programme_for(world.org_a)


@pytest.mark.parametrize(
    "champ", ["objectifs", "delai_acces", "tarif", "accessibilite", "referent_handicap_contact"]
)
def test_regle_31_a_version_missing_an_ind_1_item_is_refused_at_the_field(world, programme, champ):
    with pytest.raises(ValidationError) as exc:
        _publier(world, programme, **{champ: "  "})
    assert champ in exc.value.message_dict
    assert "indicateur 1" in exc.value.message_dict[champ][0]
    with tenant_context(world.org_a):
        assert not OffreVersion.objects.exists()
        assert not Offre.objects.exists()


def test_regle_31_prerequisites_are_optional_for_a_bilan(world, programme):
    version = _publier(world, programme, prerequis="")
    assert version.numero == 1


def test_regle_31_the_database_refuses_an_empty_mandatory_item(world, programme):
    version = _publier(world, programme)
    with tenant_context(world.org_a), pytest.raises(IntegrityError), transaction.atomic():
        OffreVersion.objects.filter(pk=version.pk).update(referent_handicap_contact="")


def test_regle_31_each_change_is_a_new_dated_version_and_history_is_kept(
    world, programme, login_as
):
    v1 = _publier(world, programme)
    v2 = _publier(world, programme, tarif="1 950 € TTC")
    assert (v1.numero, v2.numero) == (1, 2)
    assert v2.publiee_le >= v1.publiee_le
    with tenant_context(world.org_a):
        v1.refresh_from_db()
        assert v1.tarif == "1 800 € TTC"
    client = login_as(world.admin_a)
    url = reverse("qualiopi:offre_historique", args=[v2.offre.public_id])
    page = client.get(url).content.decode()
    assert "1 950 € TTC" in page
    assert "1 800 € TTC" in page
    csv = client.get(url, {"format": "csv"}).content.decode()
    assert csv.count("Bilan de compétences en 24 heures") == 2
    html = client.get(url, {"format": "html"})
    assert html["Content-Disposition"].startswith("attachment")
    assert "Version 1" in html.content.decode()
    # Public page shows the current version, with its date.
    public = Client().get(reverse("offre:detail", args=[world.org_a.slug, v2.offre.public_id]))
    assert public.status_code == 200
    assert "1 950 € TTC" in public.content.decode()
    assert "1 800 € TTC" not in public.content.decode()


def test_regle_31_the_admin_form_shows_the_message_at_the_field(world, programme, login_as):
    donnees = CONTENU | {"referent_handicap_contact": ""}
    reponse = login_as(world.admin_a).post(
        reverse("qualiopi:offre_publier", args=[programme.public_id]), donnees
    )
    assert reponse.status_code == 400
    assert "Mention obligatoire" in reponse.content.decode()
    reponse = login_as(world.admin_a).post(
        reverse("qualiopi:offre_publier", args=[programme.public_id]), CONTENU
    )
    assert reponse.status_code == 302
    with tenant_context(world.org_a):
        assert OffreVersion.objects.get().referent_handicap_contact.startswith("Alice")


def test_public_pages_404_for_unknown_organisation_unpublished_or_other_org(world, programme):
    version = _publier(world, programme)
    offre = version.offre
    anonyme = Client()
    assert anonyme.get(reverse("offre:liste", args=[world.org_a.slug])).status_code == 200
    assert anonyme.get(reverse("offre:liste", args=["inconnu"])).status_code == 404
    assert (
        anonyme.get(reverse("offre:detail", args=["inconnu", offre.public_id])).status_code == 404
    )
    # Another organisation's slug with this offer's id: 404.
    autre = reverse("offre:detail", args=[world.org_b.slug, offre.public_id])
    assert anonyme.get(autre).status_code == 404
    # An unpublished programme has no page.
    autre_programme = programme_for(world.org_a, slug="retrospection-prospective")
    with tenant_context(world.org_a):
        assert not Offre.objects.filter(programme=autre_programme).exists()
        offre_publication_changer(offre=offre, publiee=False)
    assert (
        anonyme.get(reverse("offre:detail", args=[world.org_a.slug, offre.public_id])).status_code
        == 404
    )
    assert (
        "Bilan de compétences en 24"
        not in anonyme.get(reverse("offre:liste", args=[world.org_a.slug])).content.decode()
    )


def test_the_embed_page_may_be_framed_and_the_others_may_not(world, programme):
    version = _publier(world, programme)
    anonyme = Client()
    integrer = anonyme.get(
        reverse("offre:integrer", args=[world.org_a.slug, version.offre.public_id])
    )
    assert integrer.status_code == 200
    assert "X-Frame-Options" not in integrer
    assert "frame-ancestors *" in integrer["Content-Security-Policy"]
    assert world.org_a.raison_sociale in integrer.content.decode()
    assert world.org_a.couleur_accent in integrer.content.decode()
    detail = anonyme.get(reverse("offre:detail", args=[world.org_a.slug, version.offre.public_id]))
    assert detail["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in detail["Content-Security-Policy"]


def test_offer_pages_in_the_staff_space_are_for_admins(world, programme, login_as):
    consultant = login_as(world.consultant_a)
    assert consultant.get(reverse("qualiopi:offres")).status_code == 403
    assert (
        consultant.get(reverse("qualiopi:offre_publier", args=[programme.public_id])).status_code
        == 403
    )
    assert login_as(world.admin_a).get(reverse("qualiopi:offres")).status_code == 200
    assert (
        login_as(world.admin_a)
        .get(reverse("qualiopi:offre_publier", args=[programme.public_id]))
        .status_code
        == 200
    )


def test_the_results_snapshot_counts_the_period(world):
    debut, fin = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    bilan_for(world.beneficiaire_a, date_debut_reelle=dt.date(2025, 3, 1))
    bilan_for(world.beneficiaire_a, date_debut_reelle=dt.date(2024, 3, 1))
    bilan_for(world.beneficiaire_b, date_debut_reelle=dt.date(2025, 3, 1))
    clos = bilan_for(world.beneficiaire_a, date_debut_reelle=dt.date(2025, 2, 1))
    with tenant_context(world.org_a):
        type(clos).objects.filter(pk=clos.pk).update(
            statut=StatutBilan.CLOS, termine_le=dt.date(2025, 6, 1)
        )
        snapshot = offre_resultats_snapshot(organisation=world.org_a, debut=debut, fin=fin)
    assert snapshot["bilans_commences"] == 2
    assert snapshot["bilans_termines"] == 1
    assert snapshot["bilans_abandonnes"] == 0
    assert snapshot["satisfaction"]["chaud"]["envoyees"] == 0
    assert timezone.now()
