"""Rule 10: a transmission of the synthèse needs a written consent, specific to its recipient,
revocable; an oral one is refused by the service and by the database."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaires.models import Consentement, Document
from beneficiaires.services.consentements import (
    consentement_accorder,
    consentement_revoquer,
    consentement_transmission_deposer,
    consentement_transmission_signer,
)
from bilan.core.audit import ClientInfo
from bilan.core.tenancy import tenant_context
from syntheses.models import Partage
from syntheses.services.partage import partages_actifs_lister, synthese_partager_tiers
from tests.factories.bilans import bilan_for
from tests.syntheses.test_partage import synthese_signee_pour

pytestmark = pytest.mark.django_db
CLIENT = ClientInfo(ip="203.0.113.7", user_agent="Navigateur de test/1.0")


def _signer(world, destinataire="Apec Paris", type_="synthese_tiers"):
    with tenant_context(world.org_a):
        return consentement_transmission_signer(
            beneficiaire=world.beneficiaire_a,
            type=type_,
            destinataire=destinataire,
            accord=True,
            par=world.beneficiaire_user_a,
            client=CLIENT,
        )


@pytest.mark.parametrize("type_", ["synthese_cep", "synthese_tiers"])
def test_regle_10_consentement_oral_refuse_par_le_service(world, type_):
    with tenant_context(world.org_a), pytest.raises(ValidationError) as erreur:
        consentement_accorder(
            beneficiaire=world.beneficiaire_a,
            type=type_,
            methode=Consentement.Methode.ENTRETIEN,
            destinataire="Apec Paris",
            par=world.consultant_a,
        )
    assert "accord écrit" in erreur.value.message_dict["methode"][0]
    with tenant_context(world.org_a):
        assert not Consentement.objects.exists()


def test_regle_10_consentement_oral_refuse_par_la_base(world):
    with tenant_context(world.org_a):
        with (
            pytest.raises(IntegrityError, match="consentement_transmission_ecrite"),
            transaction.atomic(),
        ):
            Consentement.objects.create(
                organisation=world.org_a,
                beneficiaire=world.beneficiaire_a,
                type="synthese_tiers",
                methode="entretien",
                destinataire="Apec Paris",
                accorde_le=timezone.now(),
            )
        assert not Consentement.objects.exists()
        # The oral consent to the bilan itself stays allowed.
        consentement_accorder(
            beneficiaire=world.beneficiaire_a,
            type="participation",
            methode="entretien",
            par=world.consultant_a,
        )


def test_regle_10_papier_sans_formulaire_signe_refuse(world):
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="formulaire"):
        consentement_accorder(
            beneficiaire=world.beneficiaire_a,
            type="synthese_tiers",
            methode="papier",
            destinataire="Apec Paris",
            par=world.consultant_a,
        )


def test_regle_10_signe_au_portail_avec_preuves_et_destinataire(world):
    consentement = _signer(world)
    assert consentement.methode == "portail"
    assert consentement.destinataire == "Apec Paris"
    assert "« Apec Paris »" in consentement.declaration
    assert "Organisme A" in consentement.declaration
    assert consentement.preuve_ip == "203.0.113.7"
    assert consentement.preuve_user_agent == "Navigateur de test/1.0"
    assert consentement.recueilli_par == world.beneficiaire_user_a


def test_regle_10_sans_case_cochee_rien_ecrit(world):
    with tenant_context(world.org_a), pytest.raises(ValidationError, match="Cochez"):
        consentement_transmission_signer(
            beneficiaire=world.beneficiaire_a,
            type="synthese_tiers",
            destinataire="Apec Paris",
            accord=False,
            par=world.beneficiaire_user_a,
            client=CLIENT,
        )
    with tenant_context(world.org_a):
        assert not Consentement.objects.exists()


def test_regle_10_consentement_ecrit_specifique_au_destinataire_et_revocable(world):
    bilan = bilan_for(world.beneficiaire_a, statut="synthese_remise")
    synthese = synthese_signee_pour(bilan, by=world.consultant_a)
    consentement = _signer(world)
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="Apec Paris"):
            synthese_partager_tiers(
                synthese=synthese,
                consentement=consentement,
                destinataire="Employeur SA",
                courriel="",
                par=world.consultant_a,
            )
        assert not Partage.objects.exists()
        partage = synthese_partager_tiers(
            synthese=synthese,
            consentement=consentement,
            destinataire="Apec Paris",
            courriel="",
            par=world.consultant_a,
        )
        assert list(partages_actifs_lister(synthese=synthese)) == [partage]
        consentement_revoquer(consentement=consentement)
        partage.refresh_from_db()
        assert partage.revoque_le is not None
        assert not partages_actifs_lister(synthese=synthese).exists()


def test_regle_10_ancien_consentement_oral_ne_permet_pas_de_transmettre(world):
    """A legacy oral consent (revoked by the migration) cannot back a share."""
    bilan = bilan_for(world.beneficiaire_a, statut="synthese_remise")
    synthese = synthese_signee_pour(bilan, by=world.consultant_a)
    with tenant_context(world.org_a):
        ancien = Consentement.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            type="synthese_cep",
            methode="entretien",
            destinataire="CEP",
            accorde_le=timezone.now(),
            revoque_le=timezone.now(),
        )
        with pytest.raises(ValidationError):
            synthese_partager_tiers(
                synthese=synthese,
                consentement=ancien,
                destinataire="CEP",
                courriel="",
                par=world.consultant_a,
            )
        assert not Partage.objects.exists()


def test_regle_10_formulaire_papier_depose_par_l_equipe(world, login_as):
    client = login_as(world.consultant_a)
    url = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/consentements/"
    # Oral: refused at the field, nothing written.
    response = client.post(
        url, {"type": "synthese_tiers", "methode": "entretien", "destinataire": "Apec Paris"}
    )
    assert response.status_code == 400
    assert "accord écrit" in html.unescape(response.content.decode())
    with tenant_context(world.org_a):
        assert not Consentement.objects.exists()
    response = client.post(
        url,
        {
            "type": "synthese_tiers",
            "methode": "papier",
            "destinataire": "Apec Paris",
            "fichier": SimpleUploadedFile(
                "accord.pdf", b"%PDF-1.4 accord", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        consentement = Consentement.objects.get()
        assert consentement.methode == "papier"
        assert consentement.document.categorie == Document.Categorie.ADMINISTRATIF
    # Another organisation: 404, nothing written.
    autre = login_as(world.consultant_b)
    response = autre.post(url, {"type": "participation", "methode": "papier"})
    assert response.status_code == 404
    with tenant_context(world.org_a):
        assert Consentement.objects.count() == 1


def test_regle_10_depot_service_direct(world):
    with tenant_context(world.org_a):
        consentement = consentement_transmission_deposer(
            beneficiaire=world.beneficiaire_a,
            type="synthese_cep",
            destinataire="CEP Apec",
            fichier=SimpleUploadedFile("a.pdf", b"%PDF-1.4 a", content_type="application/pdf"),
            type_mime="application/pdf",
            par=world.consultant_a,
        )
    assert consentement.document is not None
    assert consentement.destinataire == "CEP Apec"
