"""A constructed dossier for the evidence export's tests: a closed bilan with a signed
convention, a certificate, attended séances, a signed synthèse, surveys, a prior interview and
personal work, where every confidential field holds a unique sentinel sentence that must never
reach the archive."""

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

from django.utils import timezone

from beneficiaires.models import (
    Bilan,
    EntretienPrealable,
    Programme,
    ProgrammeEtape,
    QuestionEntretien,
    ReponseEntretien,
)
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.signatures import MethodeAuthentification, document_signer
from bilan.core.tenancy import tenant_context
from enquetes.models import Question, Questionnaire, Reponse, ReponseItem
from relances.models import Relance
from seances.models import Consigne, Emargement, Rendu, Seance
from syntheses.models import Synthese
from tests.factories.bilans import bilan_for
from tests.factories.signatures import issued_document

SENTINELLES = {
    "notes": "SENTINELLE-NOTES Le bénéficiaire confie une rupture familiale douloureuse.",
    "objectifs_seance": "SENTINELLE-OBJSEANCE Explorer la peur de l'échec.",
    "synthese_texte": "SENTINELLE-SYNTHESE-TEXTE Compétences en négociation rare.",
    "synthese_pdf": "SENTINELLE-SYNTHESE-PDF Projet de reconversion en ébénisterie.",
    "rendu": "SENTINELLE-RENDU Mon récit de vie commence à Brest.",
    "consigne": "SENTINELLE-CONSIGNE Rédigez votre ligne de vie.",
    "entretien_demande": "SENTINELLE-DEMANDE Je veux quitter mon manager toxique.",
    "entretien_reponse": "SENTINELLE-REPONSE-ENTRETIEN Arrêt maladie en 2025.",
    "questionnaire": "SENTINELLE-QUESTIONNAIRE Le consultant était formidable.",
    "motif": "SENTINELLE-MOTIF Hospitalisation du conjoint.",
}


@dataclass
class Dossier:
    bilan: Bilan
    convention: SignedDocument
    synthese_pdf: SignedDocument


def dossier_clos(beneficiaire, *, admin, numero: str, debut_il_y_a: int = 60) -> Dossier:
    """A closed bilan of ``beneficiaire`` started ``debut_il_y_a`` days ago, with its evidence
    and the sentinels in every confidential field."""
    organisation = beneficiaire.organisation
    consultant = beneficiaire.consultant
    aujourdhui = timezone.localdate()
    maintenant = timezone.now()
    with tenant_context(organisation):
        programme, _cree = Programme.objects.get_or_create(
            organisation=organisation, nom="Programme 24 h"
        )
        ProgrammeEtape.objects.get_or_create(
            organisation=organisation,
            programme=programme,
            ordre=1,
            phase="preliminaire",
            type="entretien",
            intitule="Entretien d'accueil",
            duree_minutes=120,
        )
        entretien = EntretienPrealable.objects.create(
            organisation=organisation,
            beneficiaire=beneficiaire,
            date=maintenant - dt.timedelta(days=debut_il_y_a + 10),
            consultant=consultant,
            demande=SENTINELLES["entretien_demande"],
            issue="bilan",
        )
        question = QuestionEntretien.objects.create(
            organisation=organisation,
            libelle="Situation actuelle",
            finalite="Adapter le rythme du bilan",
            type="texte",
        )
        ReponseEntretien.objects.create(
            organisation=organisation,
            entretien=entretien,
            question=question,
            libelle=question.libelle,
            valeur=SENTINELLES["entretien_reponse"],
        )
    bilan = bilan_for(
        beneficiaire,
        numero=numero,
        statut="en_cours",
        phase="investigation",
        date_debut_reelle=aujourdhui - dt.timedelta(days=debut_il_y_a),
        objectifs="Objectifs de la convention",
        entretien_prealable=entretien,
    )
    convention = issued_document(
        beneficiaire=beneficiaire,
        by=admin,
        kind="convention",
        title="Convention de bilan de compétences",
        subject_id=bilan.public_id,
        required_roles=("organisme",),
        body="<p>Convention CONVENTION-LISIBLE de bilan de compétences.</p>",
    )
    with tenant_context(organisation):
        document_signer(
            document=convention,
            role=SignatureRole.ORGANISME,
            user=admin,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
    certificat = issued_document(
        beneficiaire=beneficiaire,
        by=admin,
        kind="certificat_realisation",
        title="Certificat de réalisation",
        subject_id=bilan.public_id,
        required_roles=("organisme",),
        body="<p>Certificat CERTIFICAT-LISIBLE.</p>",
    )
    synthese_pdf = issued_document(
        beneficiaire=beneficiaire,
        by=admin,
        kind="synthese",
        title="Document de synthèse",
        subject_id=bilan.public_id,
        required_roles=("consultant",),
        body=f"<p>{SENTINELLES['synthese_pdf']}</p>",
    )
    with tenant_context(organisation):
        document_signer(
            document=synthese_pdf,
            role=SignatureRole.CONSULTANT,
            user=consultant,
            client=None,
            methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
        )
        _seances(bilan, maintenant=maintenant)
        Synthese.objects.create(
            organisation=organisation,
            bilan=bilan,
            statut="remise",
            competences=SENTINELLES["synthese_texte"],
            projets=SENTINELLES["synthese_texte"],
            document=synthese_pdf,
            validee_beneficiaire_le=maintenant - dt.timedelta(days=5),
            validee_consultant_le=maintenant - dt.timedelta(days=5),
            remise_le=maintenant - dt.timedelta(days=3),
            remise_mode="En main propre",
        )
        _enquete(bilan, maintenant=maintenant)
        Bilan.objects.filter(pk=bilan.pk).update(
            statut="clos", termine_le=aujourdhui - dt.timedelta(days=2)
        )
        bilan.refresh_from_db()
    assert certificat.pk
    return Dossier(bilan=bilan, convention=convention, synthese_pdf=synthese_pdf)


def _seances(bilan: Bilan, *, maintenant: dt.datetime) -> None:
    organisation = bilan.organisation
    commun = {"organisation": organisation, "bilan": bilan, "consultant": bilan.consultant}
    seance = Seance.objects.create(
        **commun,
        phase="preliminaire",
        type="entretien",
        intitule="Entretien d'accueil",
        objectifs=SENTINELLES["objectifs_seance"],
        notes=SENTINELLES["notes"],
        debut=maintenant - dt.timedelta(days=50),
        duree_minutes=120,
        duree_realisee_minutes=120,
        modalite="presentiel",
        lieu="12 rue des Lilas, Lyon",
        statut="realisee",
    )
    for role in ("beneficiaire", "consultant"):
        Emargement.objects.create(
            organisation=organisation,
            seance=seance,
            role=role,
            signataire=f"Signataire {role}",
            methode="dessin" if role == "beneficiaire" else "session",
            signe_le=seance.debut,
            details={"seance": str(seance.public_id)},
            details_sha256="0" * 64,
        )
    Seance.objects.create(
        **commun,
        phase="investigation",
        type="entretien",
        intitule="Exploration",
        notes=SENTINELLES["notes"],
        motif=SENTINELLES["motif"],
        debut=maintenant - dt.timedelta(days=40),
        duree_minutes=60,
        modalite="visio",
        statut="absence_excusee",
    )
    travail = Seance.objects.create(
        **commun,
        phase="investigation",
        type="travail_personnel",
        intitule="Travail personnel",
        debut=maintenant - dt.timedelta(days=30),
        duree_minutes=60,
        modalite="autonomie",
        statut="realisee",
    )
    consigne = Consigne.objects.create(
        organisation=organisation,
        seance=travail,
        titre="Ligne de vie",
        consignes=SENTINELLES["consigne"],
        temps_attendu_minutes=60,
    )
    Rendu.objects.create(
        organisation=organisation,
        consigne=consigne,
        texte=SENTINELLES["rendu"],
        temps_declare_minutes=60,
        soumis_le=maintenant - dt.timedelta(days=29),
    )
    Relance.objects.create(
        organisation=organisation,
        kind=Relance.Kind.RAPPEL_SEANCE_BENEFICIAIRE,
        target_type="seance",
        target_id=seance.public_id,
        bilan=bilan,
        seance=seance,
        destinataire="x@exemple.test",
        due_le=seance.debut - dt.timedelta(days=1),
        cle_unique=f"rappel:{seance.public_id}",
        statut=Relance.Statut.ENVOYEE,
        envoyee_le=seance.debut - dt.timedelta(days=1),
    )


def _enquete(bilan: Bilan, *, maintenant: dt.datetime) -> None:
    organisation = bilan.organisation
    questionnaire = Questionnaire.objects.filter(kind="chaud").first() or (
        Questionnaire.objects.create(organisation=organisation, kind="chaud", titre="À chaud")
    )
    note = Question.objects.create(
        organisation=organisation,
        questionnaire=questionnaire,
        ordre=1,
        libelle="Satisfaction globale",
        type="note",
        compte_satisfaction=True,
    )
    libre = Question.objects.create(
        organisation=organisation,
        questionnaire=questionnaire,
        ordre=2,
        libelle="Commentaire",
        type="texte",
    )
    reponse = Reponse.objects.create(
        organisation=organisation,
        bilan=bilan,
        kind="chaud",
        token_hash=f"{bilan.pk:064d}",
        envoyee_le=maintenant - dt.timedelta(days=2),
        repondu_le=maintenant - dt.timedelta(days=1),
    )
    ReponseItem.objects.create(organisation=organisation, reponse=reponse, question=note, note=5)
    ReponseItem.objects.create(
        organisation=organisation,
        reponse=reponse,
        question=libre,
        texte=SENTINELLES["questionnaire"],
    )


def textes_de_l_archive(contenu: bytes) -> dict[str, str]:
    """Every file of the ZIP as text (PDFs through pypdf), by name."""
    from pypdf import PdfReader  # heavy library, only for the tests that read PDFs

    textes = {}
    with zipfile.ZipFile(io.BytesIO(contenu)) as zf:
        for nom in zf.namelist():
            donnees = zf.read(nom)
            if nom.endswith(".pdf"):
                lecteur = PdfReader(io.BytesIO(donnees))
                textes[nom] = "\n".join(page.extract_text() or "" for page in lecteur.pages)
                # The raw bytes too: text hidden in a stream a reader would not extract.
                textes[nom] += "\n" + donnees.decode("latin-1")
            else:
                textes[nom] = donnees.decode("utf-8", errors="replace")
    return textes


def liens_de_l_index(index: str) -> list[str]:
    return re.findall(r'href="([^"#][^"]*)"', index)
