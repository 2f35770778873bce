"""The outsider sweep: every URL that takes an object id, requested by organisation B's staff
and beneficiary with organisation A's objects, answers 404 (or 403) and changes nothing.

URLs are discovered from the URL configuration, so a new view is swept as soon as it exists.
A new kind of id must be taught to ``OBJECT_IDS`` below, or this test fails and says so.

The intra-organisation pass (at the end) sweeps the same staff URLs as members of organisation
A itself who are outside the bilan's need-to-know (``beneficiaires/acces.py``): a consultant
not assigned to it, and an assistant.
"""

import hashlib
import re

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from beneficiaires.models import Notification
from beneficiaires.services.consentements import consentement_accorder
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.models import Invitation, Membership, Organisation
from bilan.core.services import invitation_creer
from bilan.core.tenancy import TenantOwned, tenant_context
from tests.factories.beneficiaires import document_for
from tests.factories.bilans import bilan_for, programme_for
from tests.factories.signatures import issued_document

pytestmark = pytest.mark.django_db

# Path kwargs that are secrets held by their addressee rather than object ids.
NOT_OBJECT_IDS = {"token", "uidb36", "key", "code"}
# ("code": a code ROME, public reference data that every member and beneficiary reads.)


def _staff_invitation(world):
    invitation, _token = invitation_creer(
        organisation=world.org_a,
        email="nouvelle@a.test",
        role="consultant",
        invited_by=world.admin_a,
    )
    return invitation


def _passkey_of_admin_a(world):
    # allauth's passkey pages take the authenticator's integer pk and filter on the user.
    return Authenticator.objects.create(
        user=world.admin_a,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Clé de test", "credential": {}},
    ).pk


def _bilan_a(world):
    if not hasattr(world, "_bilan"):
        world._bilan = bilan_for(world.beneficiaire_a)
    return world._bilan


def _demande_suppression_a(world):
    from beneficiaires.models import DemandeSuppression

    with tenant_context(world.org_a):
        return DemandeSuppression.objects.create(
            organisation=world.org_a, beneficiaire=world.beneficiaire_a, par=world.admin_a
        )


def _question_entretien_a(world):
    """An intake question of organisation A's prior-interview form (rule 12)."""
    from beneficiaires.models import QuestionEntretien

    with tenant_context(world.org_a):
        return QuestionEntretien.objects.create(
            organisation=world.org_a,
            libelle="Métier visé",
            finalite="Préparer la phase d'investigation",
            type="texte",
        )


def _entretien_a(world):
    """A prior interview of organisation A's beneficiary (correcting it)."""
    from django.utils import timezone

    from beneficiaires.models import EntretienPrealable

    with tenant_context(world.org_a):
        return EntretienPrealable.objects.create(
            organisation=world.org_a,
            beneficiaire=world.beneficiaire_a,
            consultant=world.consultant_a,
            date=timezone.now(),
            demande="Changer de métier",
            issue="bilan",
        )


def _consentement_a(world):
    with tenant_context(world.org_a):
        return consentement_accorder(
            beneficiaire=world.beneficiaire_a, type="participation", methode="papier", par=None
        )


def _seance_a(world):
    """A planned séance of organisation A's bilan (agenda: reschedule, cancel)."""
    if not hasattr(world, "_seance"):
        import datetime as dt

        from django.utils import timezone

        from seances.models import Seance

        bilan = _bilan_a(world)
        with tenant_context(world.org_a):
            world._seance = Seance.objects.create(
                organisation=world.org_a,
                bilan=bilan,
                consultant=world.consultant_a,
                phase="preliminaire",
                type="entretien",
                intitule="Entretien individuel",
                debut=timezone.now() + dt.timedelta(days=2),
                duree_minutes=60,
                modalite="telephone",
            )
    return world._seance


def _travail_a(world):
    """A consigne of guided personal work of organisation A, submitted with one file."""
    if not hasattr(world, "_travail"):
        import datetime as dt

        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.utils import timezone

        from seances.models import Seance
        from seances.services import travail

        bilan = _bilan_a(world)
        with tenant_context(world.org_a):
            seance = Seance.objects.create(
                organisation=world.org_a,
                bilan=bilan,
                consultant=world.consultant_a,
                phase="investigation",
                type="travail_personnel",
                intitule="Travail personnel guidé",
                debut=timezone.now() + dt.timedelta(days=3),
                duree_minutes=60,
                modalite="autonomie",
            )
            consigne = travail.consigne_creer(
                seance=seance, titre="Consigne", consignes="Faire", temps_attendu_minutes=60
            )
            rendu = travail.rendu_soumettre(
                consigne=consigne,
                texte="Réponse",
                temps_declare_minutes=60,
                fichiers=[SimpleUploadedFile("r.pdf", b"%PDF-1.4 r", "application/pdf")],
                par=world.beneficiaire_user_a,
            )
            world._travail = (consigne, rendu.fichiers.get())
    return world._travail


def _suivi_a(world):
    """A follow-up interview of an ended bilan of organisation A."""
    import datetime as dt

    from seances.models import EntretienSuivi

    bilan = bilan_for(world.beneficiaire_a, statut="clos", date_fin_reelle=dt.date(2026, 1, 15))
    with tenant_context(world.org_a):
        return EntretienSuivi.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            date_prevue=dt.datetime(2026, 7, 15, 8, tzinfo=dt.UTC),
        )


def _synthese_a(world):
    """The synthèse of organisation A's bilan (staff editor, autosave, workflow, versions)."""
    if not hasattr(world, "_synthese"):
        from syntheses.models import Synthese

        bilan = _bilan_a(world)
        with tenant_context(world.org_a):
            world._synthese = Synthese.objects.create(
                organisation=world.org_a, bilan=bilan, circonstances="<p>Texte</p>"
            )
    return world._synthese


def _notification_a(world):
    """A portal notice of organisation A's beneficiary (opening it marks it read)."""
    if not hasattr(world, "_notification"):
        with tenant_context(world.org_a):
            world._notification = notification_envoyer(
                beneficiaire=world.beneficiaire_a,
                bilan=_bilan_a(world),
                sujet=Notification.Sujet.SEANCE_PLANIFIEE,
                texte="Une séance est planifiée.",
                lien="/portail/",
                cle="balayage:notification",
            )
    return world._notification


def _partage_a(world):
    """A share of organisation A's synthèse (documents_fin: stop a share)."""
    from syntheses.models import Partage

    synthese = _synthese_a(world)
    with tenant_context(world.org_a):
        consentement = consentement_accorder(
            beneficiaire=world.beneficiaire_a,
            type="synthese_cep",
            methode="portail",
            destinataire="CEP",
            declaration="Je demande la transmission de ma synthèse à « CEP ».",
            par=None,
        )
        return Partage.objects.create(
            organisation=world.org_a,
            synthese=synthese,
            consentement=consentement,
            destinataire="CEP",
            par=world.consultant_a,
        )


def _relance_a(world):
    """A failed outbox row of organisation A (retry is a POST)."""
    from django.utils import timezone

    from relances.models import Relance

    with tenant_context(world.org_a):
        return Relance.objects.create(
            organisation=world.org_a,
            kind=Relance.Kind.QUALIOPI_EXPIRATION,
            target_type="organisation",
            target_id=world.org_a.public_id,
            destinataire="alice@a.test",
            due_le=timezone.now(),
            cle_unique="balayage",
            statut=Relance.Statut.ECHEC,
        )


def _question_a(world):
    from enquetes.services import questionnaire_obtenir

    with tenant_context(world.org_a):
        return questionnaire_obtenir(organisation=world.org_a, kind="chaud").questions.first()


def _reponse_a(world):
    """A sent satisfaction survey of organisation A's bilan."""
    from django.utils import timezone

    from enquetes.services import enquete_marquer_envoyee, enquete_preparer

    with tenant_context(world.org_a):
        reponse = enquete_preparer(bilan=_bilan_a(world), kind="chaud")
        enquete_marquer_envoyee(reponse=reponse, le=timezone.now())
        return reponse


def _passation_a(world):
    """A finished questionnaire of organisation A's bilan, results not released yet."""
    if not hasattr(world, "_passation"):
        from exploration.instruments import RIASEC_48, instrument
        from exploration.services import questionnaires

        with tenant_context(world.org_a):
            passation = questionnaires.passation_assigner(
                bilan=_bilan_a(world),
                seance=_seance_a(world),
                instrument_code=RIASEC_48,
                par=world.consultant_a,
            )
            questionnaires.passation_repondre(
                passation=passation,
                reponses={i.id: 3 for i in instrument(RIASEC_48).items},
                page=1,
                par=world.beneficiaire_user_a,
            )
            world._passation = questionnaires.passation_terminer(
                passation=passation, par=world.beneficiaire_user_a
            )
    return world._passation


def _qualite_a(world):
    """Organisation A's quality rows: a complaint, a staff record line with its proof, a
    document version and a published offer page (qualiopi registers, documents, offers)."""
    import datetime as dt
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from qualiopi.models import Intervenant, OffreVersion, PieceIntervenant, Reclamation
    from qualiopi.services.documents import document_version_deposer
    from qualiopi.services.offres import offre_version_publier
    from qualiopi.services.registres import entree_enregistrer, piece_intervenant_enregistrer

    if not hasattr(world, "_qualite"):
        org, admin = world.org_a, world.admin_a
        with tenant_context(org):
            reclamation = entree_enregistrer(
                entree=Reclamation(
                    recue_le=dt.date(2026, 3, 2),
                    canal="courriel",
                    nature="autre",
                    objet="Réclamation de A",
                    description="d",
                ),
                organisation=org,
                par=admin,
            )
            intervenant = entree_enregistrer(
                entree=Intervenant(nom="Intervenante A"), organisation=org, par=admin
            )
            piece = piece_intervenant_enregistrer(
                piece=PieceIntervenant(
                    kind="habilitation", intitule="MBTI", date=dt.date(2025, 1, 1)
                ),
                intervenant=intervenant,
                fichier=SimpleUploadedFile("h.pdf", b"%PDF-1.4 h"),
            )
            version = document_version_deposer(
                organisation=org,
                kind="livret_accueil",
                fichier=SimpleUploadedFile("l.pdf", b"%PDF-1.4 l"),
                en_vigueur_le=dt.date(2026, 1, 1),
                commentaire="",
                par=admin,
            )
            offre = offre_version_publier(
                programme=programme_for(org, slug="retrospection-prospective"),
                version=OffreVersion(
                    titre="Offre A",
                    objectifs="o",
                    public_vise="p",
                    duree_heures=Decimal("24"),
                    duree_repartition="r",
                    delai_acces="d",
                    tarif="t",
                    financements="f",
                    accessibilite="a",
                    referent_handicap_contact="r",
                    contacts="c",
                    methodes="m",
                    modalites_evaluation="e",
                ),
                resultats_debut=dt.date(2025, 1, 1),
                resultats_fin=dt.date(2025, 12, 31),
                par=admin,
            ).offre
        world._qualite = {
            "reclamation": reclamation,
            "intervenant": intervenant,
            "piece": piece,
            "version": version,
            "offre": offre,
        }
    return world._qualite


def _export_qualiopi_a(world):
    """A ready evidence archive of organisation A (admins only; download is a GET)."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from bilan.core.models import private_storage
    from qualiopi.models import ExportQualiopi

    nom = private_storage().save(
        f"org-{world.org_a.pk}/exports/balayage.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18)
    )
    with tenant_context(world.org_a):
        return ExportQualiopi.objects.create(
            organisation=world.org_a,
            demande_par=world.admin_a,
            debut=dt.date(2026, 1, 1),
            fin=dt.date(2026, 6, 30),
            statut=ExportQualiopi.Statut.PRET,
            fichier=nom,
            taille=22,
            termine_le=timezone.now(),
            expire_le=timezone.now() + dt.timedelta(days=7),
        )


def _piste_a(world):
    """A piste métier of organisation A's bilan, with an enquête métier linked to it."""
    if not hasattr(world, "_piste"):
        import datetime as dt

        from exploration.models import EnqueteMetier, Fiche, Piste

        fiche, _ = Fiche.objects.get_or_create(
            code="D1102",
            defaults={"libelle": "Boulanger / Boulangère", "domaine_code": "D11"},
        )
        with tenant_context(world.org_a):
            piste = Piste.objects.create(
                organisation=world.org_a,
                bilan=_bilan_a(world),
                fiche=fiche,
                ajoutee_par="beneficiaire",
                note_beneficiaire="Note",
            )
            enquete = EnqueteMetier.objects.create(
                organisation=world.org_a,
                bilan=piste.bilan,
                piste=piste,
                interlocuteur="Paul",
                fonction="Boulanger",
                type_organisation="entreprise",
                rencontre_le=dt.date(2026, 3, 1),
            )
            world._piste = (piste, enquete)
    return world._piste


OBJECT_IDS = {
    "pk": _passkey_of_admin_a,
    "beneficiaire_id": lambda world: world.beneficiaire_a.public_id,
    "membership_id": lambda world: (
        Membership.objects.get(organisation=world.org_a, user=world.consultant_a).public_id
    ),
    "invitation_id": lambda world: _staff_invitation(world).public_id,
    "document_id": lambda world: (
        document_for(world.beneficiaire_a, by=world.consultant_a).public_id
    ),
    "programme_id": lambda world: programme_for(world.org_a).public_id,
    "bilan_id": lambda world: _bilan_a(world).public_id,
    "signed_document_id": lambda world: (
        issued_document(
            beneficiaire=world.beneficiaire_a,
            by=world.admin_a,
            subject_id=_bilan_a(world).public_id,
        ).public_id
    ),
    "consentement_id": lambda world: _consentement_a(world).public_id,
    "demande_id": lambda world: _demande_suppression_a(world).public_id,
    "consigne_id": lambda world: _travail_a(world)[0].public_id,
    "fichier_id": lambda world: _travail_a(world)[1].public_id,
    "suivi_id": lambda world: _suivi_a(world).public_id,
    "seance_id": lambda world: _seance_a(world).public_id,
    "relance_id": lambda world: _relance_a(world).public_id,
    "question_id": lambda world: _question_a(world).public_id,
    "question_entretien_id": lambda world: _question_entretien_a(world).public_id,
    "entretien_id": lambda world: _entretien_a(world).public_id,
    "reponse_id": lambda world: _reponse_a(world).public_id,
    "partage_id": lambda world: _partage_a(world).public_id,
    "synthese_id": lambda world: _synthese_a(world).public_id,
    "notification_id": lambda world: _notification_a(world).public_id,
    "passation_id": lambda world: _passation_a(world).public_id,
    # Quality registers: the register's slug is not an id; its rows are.
    "registre": lambda world: "reclamations",
    # Public offer pages: the organisation's slug (routes skipped by the outsider sweep).
    "org_slug": lambda world: world.org_a.slug,
    "entree_id": lambda world: _qualite_a(world)["reclamation"].public_id,
    "intervenant_id": lambda world: _qualite_a(world)["intervenant"].public_id,
    "piece_id": lambda world: _qualite_a(world)["piece"].public_id,
    "version_id": lambda world: _qualite_a(world)["version"].public_id,
    "offre_id": lambda world: _qualite_a(world)["offre"].public_id,
    "export_id": lambda world: _export_qualiopi_a(world).public_id,
    "piste_id": lambda world: _piste_a(world)[0].public_id,
    "enquete_id": lambda world: _piste_a(world)[1].public_id,
    # Not an id: the lifecycle action of /app/bilans/<bilan_id>/action/<action>/.
    "action": lambda world: "demarrer",
    # Not an id: which form of the agenda's séance (/app/agenda/seances/<seance_id>/formulaire/).
    "quoi": lambda world: "annuler",
    # Signing links (/signature/<organisation_id>/<token>/): organisation A's id with a token
    # that is not one of its links. A valid token is a bearer secret, not an id to sweep.
    "organisation_id": lambda world: world.org_a.public_id,
    "token": lambda world: "jeton-inconnu",
    # Not an id either: a code ROME (reference data, see NOT_OBJECT_IDS), to fill the route.
    "code": lambda world: "D1102",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _patterns_with_ids():
    found = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith("admin/"):
            continue  # Django's admin: superusers only, covered by its own test.
        if route.startswith("offre/"):
            # Public offer pages (rule 31): anyone reads them by design; their 404 for an
            # unknown organisation or an unpublished offer is tested in tests/qualiopi.
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        names = [n for n in names if n not in NOT_OBJECT_IDS]
        if names:
            found.append((route, names))
    return found


def _fill(route, values):
    def replace(match):
        return str(values[match.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", replace, route)


def _snapshot():
    """A digest of every row of every project table. Tenant tables are read organisation by
    organisation, each bound in turn, since row-level security shows nothing unbound."""
    digest = hashlib.sha256()
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label
        in {
            "core",
            "beneficiaires",
            "seances",
            "syntheses",
            "relances",
            "enquetes",
            "exploration",
            "qualiopi",
            "account",
            "mfa",
        }
    ]
    for organisation in Organisation.objects.order_by("pk"):
        with tenant_context(organisation):
            for model in models:
                if issubclass(model, TenantOwned):
                    for row in model.objects.order_by("pk").values():
                        digest.update(repr(sorted(row.items())).encode())
    for model in models:
        if not issubclass(model, TenantOwned):
            for row in model._base_manager.order_by("pk").values():
                digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()


def test_sweep_discovers_the_object_urls():
    routes = {route for route, _ in _patterns_with_ids()}
    assert "app/beneficiaires/<uuid:beneficiaire_id>/" in routes
    assert "app/organisation/membres/<uuid:membership_id>/desactiver/" in routes


def test_every_id_kind_is_known_to_the_sweep():
    unknown = {
        (route, name)
        for route, names in _patterns_with_ids()
        for name in names
        if name not in OBJECT_IDS
    }
    assert not unknown, f"Ajoutez ces identifiants à OBJECT_IDS : {sorted(unknown)}"


@pytest.mark.parametrize("outsider", ["consultant_b", "beneficiaire_user_b"])
def test_outsider_gets_404_and_nothing_changes(world, login_as, outsider):
    values = {name: make(world) for name, make in OBJECT_IDS.items()}
    client = login_as(getattr(world, outsider))
    own_space = "/portail/" if outsider.startswith("beneficiaire") else "/app/"
    safe_redirects = (own_space, "/accounts/reauthenticate/")
    before = _snapshot()
    checked = []
    for route, _names in _patterns_with_ids():
        url = _fill(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in {302, 403, 404, 405}, (method, url, response)
            if response.status_code == 302:
                # Only a bounce to the outsider's own space or to re-authentication.
                assert response["Location"].startswith(safe_redirects), (method, url, response)
            checked.append((method, url))
    assert _snapshot() == before, "Une requête de l'extérieur a modifié des données."
    assert len(checked) >= 2 * len(OBJECT_IDS)


def test_the_owner_can_reach_the_same_urls(world, login_as):
    """Guards the sweep itself: the ids it uses are real, so a 404 means isolation."""
    client = login_as(world.admin_a)
    url = f"/app/beneficiaires/{world.beneficiaire_a.public_id}/"
    assert client.get(url).status_code == 200
    invitation = Invitation.objects.get(public_id=OBJECT_IDS["invitation_id"](world))
    response = client.post(f"/app/organisation/invitations/{invitation.public_id}/revoquer/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_the_snapshot_sees_tenant_rows(world):
    """Guards the sweep: a change to a tenant row must change the digest."""
    before = _snapshot()
    with tenant_context(world.org_a):
        type(world.beneficiaire_a).objects.filter(pk=world.beneficiaire_a.pk).update(nom="Changé")
    assert _snapshot() != before


# --- Intra-organisation pass: need-to-know (domain rules 10-11, beneficiaires/acces.py) ------

# The organisation's programme templates hold no bilan and no beneficiary: every consultant
# reads and edits them by design, so they are outside this pass.
HORS_BESOIN_DE_SAVOIR = {
    "app/programmes/<uuid:programme_id>/",
    "app/programmes/<uuid:programme_id>/modifier/",
}

# What an assistant reads: administrative data only (the beneficiary's page and the dossier
# page without confidential content, the attendance page and certificate, the convention, the
# consignes' logistics, the follow-up's page).
LECTURES_ASSISTANT = {
    ("get", "app/beneficiaires/<uuid:beneficiaire_id>/"),
    ("get", "app/bilans/<uuid:bilan_id>/"),
    ("get", "app/bilans/<uuid:bilan_id>/documents/<uuid:signed_document_id>/telecharger/"),
    ("get", "app/seances/<uuid:seance_id>/"),
    ("get", "app/programmes/bilans/<uuid:bilan_id>/calendrier/"),
    ("get", "app/seances/<uuid:seance_id>/emargement/"),
    ("get", "app/seances/bilans/<uuid:bilan_id>/attestation-assiduite.pdf"),
    ("get", "app/travail/bilans/<uuid:bilan_id>/"),
    ("get", "app/travail/consignes/<uuid:consigne_id>/"),
    ("get", "app/travail/bilans/<uuid:bilan_id>/suivi/"),
}
# What an assistant does: the follow-up's logistics only (tested in tests/seances/test_suivi.py);
# not requested here since it may legitimately change rows.
ACTIONS_ASSISTANT = {
    ("post", "app/travail/bilans/<uuid:bilan_id>/suivi/"),
    ("post", "app/travail/suivis/<uuid:suivi_id>/annuler/"),
}


def _snapshot_sans_journal():
    """``_snapshot`` minus the access journal, which rightly grows with allowed reads."""
    from bilan.core.models import AuditEvent

    digest = hashlib.sha256()
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label
        in {"core", "beneficiaires", "seances", "syntheses", "relances", "enquetes", "exploration"}
        and m is not AuditEvent
    ]
    for organisation in Organisation.objects.order_by("pk"):
        with tenant_context(organisation):
            for model in models:
                if issubclass(model, TenantOwned):
                    for row in model.objects.order_by("pk").values():
                        digest.update(repr(sorted(row.items())).encode())
    for model in models:
        if not issubclass(model, TenantOwned):
            for row in model._base_manager.order_by("pk").values():
                digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()


def _journal(world):
    from bilan.core.models import AuditEvent

    with tenant_context(world.org_a):
        return list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "object_type"))


@pytest.mark.parametrize("acteur", ["consultant_non_assigne", "assistant"])
def test_regle_11_intra_organisation_need_to_know(world, login_as, acteur):
    """Every staff URL with an id, GET and POST, by a member of the SAME organisation outside
    the bilan's need-to-know: refused (a consultant not on the bilan gets 404 or 403; an
    assistant reads only administrative pages) and nothing changes in the database."""
    from bilan.core.models import AuditEvent, Role
    from tests.factories.core import staff_user

    values = {name: make(world) for name, make in OBJECT_IDS.items()}
    if acteur == "assistant":
        user = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="assi@a.test")
    else:
        user = staff_user(organisation=world.org_a, email="pas-sur-le-bilan@a.test")
    client = login_as(user)
    before = _snapshot_sans_journal()
    journal_avant = _journal(world)
    refus = lectures = 0
    for route, _names in _patterns_with_ids():
        if not route.startswith("app/") or route in HORS_BESOIN_DE_SAVOIR:
            continue
        url = _fill(route, values)
        for method in ("get", "post"):
            if acteur == "assistant" and (method, route) in ACTIONS_ASSISTANT:
                continue
            response = getattr(client, method)(url)
            if acteur == "assistant" and (method, route) in LECTURES_ASSISTANT:
                assert response.status_code == 200, (method, url, response)
                lectures += 1
                continue
            if acteur == "assistant" and ("get", route) in LECTURES_ASSISTANT:
                # A POST to a page the assistant reads: the page again or a refusal, and the
                # snapshot below proves nothing was written.
                assert response.status_code in {200, 403, 405}, (method, url, response)
                continue
            assert response.status_code in {403, 404, 405}, (method, url, response)
            if acteur == "consultant_non_assigne" and method == "get" and "bilan" in route:
                # Never reveal that a dossier exists: 404, as for another organisation.
                assert response.status_code in {404, 405}, (method, url, response)
            refus += 1
    assert _snapshot_sans_journal() == before, "Une requête hors besoin d'en connaître a écrit."
    nouveaux = [e for e in _journal(world) if e not in journal_avant]
    if acteur == "consultant_non_assigne":
        assert nouveaux == [], "Rien n'a été lu, rien ne doit être journalisé."
    else:
        assert lectures == len(LECTURES_ASSISTANT)
        assert {action for _pk, action, _t in nouveaux} <= {
            AuditEvent.Action.READ,
            AuditEvent.Action.DOWNLOAD,
        }
        # No confidential read was journaled: no work submission, notes or synthèse.
        assert not {t for _pk, _a, t in nouveaux} & {
            "travail_personnel",
            "rendu_fichier",
            "notes_seance",
            "synthese",
        }
    assert refus >= 40
