"""Retention (domain §8 rule 14, R6313-7): what the (partial) mutation run of
``syntheses.services.retention`` found untested. See tests/MUTATION.md.

Purging one dossier destroys its own signed synthèse and nothing of another beneficiary's: the
selection of the documents (``_documents_synthese``) was never checked against a second one.
"""

import pytest

from bilan.core.models import SignedDocument
from bilan.core.tenancy import tenant_context
from syntheses.models import SyntheseVersion
from tests.factories.beneficiaires import BeneficiaireFactory
from tests.factories.bilans import bilan_for
from tests.syntheses.test_partage import synthese_signee_pour
from tests.syntheses.test_retention import Dossier

pytestmark = pytest.mark.django_db


def test_regle_14_purging_a_dossier_leaves_another_beneficiarys_synthese(
    world, django_capture_on_commit_callbacks
):
    autre = BeneficiaireFactory(organisation=world.org_a, consultant=world.consultant_a)
    autre_bilan = bilan_for(autre, statut="en_cours", phase="conclusion")
    autre_synthese = synthese_signee_pour(autre_bilan, by=world.consultant_a)
    with tenant_context(world.org_a):
        SyntheseVersion.objects.create(
            organisation=world.org_a,
            synthese=autre_synthese,
            numero=1,
            contenu={"competences": "v1"},
            motif="Signée",
            document_id=autre_synthese.document_id,
        )
    dossier = Dossier(world)
    purges = dossier.purger(django_capture_on_commit_callbacks)
    assert {p.objet: p.nombre for p in purges}["Synthèse signée (PDF)"] == 1
    with tenant_context(world.org_a):
        assert not SignedDocument.objects.filter(pk=dossier.signe.pk).exists()
        assert SignedDocument.objects.filter(pk=autre_synthese.document_id).exists()
        assert SyntheseVersion.objects.filter(synthese=autre_synthese).count() == 1
