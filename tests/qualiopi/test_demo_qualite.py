"""The demo's quality records (espaces/demo/qualite_registres.py), through the services, load
twice without doubling, and the public offer page of the demo answers."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context
from espaces.demo.qualite_registres import pdf_texte
from qualiopi.models import (
    ActionAmelioration,
    DocumentVersion,
    Offre,
    OffreVersion,
    PieceIntervenant,
    Reclamation,
    VeilleEntree,
)

pytestmark = pytest.mark.django_db

MODELES = (
    Reclamation,
    ActionAmelioration,
    VeilleEntree,
    PieceIntervenant,
    DocumentVersion,
    OffreVersion,
)


def _compter(organisation):
    with tenant_context(organisation):
        return {m.__name__: m.objects.count() for m in MODELES}


def test_the_demo_has_quality_records_and_loads_twice():
    call_command("seed_demo", stdout=StringIO())
    organisation = Organisation.objects.get(slug="atelier-des-parcours")
    premiers = _compter(organisation)
    with tenant_context(organisation):
        assert Reclamation.objects.filter(cloture_le__isnull=False, actions__isnull=False).exists()
        assert Reclamation.objects.filter(cloture_le__isnull=True).exists()
        assert set(VeilleEntree.objects.values_list("kind", flat=True)) == {
            "legale",
            "metiers",
            "pedagogique",
        }
        assert DocumentVersion.objects.filter(kind="cgv").count() == 2
        offre = Offre.objects.get()
        assert offre.versions.count() == 2
    call_command("seed_demo", stdout=StringIO())
    assert _compter(organisation) == premiers
    page = Client().get(reverse("offre:detail", args=[organisation.slug, offre.public_id]))
    assert page.status_code == 200
    assert "1 900 €" in page.content.decode()


def test_demo_pdf_is_a_pdf():
    contenu = pdf_texte(lignes=["Livret d'accueil", "Règles (version 1)"])
    assert contenu.startswith(b"%PDF-1.4")
    assert contenu.rstrip().endswith(b"%%EOF")
