"""Need-to-know (domain.md §8 rule 11, professional secrecy): ``beneficiaires/acces.py`` decides
who sees and who acts on a bilan, a beneficiary and their confidential parts.

The intra-organisation sweep (tests/tenancy/test_isolation_sweep.py) requests every URL; these
tests name the defects found by hand and the rules, one by one.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from beneficiaires import acces, selectors
from beneficiaires.models import Beneficiaire, Bilan, Consentement, Phase, StatutBilan
from beneficiaires.services.consentements import consentement_accorder
from bilan.core.models import Membership, Role
from bilan.core.tenancy import tenant_context
from seances.models import Seance
from seances.services import travail
from syntheses.models import Synthese
from tests.factories.beneficiaires import document_for
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db

SECRET_NOTES = "NOTES-SECRETES-226-13"
SECRET_RENDU = "RENDU-PERSONNEL-226-13"
SECRET_SYNTHESE = "SYNTHESE-CONFIDENTIELLE-226-13"


@pytest.fixture
def autre(world):
    """A consultant of the same organisation who is on none of beneficiaire_a's bilans."""
    return staff_user(organisation=world.org_a, email="autre-consultant@a.test")


@pytest.fixture
def assistant(world):
    return staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="assistant@a.test")


@pytest.fixture
def dossier(world):
    """beneficiaire_a's bilan in conclusion, with a séance carrying notes, a submitted personal
    work and a synthèse: every confidential part at once."""
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    with tenant_context(world.org_a):
        seance = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase=Phase.PRELIMINAIRE,
            type="entretien",
            intitule="Entretien",
            debut=timezone.now() + dt.timedelta(days=1),
            duree_minutes=60,
            modalite="telephone",
            notes=SECRET_NOTES,
        )
        seance_travail = Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase=Phase.CONCLUSION,
            type="travail_personnel",
            intitule="Travail personnel guidé",
            debut=timezone.now() + dt.timedelta(days=2),
            duree_minutes=60,
            modalite="autonomie",
        )
        consigne = travail.consigne_creer(
            seance=seance_travail, titre="Consigne", consignes="Faire", temps_attendu_minutes=60
        )
        rendu = travail.rendu_soumettre(
            consigne=consigne,
            texte=SECRET_RENDU,
            temps_declare_minutes=60,
            fichiers=[SimpleUploadedFile("r.pdf", b"%PDF-1.4 r", "application/pdf")],
            par=world.beneficiaire_user_a,
        )
        synthese = Synthese.objects.create(
            organisation=world.org_a, bilan=bilan, circonstances=f"<p>{SECRET_SYNTHESE}</p>"
        )
        consentement = consentement_accorder(
            beneficiaire=world.beneficiaire_a, type="participation", methode="papier", par=None
        )
        fichier = rendu.fichiers.get()
    return {
        "bilan": bilan,
        "seance": seance,
        "consigne": consigne,
        "fichier": fichier,
        "synthese": synthese,
        "consentement": consentement,
        "document": document_for(world.beneficiaire_a, by=world.consultant_a),
    }


def _membership(user, organisation) -> Membership:
    return Membership.objects.select_related("user", "organisation").get(
        user=user, organisation=organisation
    )


def _page(response) -> str:
    return response.content.decode()


# --- The rules, as data -----------------------------------------------------------------------


def test_regle_11_rights_by_member(world, dossier, autre, assistant):
    bilan = dossier["bilan"]
    associe = staff_user(organisation=world.org_a, email="associe@a.test")
    with tenant_context(world.org_a):
        bilan.consultants_associes.add(associe)

        def droits(user, **kw):
            return acces.acces_bilan(membership=_membership(user, world.org_a), bilan=bilan, **kw)

        referent = droits(world.consultant_a)
        assert referent == acces.AccesBilan(
            voir=True,
            administrer=True,
            accompagner=True,
            lire_confidentiel=True,
            lire_notes=True,
            organiser_suivi=True,
            detruire=False,
        )
        # Associated: everything but another consultant's séance notes.
        assert droits(associe).lire_confidentiel
        assert not droits(associe).lire_notes
        assert droits(associe, consultant_seance_id=associe.pk).lire_notes
        # Admin: administration and confidential content on need-to-know, not the notes.
        admin = droits(world.admin_a)
        assert admin.administrer
        assert admin.lire_confidentiel
        assert admin.detruire
        assert not admin.lire_notes
        # Assistant: administrative data and the follow-up's logistics, nothing else.
        assert droits(assistant) == acces.AccesBilan(voir=True, organiser_suivi=True)
        # Another consultant of the organisation: nothing at all.
        assert droits(autre) == acces.AUCUN_BILAN
        # Another organisation's member: nothing either.
        assert (
            acces.acces_bilan(membership=_membership(world.consultant_b, world.org_b), bilan=bilan)
            == acces.AUCUN_BILAN
        )
        with pytest.raises(Http404):
            acces.exiger_bilan(membership=_membership(autre, world.org_a), bilan=bilan)
        with pytest.raises(PermissionDenied):
            acces.exiger_bilan(
                membership=_membership(assistant, world.org_a),
                bilan=bilan,
                droit=acces.Droit.LIRE_CONFIDENTIEL,
            )
        with pytest.raises(PermissionDenied):
            acces.verifier_bilan(user=autre, bilan=bilan, droit=acces.Droit.ADMINISTRER)
        # Lists follow the same rule.
        assert list(acces.bilans_visibles(membership=_membership(autre, world.org_a))) == []
        assert bilan in acces.bilans_visibles(membership=_membership(associe, world.org_a))
        assert bilan in acces.bilans_visibles(membership=_membership(assistant, world.org_a))
        assert world.beneficiaire_a in acces.beneficiaires_visibles(
            membership=_membership(associe, world.org_a)
        )
        assert not acces.beneficiaires_visibles(membership=_membership(autre, world.org_a)).exists()


def test_regle_11_my_bilans_list_holds_the_co_consulted_dossier_only_for_its_consultants(
    world, dossier, autre, login_as
):
    """ "My bilans" (the list and the cockpit) reads co-consulting through ``parmi`` (issue 16):
    the associated consultant finds the dossier there, another consultant does not, and the
    referent still does."""
    bilan = dossier["bilan"]
    associe = staff_user(organisation=world.org_a, email="associe@a.test")
    with tenant_context(world.org_a):
        bilan.consultants_associes.add(associe)
        mes_bilans = selectors.bilans_lister(
            visibles=acces.bilans_visibles(membership=_membership(associe, world.org_a)),
            consultant=associe,
        )
        assert list(mes_bilans) == [bilan]
        assert list(selectors.bilans_lister(consultant=autre)) == []
    assert bilan.numero in login_as(associe).get("/app/bilans/").content.decode()
    assert bilan.numero in login_as(world.consultant_a).get("/app/bilans/").content.decode()
    assert bilan.numero not in login_as(autre).get("/app/bilans/").content.decode()


def test_regle_11_a_deactivated_or_demoted_consultant_loses_the_assignment(world, dossier):
    bilan = dossier["bilan"]
    membership = _membership(world.consultant_a, world.org_a)
    with tenant_context(world.org_a):
        membership.role = Role.ASSISTANT
        assert not acces.acces_bilan(membership=membership, bilan=bilan).lire_confidentiel
        membership.role = Role.CONSULTANT
        membership.is_active = False
        assert acces.acces_bilan(membership=membership, bilan=bilan) == acces.AUCUN_BILAN


# --- The defects reproduced by hand -----------------------------------------------------------


def test_regle_11_other_consultant_cannot_abandon_revoke_edit_or_download(
    world, login_as, dossier, autre
):
    bilan = dossier["bilan"]
    beneficiaire = world.beneficiaire_a
    client = login_as(autre)
    response = client.post(
        f"/app/bilans/{bilan.public_id}/action/abandonner/",
        {"cause": "autre", "motif": "Pas mon bilan"},
    )
    assert response.status_code == 404
    response = client.post(
        f"/app/beneficiaires/{beneficiaire.public_id}/consentements/"
        f"{dossier['consentement'].public_id}/revoquer/"
    )
    assert response.status_code == 404
    response = client.post(
        f"/app/beneficiaires/{beneficiaire.public_id}/modifier/",
        {"prenom": "Intrus", "nom": "Intrus", "email": "intrus@exemple.test"},
    )
    assert response.status_code == 404
    response = client.get(
        f"/app/beneficiaires/{beneficiaire.public_id}/documents/{dossier['document'].public_id}/"
    )
    assert response.status_code == 404
    for url in (f"/app/bilans/{bilan.public_id}/", f"/app/beneficiaires/{beneficiaire.public_id}/"):
        assert client.get(url).status_code == 404
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.EN_COURS
        assert Consentement.objects.get(pk=dossier["consentement"].pk).revoque_le is None
        fresh = Beneficiaire.objects.get(pk=beneficiaire.pk)
        assert (fresh.prenom, fresh.nom, fresh.email) == (
            beneficiaire.prenom,
            beneficiaire.nom,
            beneficiaire.email,
        )
    # The bilan's own consultant still may.
    response = login_as(world.consultant_a).get(
        f"/app/beneficiaires/{beneficiaire.public_id}/documents/{dossier['document'].public_id}/"
    )
    assert response.status_code == 200


def test_regle_11_lists_show_only_what_the_member_may_see(world, login_as, dossier, autre):
    numero = dossier["bilan"].numero
    nom = world.beneficiaire_a.nom
    client = login_as(autre)
    assert numero not in _page(client.get("/app/bilans/?consultant="))
    assert nom not in _page(client.get("/app/beneficiaires/"))
    assert numero in _page(login_as(world.consultant_a).get("/app/bilans/"))
    assert nom in _page(login_as(world.consultant_a).get("/app/beneficiaires/"))


# --- Assistants: administrative data only -----------------------------------------------------


def test_regle_11_assistant_reads_no_work_submission_notes_or_synthese(
    world, login_as, dossier, assistant
):
    client = login_as(assistant)
    consigne, fichier = dossier["consigne"], dossier["fichier"]
    page = client.get(f"/app/travail/consignes/{consigne.public_id}/")
    assert page.status_code == 200
    assert SECRET_RENDU not in _page(page)
    assert fichier.nom_original not in _page(page)
    url = f"/app/travail/consignes/{consigne.public_id}/fichiers/{fichier.public_id}/"
    assert client.get(url).status_code == 403
    page = client.get(f"/app/seances/{dossier['seance'].public_id}/")
    assert page.status_code == 200
    assert SECRET_NOTES not in _page(page)
    response = client.post(
        f"/app/seances/{dossier['seance'].public_id}/action/notes/", {"notes": "écrasé"}
    )
    assert response.status_code == 403
    bilan = dossier["bilan"]
    assert client.get(f"/app/syntheses/bilans/{bilan.public_id}/").status_code == 403
    assert (
        client.get(f"/app/syntheses/{dossier['synthese'].public_id}/versions/").status_code == 403
    )
    # The dossier page itself is administrative: readable, with no confidential content.
    page = _page(client.get(f"/app/bilans/{bilan.public_id}/"))
    for secret in (SECRET_NOTES, SECRET_RENDU, SECRET_SYNTHESE):
        assert secret not in page
    # The beneficiary's page lists administrative pieces only, not work documents.
    page = _page(client.get(f"/app/beneficiaires/{world.beneficiaire_a.public_id}/"))
    assert dossier["document"].titre not in page
    with tenant_context(world.org_a):
        assert Seance.objects.get(pk=dossier["seance"].pk).notes == SECRET_NOTES
    # Services refuse too (second line).
    with tenant_context(world.org_a), pytest.raises(PermissionDenied):
        travail.rendu_retour_enregistrer(rendu=consigne.rendu, retour="Bien", par=assistant)


def test_regle_11_assistant_does_not_act_on_the_administration(world, login_as, dossier, assistant):
    bilan = dossier["bilan"]
    client = login_as(assistant)
    response = client.post(
        f"/app/bilans/{bilan.public_id}/action/abandonner/",
        {"cause": "autre", "motif": "Assistant"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/app/bilans/{bilan.public_id}/paiements/",
        {"montant": "100", "le": "2026-01-10", "mode": "virement"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/app/beneficiaires/{world.beneficiaire_a.public_id}/consentements/"
        f"{dossier['consentement'].public_id}/revoquer/"
    )
    assert response.status_code == 403
    with tenant_context(world.org_a):
        assert Bilan.objects.get(pk=bilan.pk).statut == StatutBilan.EN_COURS
        assert not bilan.paiements.exists()
        assert Consentement.objects.get(pk=dossier["consentement"].pk).revoque_le is None


def test_a_consultant_who_opens_a_file_follows_it(world, login_as):
    response = login_as(world.consultant_a).post(
        "/app/beneficiaires/nouveau/",
        {"prenom": "Noa", "nom": "Petit", "email": "noa@exemple.test", "statut": "salarie_prive"},
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        assert Beneficiaire.objects.get(email="noa@exemple.test").consultant == world.consultant_a
    assert login_as(world.consultant_a).get(response["Location"]).status_code == 200


def test_regle_11_the_dossier_page_offers_each_member_only_what_they_may_do(
    world, login_as, dossier, assistant
):
    """The assistant reads the dossier page without the actions the server would refuse;
    the bilan's consultant gets them."""
    bilan = dossier["bilan"]
    url = f"/app/bilans/{bilan.public_id}/"
    actions = (
        f"/app/bilans/{bilan.public_id}/action/abandonner/",
        f"/app/bilans/{bilan.public_id}/modifier/",
        f"/app/seances/nouvelle/{bilan.public_id}/",
        f"/app/syntheses/bilans/{bilan.public_id}/",
    )
    page = _page(login_as(assistant).get(url))
    assert bilan.numero in page
    assert not [a for a in actions if a in page]
    page = _page(login_as(world.consultant_a).get(url))
    assert [a for a in actions if a in page] == list(actions)


def test_regle_11_the_beneficiary_page_offers_the_assistant_no_action(
    world, login_as, dossier, assistant
):
    url = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/"
    actions = (
        f"{url}modifier/",
        f"{url}consentements/",
        f"{url}entretien/",
        f"{url}documents/",
        f"/app/bilans/nouveau/{world.beneficiaire_a.public_id}/",
    )
    page = _page(login_as(assistant).get(url))
    assert world.beneficiaire_a.nom in page
    assert not [a for a in actions if f'"{a}"' in page]
    page = _page(login_as(world.consultant_a).get(url))
    # Every action but opening a second bilan: one is open (one open bilan per person).
    assert [a for a in actions if f'"{a}"' in page] == list(actions[:-1])
    assert "est en cours : un nouveau bilan pourra être ouvert" in page
