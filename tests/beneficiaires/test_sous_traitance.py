"""Rule 27 (R6333-6-2): CPF sub-contracting contracts, the contract named on the bilan's
documents, the sub-contracted share of the CPF turnover per year, and no cascade."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from beneficiaires.models import Bilan
from beneficiaires.services import bilans as services_bilans
from beneficiaires.services.sous_traitance import (
    ContratSousTraitance,
    membre_sous_traitance_enregistrer,
)
from beneficiaires.sous_traitance import (
    affectation_verifier,
    bilan_contrat_sous_traitance,
    part_sous_traitee_cpf,
)
from bilan.core.models import Membership, Role
from bilan.core.tenancy import tenant_context
from syntheses.services.documents_fin import (
    attestation_fin_construire_contexte,
    certificat_realisation_construire_contexte,
)
from tests.factories.beneficiaires import dossier_bilan
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db


def _contrat(**champs):
    valeurs = {
        "reference": "ST-2026-007",
        "debut": dt.date(2026, 1, 1),
        "fin": dt.date(2026, 12, 31),
        "missions": "Conduite de bilans de compétences financés par le CPF",
        "contenu_sanction": "Trois phases R6313-4, attestation de fin",
        "moyens": "Bureau dédié, visio chiffrée, tests psychométriques",
        "conditions": "Point mensuel avec la responsable pédagogique",
        "prix": Decimal("1200.00"),
        "communique_cdc_le": dt.date(2026, 1, 5),
        **champs,
    }
    return ContratSousTraitance(**valeurs)


def _sous_traitant(world, email="sous.traitant@a.test", **champs):
    user = staff_user(organisation=world.org_a, email=email, first_name="Sam", last_name="Sous")
    membership = Membership.objects.get(organisation=world.org_a, user=user)
    with tenant_context(world.org_a):
        membre_sous_traitance_enregistrer(membership=membership, contrat=_contrat(**champs))
    return user


def test_regle_27_contrat_incomplet_refuse_service_et_base(world):
    membership = Membership.objects.get(organisation=world.org_a, user=world.consultant_a)
    with tenant_context(world.org_a), pytest.raises(ValidationError) as erreur:
        membre_sous_traitance_enregistrer(
            membership=membership, contrat=_contrat(prix=None, moyens="")
        )
    assert set(erreur.value.message_dict) == {"st_prix", "st_moyens"}
    membership.refresh_from_db()
    assert not membership.sous_traitant
    with (
        pytest.raises(IntegrityError, match="membership_sous_traitance_contrat_complet"),
        transaction.atomic(),
    ):
        Membership.objects.filter(pk=membership.pk).update(sous_traitant=True, st_reference="ST-1")


def test_regle_27_contrat_nomme_sur_les_documents_du_bilan_cpf(world):
    st = _sous_traitant(world)
    bilan = bilan_for(
        world.beneficiaire_a,
        consultant=st,
        financement="cpf",
        statut="synthese_remise",
        date_debut_reelle=dt.date(2026, 3, 2),
        prix_ttc=Decimal("1600.00"),
    )
    with tenant_context(world.org_a):
        bilan = Bilan.objects.select_related("beneficiaire", "organisation").get(pk=bilan.pk)
        for gabarit, contexte in (
            ("pdf/attestation_fin.html", attestation_fin_construire_contexte(bilan=bilan)),
            (
                "pdf/certificat_realisation.html",
                certificat_realisation_construire_contexte(bilan=bilan),
            ),
        ):
            assert contexte["sous_traitance"]["reference"] == "ST-2026-007"
            texte = html.unescape(
                render_to_string(
                    gabarit,
                    {
                        **contexte,
                        "title": "Document",
                        "organisation": world.org_a,
                        "generated_at": timezone.now(),
                    },
                )
            )
            assert "contrat de sous-traitance n° ST-2026-007" in texte
            assert "Sam Sous" in texte
            assert "R6333-6-2" in texte
        # Not CPF: no mention. Outside the contract's dates: none either.
        Bilan.objects.filter(pk=bilan.pk).update(financement="personnel")
        bilan.refresh_from_db()
        assert attestation_fin_construire_contexte(bilan=bilan)["sous_traitance"] is None
        Bilan.objects.filter(pk=bilan.pk).update(
            financement="cpf", date_debut_reelle=dt.date(2027, 1, 4)
        )
        bilan.refresh_from_db()
        assert bilan_contrat_sous_traitance(bilan=bilan) is None


def test_regle_27_part_annuelle_et_alerte_80_pour_cent(world):
    """2026: 3 CPF bilans (1 600 + 1 500 + 900 = 4 000 €); the sub-contractor runs 1 600 +
    1 500 = 3 100 € → 77.5 %, under the ceiling. A fourth one of 1 000 € by the
    sub-contractor: 4 100 / 5 000 = 82 % → over 80 %. A refused one, a 2025 one and a
    self-funded one do not count."""
    st = _sous_traitant(world)
    autre_b = world.beneficiaire_a
    for prix, consultant in ((1600, st), (1500, st), (900, world.consultant_a)):
        bilan_for(
            autre_b,
            consultant=consultant,
            financement="cpf",
            statut="clos",
            date_debut_reelle=dt.date(2026, 4, 1),
            prix_ttc=Decimal(prix),
        )
    bilan_for(
        autre_b,
        consultant=st,
        financement="cpf",
        statut="refuse",
        date_debut_reelle=dt.date(2026, 4, 1),
        prix_ttc=Decimal(5000),
    )
    bilan_for(
        autre_b,
        consultant=st,
        financement="cpf",
        statut="clos",
        date_debut_reelle=dt.date(2025, 4, 1),
        prix_ttc=Decimal(5000),
    )
    bilan_for(
        autre_b,
        consultant=st,
        financement="personnel",
        statut="clos",
        date_debut_reelle=dt.date(2026, 4, 1),
        prix_ttc=Decimal(5000),
    )
    with tenant_context(world.org_a):
        part = part_sous_traitee_cpf(organisation=world.org_a, annee=2026)
    assert part.chiffre_cpf == Decimal("4000")
    assert part.chiffre_sous_traite == Decimal("3100")
    assert part.pourcentage == Decimal("77.5")
    assert not part.depasse_plafond
    bilan_for(
        autre_b,
        consultant=st,
        financement="cpf",
        statut="en_cours",
        phase="preliminaire",
        date_debut_reelle=dt.date(2026, 9, 1),
        prix_ttc=Decimal(1000),
    )
    with tenant_context(world.org_a):
        part = part_sous_traitee_cpf(organisation=world.org_a, annee=2026)
    assert (part.chiffre_cpf, part.chiffre_sous_traite) == (Decimal("5000"), Decimal("4100"))
    assert part.pourcentage == Decimal("82.0")
    assert part.depasse_plafond


def test_regle_27_pas_de_sous_traitance_en_cascade(world):
    st1 = _sous_traitant(world)
    st2 = _sous_traitant(world, email="autre.st@a.test", reference="ST-2026-008")
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError) as erreur:
            services_bilans.bilan_ouvrir(
                beneficiaire=world.beneficiaire_a,
                par=world.admin_a,
                dossier=dossier_bilan(
                    consultant=st1,
                    consultants_associes=[st2],
                    financement="cpf",
                    date_debut_prevue=dt.date(2026, 5, 4),
                ),
            )
        assert "cascade" in erreur.value.message_dict["consultants_associes"][0]
        assert not Bilan.objects.exists()
        # A sub-contractor associated to the organisation's own consultant: allowed.
        affectation_verifier(
            organisation=world.org_a,
            consultant=world.consultant_a,
            associes=[st1, st2],
            jour=dt.date(2026, 5, 4),
        )


def test_regle_27_contrat_qui_creerait_une_cascade_refuse(world):
    st1 = _sous_traitant(world)
    bilan = bilan_for(
        world.beneficiaire_a,
        consultant=st1,
        financement="cpf",
        date_debut_prevue=dt.date(2026, 5, 4),
    )
    with tenant_context(world.org_a):
        bilan.consultants_associes.add(world.consultant_a)
    membership = Membership.objects.get(organisation=world.org_a, user=world.consultant_a)
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="cascade"):
        membre_sous_traitance_enregistrer(membership=membership, contrat=_contrat())
    membership.refresh_from_db()
    assert not membership.sous_traitant


def test_regle_27_pages_admin_et_acces(world, login_as):
    membership = Membership.objects.get(organisation=world.org_a, user=world.consultant_a)
    admin = login_as(world.admin_a)
    assert admin.get("/app/organisation/sous-traitance/").status_code == 200
    url = f"/app/organisation/sous-traitance/{membership.public_id}/"
    donnees = {
        "st_reference": "ST-9",
        "st_debut": "2026-01-01",
        "st_fin": "2026-12-31",
        "st_missions": "Bilans CPF",
        "st_contenu_sanction": "Trois phases",
        "st_moyens": "Bureau",
        "st_conditions": "Suivi mensuel",
        "st_prix": "900",
    }
    response = admin.post(url, {**donnees, "st_prix": ""})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert not membership.sous_traitant
    assert admin.post(url, donnees).status_code == 302
    membership.refresh_from_db()
    assert membership.sous_traitant
    assert membership.st_reference == "ST-9"
    # A consultant (not admin) and another organisation's admin: refused, nothing changed.
    assert (
        login_as(world.consultant_a).post(url, {**donnees, "st_reference": "X"}).status_code == 403
    )
    admin_b = staff_user(organisation=world.org_b, role=Role.ADMIN, email="admin@b.test")
    assert login_as(admin_b).post(url, {**donnees, "st_reference": "X"}).status_code == 404
    membership.refresh_from_db()
    assert membership.st_reference == "ST-9"
