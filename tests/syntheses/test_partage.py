"""Sharing the signed synthèse under the beneficiary's consent (L6313-4)."""

import pytest
from django.core.exceptions import ValidationError

from beneficiaires.models import Consentement
from beneficiaires.services.consentements import (
    consentement_accorder,
    consentement_revoquer,
    consentement_transmission_signer,
)
from bilan.core.audit import ClientInfo
from bilan.core.models import AuditEvent
from bilan.core.signatures import MethodeAuthentification, document_signer
from bilan.core.tenancy import tenant_context
from syntheses.models import Partage, Synthese
from syntheses.services.partage import (
    partage_revoquer,
    partages_actifs_lister,
    partages_clore_pour_consentement,
    synthese_partager_tiers,
)
from tests.factories.beneficiaires import beneficiaire_with_portal
from tests.factories.bilans import bilan_for
from tests.factories.signatures import issued_document, signing_client

pytestmark = pytest.mark.django_db

TEXTE_CONFIDENTIEL = "Projet de reconversion en ébénisterie — TEXTE-CONFIDENTIEL-91"


def synthese_signee_pour(bilan, *, by, signer=True):
    """A synthèse of ``bilan`` with text and a PDF (kind ``synthese``) signed when ``signer``."""
    organisation = bilan.organisation
    with tenant_context(organisation):
        synthese = Synthese.objects.create(
            organisation=organisation, bilan=bilan, competences=TEXTE_CONFIDENTIEL
        )
    document = issued_document(
        beneficiaire=bilan.beneficiaire,
        by=by,
        kind="synthese",
        title="Document de synthèse du bilan de compétences",
        subject_id=synthese.public_id,
        required_roles=("organisme",),
    )
    with tenant_context(organisation):
        if signer:
            document_signer(
                document=document,
                role="organisme",
                signer_name="Signataire",
                signer_email="",
                user=by,
                client=signing_client(),
                methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
            )
        Synthese.objects.filter(pk=synthese.pk).update(document=document)
        synthese.refresh_from_db()
    return synthese


@pytest.fixture
def synthese(world):
    bilan = bilan_for(world.beneficiaire_a, statut="synthese_remise")
    return synthese_signee_pour(bilan, by=world.consultant_a)


def _consent(beneficiaire, type, destinataire="CEP Île-de-France"):
    """A transmission consent signed in the portal (rule 10); any other kind, on paper."""
    with tenant_context(beneficiaire.organisation):
        if type in Consentement.Type.transmissions():
            return consentement_transmission_signer(
                beneficiaire=beneficiaire,
                type=type,
                destinataire=destinataire,
                accord=True,
                par=beneficiaire.portal_access.user,
                client=ClientInfo(ip="203.0.113.7", user_agent="Navigateur de test/1.0"),
            )
        return consentement_accorder(
            beneficiaire=beneficiaire, type=type, methode="papier", par=None
        )


def _partager(world, synthese, consentement, destinataire="CEP Île-de-France", courriel=""):
    with tenant_context(world.org_a):
        return synthese_partager_tiers(
            synthese=synthese,
            consentement=consentement,
            destinataire=destinataire,
            courriel=courriel,
            par=world.consultant_a,
        )


def _rien_ecrit(world):
    with tenant_context(world.org_a):
        return (
            not Partage.objects.exists()
            and not AuditEvent.objects.filter(object_type="partage_synthese").exists()
        )


def test_share_with_cep_under_active_consent_is_recorded_and_logged(world, synthese):
    consentement = _consent(world.beneficiaire_a, "synthese_cep")
    partage = _partager(world, synthese, consentement, courriel="Conseil@CEP.test")
    with tenant_context(world.org_a):
        assert partage.courriel == "conseil@cep.test"
        assert list(partages_actifs_lister(synthese=synthese)) == [partage]
        event = AuditEvent.objects.get(object_type="partage_synthese")
    assert event.action == AuditEvent.Action.EXPORT
    assert event.object_id == partage.public_id
    assert event.beneficiaire_id == world.beneficiaire_a.pk
    assert TEXTE_CONFIDENTIEL not in event.object_label


@pytest.mark.parametrize(
    "type_", ["participation", "conservation_suivi", "accessibilite"], ids=lambda t: t
)
def test_refused_with_a_consent_of_another_kind(world, synthese, type_):
    consentement = _consent(world.beneficiaire_a, type_)
    with pytest.raises(ValidationError, match="ne porte pas sur la transmission"):
        _partager(world, synthese, consentement)
    assert _rien_ecrit(world)


def test_refused_with_a_revoked_consent(world, synthese):
    consentement = _consent(world.beneficiaire_a, "synthese_cep")
    with tenant_context(world.org_a):
        consentement_revoquer(consentement=consentement)
    with pytest.raises(ValidationError, match="révoqué"):
        _partager(world, synthese, consentement)
    assert _rien_ecrit(world)


def test_refused_with_another_beneficiarys_consent(world, synthese):
    other, _user = beneficiaire_with_portal(organisation=world.org_a, email="autre@exemple.test")
    consentement = _consent(other, "synthese_cep")
    with pytest.raises(ValidationError, match="n'a pas été donné"):
        _partager(world, synthese, consentement)
    assert _rien_ecrit(world)


def test_refused_to_another_recipient_than_the_consent_names(world, synthese):
    consentement = _consent(world.beneficiaire_a, "synthese_tiers", destinataire="Cap Emploi 75")
    with pytest.raises(ValidationError, match="Cap Emploi 75"):
        _partager(world, synthese, consentement, destinataire="Employeur SA")
    assert _rien_ecrit(world)
    assert _partager(world, synthese, consentement, destinataire="cap emploi  75").pk


def test_refused_for_an_unsigned_synthese(world):
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="conclusion")
    synthese = synthese_signee_pour(bilan, by=world.consultant_a, signer=False)
    consentement = _consent(world.beneficiaire_a, "synthese_cep")
    with pytest.raises(ValidationError, match="signée"):
        _partager(world, synthese, consentement)
    assert _rien_ecrit(world)


def test_revoking_the_consent_or_the_share_ends_it(world, synthese):
    cep = _consent(world.beneficiaire_a, "synthese_cep")
    tiers = _consent(world.beneficiaire_a, "synthese_tiers", destinataire="Mission locale")
    p1 = _partager(world, synthese, cep)
    p2 = _partager(world, synthese, tiers, destinataire="Mission locale")
    with tenant_context(world.org_a):
        consentement_revoquer(consentement=cep)
        assert list(partages_actifs_lister(synthese=synthese)) == [p2]
        p1.refresh_from_db()
        assert p1.revoque_le is not None  # stamped by the consent's revocation itself
        assert partages_clore_pour_consentement(consentement=cep) == 0
        partage_revoquer(partage=p2)
        assert not partages_actifs_lister(synthese=synthese).exists()


def test_share_view(world, synthese, login_as):
    consentement = _consent(world.beneficiaire_a, "synthese_cep")
    client = login_as(world.consultant_a)
    with tenant_context(world.org_a):
        base = f"/app/documents/bilans/{synthese.bilan.public_id}/"
    assert "Enregistrer la transmission" in client.get(base).content.decode()
    response = client.post(
        base + "partager/",
        {
            "consentement": consentement.public_id,
            "destinataire": "CEP Île-de-France",
            "courriel": "",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        partage = Partage.objects.get()
    response = client.post(f"{base}partages/{partage.public_id}/revoquer/")
    assert response.status_code == 302
    with tenant_context(world.org_a):
        partage.refresh_from_db()
    assert partage.revoque_le is not None
