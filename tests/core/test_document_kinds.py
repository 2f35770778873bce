"""The signed-documents engine knows no kind: each app declares its kinds and after-signature
handlers in its ``signatures.py``, and ``document_signer`` runs them, whatever the entry point."""

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from bilan.core.models import Signature, SignatureRole, SignedDocument
from bilan.core.signatures import (
    MethodeAuthentification,
    document_kinds,
    document_signer,
    lien_signature_utiliser,
)
from bilan.core.tenancy import tenant_context
from relances.models import Relance
from tests.factories.bilans import bilan_for
from tests.factories.signatures import issued_document, signing_client, signing_link

pytestmark = pytest.mark.django_db


def test_every_kind_of_the_apps_is_declared_at_start_up():
    assert document_kinds.kinds() >= {
        "convention",
        "convention_tripartite",
        "contrat",
        "synthese",
        "attestation_fin",
        "certificat_realisation",
    }


def test_an_undeclared_kind_is_refused_and_nothing_is_written(world):
    with tenant_context(world.org_a):
        before = SignedDocument.objects.count()
    with pytest.raises(ImproperlyConfigured, match="inconnu"):
        issued_document(beneficiaire=world.beneficiaire_a, by=world.admin_a, kind="inconnu")
    with tenant_context(world.org_a):
        assert SignedDocument.objects.count() == before


def test_the_handler_of_the_kind_runs_after_each_signature_session_or_link(world):
    seen = []

    def handler(*, document, signature):
        seen.append((document.status, signature.role, signature.auth_method))

    document_kinds.register("essai_handler", after_signature=handler)
    document = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.admin_a,
        kind="essai_handler",
        required_roles=("organisme", "employeur"),
    )
    with tenant_context(world.org_a):
        document_signer(
            document=document,
            role=SignatureRole.ORGANISME,
            user=world.admin_a,
            client=signing_client(),
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
    link, _token = signing_link(document)
    with tenant_context(world.org_a):
        lien_signature_utiliser(link=link, client=signing_client())
    assert seen == [
        (SignedDocument.Status.EMIS, "organisme", "session+mot de passe"),
        (SignedDocument.Status.SIGNE, "employeur", "lien à usage unique"),
    ]


def test_a_failing_handler_undoes_the_signature(world):
    def handler(*, document, signature):
        raise RuntimeError("refus")

    document_kinds.register("essai_echec", after_signature=handler)
    document = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.admin_a,
        kind="essai_echec",
        required_roles=("organisme",),
    )
    with tenant_context(world.org_a), pytest.raises(RuntimeError):
        document_signer(
            document=document,
            role=SignatureRole.ORGANISME,
            user=world.admin_a,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
    with tenant_context(world.org_a):
        assert not Signature.objects.filter(document=document).exists()
        document.refresh_from_db()
        assert document.status == SignedDocument.Status.EMIS


def test_the_contract_follow_up_runs_when_the_beneficiary_signs(world):
    """Registered by beneficiaires/signatures.py: the end of the withdrawal period is planned
    whichever entry point signs the contract."""
    bilan = bilan_for(world.beneficiaire_a)
    document = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.admin_a,
        kind="contrat",
        subject_id=bilan.public_id,
    )
    with tenant_context(world.org_a):
        document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            user=world.beneficiaire_user_a,
            client=None,
            methode=MethodeAuthentification.SESSION_CODE_COURRIEL,
        )
        relance = Relance.objects.get(kind=Relance.Kind.RETRACTATION_FIN)
        assert relance.cle_unique == f"retractation_fin:{bilan.public_id}"
        assert relance.due_le > timezone.now()


def test_an_unknown_subject_is_left_alone_by_the_handlers(world):
    document = issued_document(
        beneficiaire=world.beneficiaire_a,
        by=world.admin_a,
        kind="contrat",
        subject_id=uuid.uuid4(),
        required_roles=("beneficiaire",),
    )
    with tenant_context(world.org_a):
        document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            user=world.beneficiaire_user_a,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
        document.refresh_from_db()
        assert document.status == SignedDocument.Status.SIGNE
        assert not Relance.objects.filter(kind=Relance.Kind.RETRACTATION_FIN).exists()
