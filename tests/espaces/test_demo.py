"""The demo (``seed_demo``) shows every state of a bilan, produced by the services, on the real
database (PostgreSQL with row-level security), and loads twice without duplicating anything."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from beneficiaires.models import Bilan, StatutBilan
from bilan.core.models import Organisation, SignedDocument, User
from bilan.core.tenancy import tenant_context
from enquetes.models import KindEnquete, Reponse
from exploration.models import Passation
from seances.models import Emargement, EntretienSuivi, Rendu, Seance
from syntheses.models import Synthese
from tests.factories.core import connecter_avec_mfa

pytestmark = pytest.mark.django_db

MODELES = (
    Bilan,
    Seance,
    Emargement,
    Rendu,
    Synthese,
    Reponse,
    EntretienSuivi,
    SignedDocument,
    Passation,
)


def _compter(organisation):
    with tenant_context(organisation):
        return {modele.__name__: modele.objects.count() for modele in MODELES}


def test_the_demo_shows_every_state_through_the_services_and_loads_twice():
    call_command("seed_demo", stdout=StringIO())
    organisations = list(Organisation.objects.order_by("slug"))
    assert [o.slug for o in organisations] == ["atelier-des-parcours", "horizons-competences"]
    premiers = [_compter(o) for o in organisations]
    users = User.objects.count()

    call_command("seed_demo", stdout=StringIO())  # idempotent: nothing added, nothing doubled
    assert [_compter(o) for o in organisations] == premiers
    assert User.objects.count() == users

    for organisation in organisations:
        # Fully configured: Qualiopi dates, référent handicap, logo, accent colour.
        assert organisation.qualiopi_date_emission < organisation.qualiopi_date_expiration
        assert organisation.referent_handicap_nom
        assert organisation.logo.name.endswith(".png")
        assert organisation.couleur_accent != "#1f5f8b"  # its own, not the default
        with tenant_context(organisation):
            bilans = {b.numero: b for b in Bilan.objects.select_related("beneficiaire")}
            assert {b.statut for b in bilans.values()} >= {
                StatutBilan.DEMANDE,
                StatutBilan.PREALABLE_REALISE,
                StatutBilan.ATTENTE,
                StatutBilan.EN_COURS,
                StatutBilan.SYNTHESE_REMISE,
                StatutBilan.CLOS,
                StatutBilan.ABANDONNE,
                StatutBilan.REFUSE,
            }

            # A synthèse co-written, validated by both, signed by both and handed over.
            remises = Synthese.objects.filter(statut=Synthese.Statut.REMISE)
            assert {s.bilan.numero for s in remises} == {"DEMO-05", "DEMO-06"}
            for synthese in remises:
                assert synthese.validee_beneficiaire_le
                assert synthese.validee_consultant_le
                assert synthese.document.status == SignedDocument.Status.SIGNE
                assert sorted(synthese.document.signatures.values_list("role", flat=True)) == [
                    "beneficiaire",
                    "consultant",
                ]
                assert synthese.remise_le is not None
                assert synthese.remise_mode
                assert synthese.commentaires.exists()  # co-written: the beneficiary commented
                assert synthese.plan_action.count() == 3  # the action plan

            # Attendance signed by both on every realised séance with the beneficiary.
            realisees = Seance.objects.filter(statut=Seance.Statut.REALISEE).exclude(
                type="travail_personnel"
            )
            vecus = realisees.filter(
                bilan__numero__in=["DEMO-04", "DEMO-05", "DEMO-06", "DEMO-09", "DEMO-10"]
            )
            assert vecus.exists()
            for seance in vecus:
                roles = sorted(seance.emargements.values_list("role", flat=True))
                assert roles == ["beneficiaire", "consultant"]
                assert all(e.signe_le >= seance.debut for e in seance.emargements.all())

            # Guided work handed in and reviewed.
            rendus = Rendu.objects.filter(retour_le__isnull=False)
            assert rendus.count() >= 3
            assert all(r.soumis_le < r.retour_le for r in rendus)

            # Questionnaires (one beneficiary): a RIASEC released after the debrief, an
            # IPIP-NEO-120 under way.
            passations = list(Passation.objects.all())
            assert len({p.bilan_id for p in passations}) == 1
            riasec = next(p for p in passations if p.instrument == "riasec_48")
            assert riasec.statut == "terminee"
            assert riasec.publiee_le is not None
            assert len(riasec.resultat["code"]) == 3
            neo = next(p for p in passations if p.instrument == "ipip_neo_120")
            assert neo.statut == "en_cours"
            assert len(neo.reponses) == 37

            # Conventions or contracts signed by every party for the started bilans.
            for numero in ("DEMO-04", "DEMO-05", "DEMO-06", "DEMO-09", "DEMO-10"):
                documents = SignedDocument.objects.filter(
                    subject_id=bilans[numero].public_id, status=SignedDocument.Status.SIGNE
                ).exclude(kind="synthese")
                assert documents.count() == 1, numero
                document = documents.get()
                assert document.signatures.count() == len(document.required_roles)

            # The closed bilan: end date, surveys à chaud and à froid answered, follow-up held.
            clos = bilans["DEMO-06"]
            assert clos.statut == StatutBilan.CLOS
            assert clos.date_fin_reelle is not None
            reponses = Reponse.objects.filter(bilan=clos, repondu_le__isnull=False)
            assert sorted(reponses.values_list("kind", flat=True)) == sorted(
                [KindEnquete.CHAUD, KindEnquete.FROID]
            )
            assert all(r.items.exists() for r in reponses)
            suivi = EntretienSuivi.objects.get(bilan=clos)
            assert suivi.statut == EntretienSuivi.Statut.REALISE
            assert suivi.resultat
            assert suivi.realise_le.date() > clos.date_fin_reelle

            # Running bilans with hours left (below 24 h), the abandoned one has no synthèse.
            en_cours = [b for b in bilans.values() if b.statut == StatutBilan.EN_COURS]
            assert len(en_cours) == 3
            assert all(0 < b.minutes_comptees < 24 * 60 for b in en_cours)
            assert all(b.minutes_comptees <= 24 * 60 for b in bilans.values())
            assert not Synthese.objects.filter(bilan=bilans["DEMO-07"]).exists()
            # One in conclusion: its synthèse shared, awaiting the beneficiary's validation.
            en_redaction = Synthese.objects.get(bilan=bilans["DEMO-10"])
            assert en_redaction.statut == Synthese.Statut.PARTAGEE
            assert en_redaction.validee_beneficiaire_le is None

    # What the consultant sees of it: nothing left to sign on attendance (guided personal work
    # is proven by its handed-in work, not signed), the shared synthèse to validate.
    consultante = User.objects.get(email="consultante@atelier-parcours.example")
    page = connecter_avec_mfa(Client(), consultante).get("/app/").content.decode()
    assert "Émargement à signer ou à demander" not in page
    assert "Synthèse partagée : à valider" in page
