"""R6313-7 retention: purge at the end of the bilan, exceptions for 3 years at most,
idempotence, journal, task and page."""

import datetime as dt
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from beneficiaires.models import Consentement, Document
from beneficiaires.services.consentements import (
    consentement_accorder,
    consentement_revoquer,
    consentement_transmission_signer,
)
from bilan.core.audit import ClientInfo
from bilan.core.models import SignedDocument
from bilan.core.tenancy import tenant_context
from seances.models import Rendu, RenduFichier, Seance
from seances.services import travail
from syntheses.models import Commentaire, Purge, Synthese, SyntheseVersion
from syntheses.services.partage import synthese_partager_tiers
from syntheses.services.retention import bilan_purger, bilan_statut_conservation
from syntheses.tasks import purger_bilans_clos
from tests.factories.beneficiaires import document_for
from tests.factories.bilans import bilan_for
from tests.factories.signatures import issued_document
from tests.syntheses.test_partage import TEXTE_CONFIDENTIEL, synthese_signee_pour

pytestmark = pytest.mark.django_db

CLOTURE = dt.date(2026, 5, 4)
NOTES = "Notes confidentielles : MARQUEUR-NOTES-42"


class Dossier:
    """A closed bilan with every kind of work document, and the paths of its files."""

    def __init__(self, world):
        self.world = world
        org = world.org_a
        self.bilan = bilan_for(
            world.beneficiaire_a,
            statut="en_cours",
            phase="investigation",
            date_debut_reelle=dt.date(2026, 3, 2),
        )
        self.synthese = synthese_signee_pour(self.bilan, by=world.consultant_a)
        self.document = document_for(world.beneficiaire_a, by=world.consultant_a)
        self.convention = issued_document(
            beneficiaire=world.beneficiaire_a,
            by=world.admin_a,
            subject_id=self.bilan.public_id,
        )
        with tenant_context(org):
            self.seance = Seance.objects.create(
                organisation=org,
                bilan=self.bilan,
                consultant=world.consultant_a,
                phase="preliminaire",
                type="entretien",
                intitule="Entretien",
                debut=dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC),
                duree_minutes=60,
                modalite="presentiel",
                statut="realisee",
                notes=NOTES,
            )
            seance_tp = Seance.objects.create(
                organisation=org,
                bilan=self.bilan,
                consultant=world.consultant_a,
                phase="investigation",
                type="travail_personnel",
                intitule="Travail personnel",
                debut=dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC),
                duree_minutes=60,
                modalite="autonomie",
            )
            consigne = travail.consigne_creer(
                seance=seance_tp, titre="Portfolio", consignes="Faire", temps_attendu_minutes=60
            )
            rendu = travail.rendu_soumettre(
                consigne=consigne,
                texte="Ma réponse",
                temps_declare_minutes=45,
                fichiers=[SimpleUploadedFile("r.pdf", b"%PDF-1.4 rendu", "application/pdf")],
                par=world.beneficiaire_user_a,
            )
            self.rendu_fichier = rendu.fichiers.get()
            SyntheseVersion.objects.create(
                organisation=org,
                synthese=self.synthese,
                numero=1,
                contenu={"competences": "brouillon"},
                motif="Partagée",
            )
            Commentaire.objects.create(
                organisation=org,
                synthese=self.synthese,
                section="competences",
                auteur=world.beneficiaire_user_a,
                texte="Commentaire",
            )
            self.signe = SignedDocument.objects.get(pk=self.synthese.document_id)
            # Closed afterwards: the work above is only possible while the bilan runs. The end
            # day is recorded as the closing transition records it.
            type(self.bilan).objects.filter(pk=self.bilan.pk).update(
                statut="clos", phase="", date_fin_reelle=CLOTURE, termine_le=CLOTURE
            )
            self.bilan.refresh_from_db()
        self.chemins = {
            "rendu": self.rendu_fichier.fichier.path,
            "document": self.document.fichier.path,
            "synthese_emise": self.signe.issued_pdf.path,
            "synthese_signee": self.signe.signed_pdf.path,
            "convention": self.convention.issued_pdf.path,
        }
        assert all(os.path.exists(p) for p in self.chemins.values())

    def purger(self, capture, aujourdhui=CLOTURE, par=None):
        with capture(execute=True), tenant_context(self.world.org_a):
            return bilan_purger(bilan=self.bilan, aujourdhui=aujourdhui, par=par)


@pytest.fixture
def dossier(world):
    return Dossier(world)


def _consent(world, type_):
    with tenant_context(world.org_a):
        if type_ in Consentement.Type.transmissions():  # rule 10: written, to a named recipient
            return consentement_transmission_signer(
                beneficiaire=world.beneficiaire_a,
                type=type_,
                destinataire="CEP",
                accord=True,
                par=world.beneficiaire_user_a,
                client=ClientInfo(ip="203.0.113.7", user_agent="Navigateur de test/1.0"),
            )
        return consentement_accorder(
            beneficiaire=world.beneficiaire_a, type=type_, methode="papier", par=None
        )


def _work_gone(d):
    with tenant_context(d.world.org_a):
        d.seance.refresh_from_db()
        assert d.seance.notes == ""
        assert not Rendu.objects.exists()
        assert not RenduFichier.objects.exists()
        assert not Commentaire.objects.exists()
        assert not SyntheseVersion.objects.filter(document__isnull=True).exists()
    assert not os.path.exists(d.chemins["rendu"])
    # Administrative evidence stays: the convention, the séance rows.
    assert os.path.exists(d.chemins["convention"])
    with tenant_context(d.world.org_a):
        assert SignedDocument.objects.filter(pk=d.convention.pk).exists()
        assert Seance.objects.filter(bilan=d.bilan).count() == 2


def test_without_exception_everything_goes_at_closure(dossier, django_capture_on_commit_callbacks):
    world = dossier.world
    with tenant_context(world.org_a):
        statut = bilan_statut_conservation(bilan=dossier.bilan, aujourdhui=CLOTURE)
    assert statut["purge_le"] == CLOTURE
    assert statut["exceptions"] == []
    purges = dossier.purger(django_capture_on_commit_callbacks)
    _work_gone(dossier)
    with tenant_context(world.org_a):
        assert not Document.objects.filter(pk=dossier.document.pk).exists()
        assert not SignedDocument.objects.filter(kind="synthese").exists()
        synthese = Synthese.objects.get(pk=dossier.synthese.pk)
        assert synthese.document_id is None
        assert synthese.competences == ""
        assert TEXTE_CONFIDENTIEL not in str(Synthese.objects.filter(pk=synthese.pk).values())
        journal = {p.objet: p.nombre for p in Purge.objects.filter(bilan=dossier.bilan)}
    assert not os.path.exists(dossier.chemins["document"])
    assert not os.path.exists(dossier.chemins["synthese_emise"])
    assert not os.path.exists(dossier.chemins["synthese_signee"])
    assert journal["Notes confidentielles de séance"] == 1
    assert journal["Synthèse signée (PDF)"] == 1
    assert journal["Rendus de travail personnel guidé"] == 1
    assert journal["Documents du dossier"] == 1
    assert len(purges) == len(journal)
    assert all(p.par is None and "aucune exception" in p.raison for p in purges)


def test_second_run_is_idempotent(dossier, django_capture_on_commit_callbacks):
    dossier.purger(django_capture_on_commit_callbacks)
    with tenant_context(dossier.world.org_a):
        count = Purge.objects.count()
    assert dossier.purger(django_capture_on_commit_callbacks) == []
    with tenant_context(dossier.world.org_a):
        assert Purge.objects.count() == count


def test_follow_up_consent_keeps_the_signed_synthese_and_files_for_three_years(
    dossier, django_capture_on_commit_callbacks
):
    world = dossier.world
    _consent(world, "conservation_suivi")
    with tenant_context(world.org_a):
        statut = bilan_statut_conservation(bilan=dossier.bilan, aujourdhui=CLOTURE)
    assert statut["limite_exceptions"] == dt.date(2029, 5, 4)
    assert statut["garder_synthese"]
    assert statut["garder_documents"]
    assert "R6313-7 b)" in statut["exceptions"][0]["base_legale"]
    dossier.purger(django_capture_on_commit_callbacks)
    _work_gone(dossier)
    with tenant_context(world.org_a):
        assert SignedDocument.objects.filter(pk=dossier.signe.pk).exists()
        assert Document.objects.filter(pk=dossier.document.pk).exists()
    assert os.path.exists(dossier.chemins["synthese_signee"])
    assert os.path.exists(dossier.chemins["document"])
    # The day before the limit: still kept. On the limit: the exception expires.
    assert dossier.purger(django_capture_on_commit_callbacks, dt.date(2029, 5, 3)) == []
    purges = dossier.purger(django_capture_on_commit_callbacks, dt.date(2029, 5, 4))
    assert {p.objet for p in purges} >= {"Synthèse signée (PDF)", "Documents du dossier"}
    assert all("3 ans" in p.raison for p in purges)
    with tenant_context(world.org_a):
        assert not SignedDocument.objects.filter(kind="synthese").exists()
    assert not os.path.exists(dossier.chemins["synthese_signee"])
    assert not os.path.exists(dossier.chemins["document"])


def test_cep_consent_keeps_the_synthese_only_with_a_share(
    dossier, django_capture_on_commit_callbacks
):
    world = dossier.world
    cep = _consent(world, "synthese_cep")
    with tenant_context(world.org_a):
        assert bilan_statut_conservation(bilan=dossier.bilan)["exceptions"] == []
        synthese_partager_tiers(
            synthese=dossier.synthese,
            consentement=cep,
            destinataire="CEP",
            courriel="",
            par=world.consultant_a,
        )
        statut = bilan_statut_conservation(bilan=dossier.bilan, aujourdhui=CLOTURE)
    assert statut["garder_synthese"]
    assert not statut["garder_documents"]
    dossier.purger(django_capture_on_commit_callbacks)
    _work_gone(dossier)
    with tenant_context(world.org_a):
        assert SignedDocument.objects.filter(pk=dossier.signe.pk).exists()
        assert not Document.objects.filter(pk=dossier.document.pk).exists()
    assert os.path.exists(dossier.chemins["synthese_signee"])


def test_revoked_consent_ends_the_exception(dossier, django_capture_on_commit_callbacks):
    suivi = _consent(dossier.world, "conservation_suivi")
    dossier.purger(django_capture_on_commit_callbacks)
    with tenant_context(dossier.world.org_a):
        consentement_revoquer(consentement=suivi)
    purges = dossier.purger(django_capture_on_commit_callbacks, dt.date(2026, 9, 1))
    assert "Synthèse signée (PDF)" in {p.objet for p in purges}
    assert not os.path.exists(dossier.chemins["synthese_signee"])


def test_running_bilan_is_refused_and_nothing_written(world, django_capture_on_commit_callbacks):
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="investigation")
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="pas terminé"):
            bilan_purger(bilan=bilan, aujourdhui=CLOTURE)
        assert not Purge.objects.exists()


def test_before_purge_date_is_refused(dossier):
    with tenant_context(dossier.world.org_a):
        with pytest.raises(ValidationError, match="pas encore venue"):
            bilan_purger(bilan=dossier.bilan, aujourdhui=CLOTURE - dt.timedelta(days=1))
        assert not Purge.objects.exists()


def test_task_purges_every_organisation(dossier, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = purger_bilans_clos()
    assert result[dossier.world.org_a.pk] >= 4
    assert result[dossier.world.org_b.pk] == 0
    assert not os.path.exists(dossier.chemins["rendu"])
    with django_capture_on_commit_callbacks(execute=True):
        assert purger_bilans_clos()[dossier.world.org_a.pk] == 0


def test_conservation_page(dossier, login_as, django_capture_on_commit_callbacks):
    world = dossier.world
    _consent(world, "conservation_suivi")
    url = f"/app/documents/bilans/{dossier.bilan.public_id}/conservation/"
    html = login_as(world.consultant_a).get(url).content.decode()
    assert html.count("<h1") == 1
    assert "R6313-7 b)" in html
    assert "04/05/2029" in html
    assert "Détruire maintenant" not in html  # admins only
    admin = login_as(world.admin_a)
    assert "Détruire maintenant" in admin.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url + "purger/").status_code == 302
    html = admin.get(url).content.decode()
    assert "Notes confidentielles de séance" in html
    assert login_as(world.consultant_b).get(url).status_code == 404
    assert login_as(world.consultant_a).post(url + "purger/").status_code == 403
