"""A demo bilan lived through: every step is the application's own service, as a consultant and
a beneficiary would have done it; only the timestamps are moved back to the days they would
have happened on (the services stamp « now »). Demo only."""

import datetime as dt
from dataclasses import asdict
from pathlib import Path

from django.core.files import File
from django.utils import timezone

from beneficiaires.models import Beneficiaire, Bilan, PortalAccess, TypeSeance
from beneficiaires.services.conventions import convention_emettre, type_document
from bilan.core.models import Organisation, User
from bilan.core.services import FicheOrganisation, organisation_modifier
from bilan.core.signatures import MethodeAuthentification, SignatureRole, document_signer
from enquetes.models import KindEnquete, Question, Reponse
from enquetes.services import enquete_preparer, enquete_repondre, questions_actives_lister
from seances.models import Emargement, EntretienSuivi, Rendu, Seance
from seances.services.emargement import emargement_signer
from seances.services.suivi import suivi_enregistrer_resultat
from seances.services.travail import consigne_creer, rendu_retour_enregistrer, rendu_soumettre
from syntheses.models import Synthese
from syntheses.services import syntheses as syntheses_services
from syntheses.services.cloture import bilan_clore

DOSSIER = Path(__file__).resolve().parent

SECTIONS_SYNTHESE = {
    "circonstances": (
        "<p>%(prenom)s a souhaité ce bilan après huit ans comme assistante de gestion dans une "
        "PME de transport, pour <strong>donner un nouvel élan</strong> à son parcours.</p>"
    ),
    "competences": (
        "<ul><li>Organisation et suivi administratif rigoureux</li>"
        "<li>Relation client au téléphone et par écrit</li>"
        "<li>Maîtrise des tableurs et des outils de facturation</li></ul>"
    ),
    "interets": (
        "<p>Goût pour l'accompagnement des personnes, besoin d'utilité sociale, "
        "recherche d'un <em>équilibre</em> entre vie professionnelle et personnelle.</p>"
    ),
    "projets": (
        "<p>Projet retenu : <strong>conseiller·ère en insertion professionnelle</strong>, "
        "par le titre professionnel CIP (niveau 5), financé par le CPF.</p>"
    ),
    "scenarios": (
        "<ol><li>Conseiller·ère en insertion professionnelle (retenu)</li>"
        "<li>Gestionnaire de paie (écarté : peu de contact humain)</li></ol>"
    ),
    "facteurs": (
        "<p>Atouts : expérience du public, réseau local. Freins : financement de la "
        "formation, organisation familiale pendant les périodes en centre.</p>"
    ),
    "etapes": (
        "<ol><li>Enquête métier auprès de deux conseillers (fait)</li>"
        "<li>Inscription à la session de septembre</li>"
        "<li>Demande de financement CPF de transition</li></ol>"
    ),
}
ETAPES_PLAN = [
    ("Rencontrer deux conseillers en insertion en poste", 14, "Bénéficiaire"),
    ("S'inscrire à la réunion d'information du centre de formation", 30, "Bénéficiaire"),
    ("Monter le dossier de financement", 60, "Bénéficiaire et conseiller CEP"),
]
CONSIGNE = (
    "Enquête métier",
    "Rencontrez une personne qui exerce le métier envisagé : missions, journée type, "
    "parcours, conditions d'accès. Notez ce qui vous attire et ce qui vous freine.",
)
RENDU = (
    "J'ai rencontré Mme Lopez, conseillère en insertion à la mission locale depuis six ans. "
    "Ce qui m'attire : l'entretien individuel, le travail avec les entreprises du territoire. "
    "Ce qui me freine : la charge administrative et les objectifs chiffrés."
)
RETOUR = (
    "Très belle enquête, précise et honnête sur les freins. Nous en reparlerons à la séance "
    "suivante pour préparer la seconde rencontre."
)
# Per personal-work séance of the built-in programme (its title before « : »).
CONSIGNES = {
    "Grille d'analyse de parcours et autodiagnostic": (
        "Autodiagnostic de parcours",
        "Remplissez la grille : pour chaque expérience, les missions, ce que vous avez aimé, "
        "ce que vous avez appris. Terminez par trois réussites dont vous êtes fier·ère.",
    ),
    "Questionnaires d'intérêts et de personnalité": (
        "Questionnaires d'intérêts",
        "Passez les deux questionnaires en ligne puis notez en quelques lignes ce qui vous "
        "surprend et ce qui vous ressemble dans les résultats.",
    ),
}
RENDUS = {
    "Autodiagnostic de parcours": (
        "Trois réussites : la refonte du suivi des factures, la formation de deux nouvelles "
        "collègues, l'accueil des chauffeurs intérimaires. Ce que j'aime : organiser et "
        "transmettre."
    ),
    "Questionnaires d'intérêts": (
        "Dominantes sociale et conventionnelle. Ce qui me ressemble : le goût d'aider et "
        "le besoin de cadre. Ce qui me surprend : un intérêt artistique plus fort que prévu."
    ),
}
REPONSES_TEXTE = {
    KindEnquete.CHAUD: "Un accompagnement à l'écoute, qui m'a aidée à oser.",
    KindEnquete.FROID: "Je suis entrée en formation en septembre, comme prévu dans le plan.",
}


def organisation_configurer(
    *,
    organisation: Organisation,
    logo: str,
    couleur: str,
    emission: dt.date,
    expiration: dt.date,
) -> None:
    """Qualiopi dates, accent colour and logo, through the settings service (once)."""
    if organisation.logo and organisation.qualiopi_date_expiration is not None:
        return
    fiche = FicheOrganisation(
        **{
            champ: getattr(organisation, champ)
            for champ in FicheOrganisation.__dataclass_fields__
            if champ not in {"couleur_accent", "qualiopi_date_emission", "qualiopi_date_expiration"}
        },
        couleur_accent=couleur,
        qualiopi_date_emission=emission,
        qualiopi_date_expiration=expiration,
    )
    assert asdict(fiche)  # every field given (FicheOrganisation forgets none)
    with (DOSSIER / logo).open("rb") as image:
        organisation_modifier(
            organisation=organisation, fiche=fiche, logo=File(image, name=logo), logo_retirer=False
        )


def portail_ouvrir(*, beneficiaire: Beneficiaire, user: User) -> None:
    PortalAccess.objects.get_or_create(
        beneficiaire=beneficiaire,
        defaults={"user": user, "organisation": beneficiaire.organisation},
    )


def convention_signer(*, bilan: Bilan, admin: User, beneficiaire: User) -> None:
    """The route's convention or contract, issued and signed by every party. Signatures are
    evidence (the database refuses to change them): they keep the day the demo was loaded."""
    if type_document(bilan=bilan) is None:  # CPF: the platform's conditions stand in
        return
    document = convention_emettre(bilan=bilan, par=admin)
    for role in document.required_roles:
        if role == SignatureRole.BENEFICIAIRE:
            signataire = {
                "user": beneficiaire,
                "methode": MethodeAuthentification.SESSION_CODE_COURRIEL,
            }
        elif role == SignatureRole.EMPLOYEUR:
            signataire = {
                "user": None,
                "signer_name": bilan.employeur_signataire_nom,
                "signer_email": bilan.employeur_signataire_email,
                "methode": MethodeAuthentification.LIEN_UNIQUE,
            }
        else:
            signataire = {"user": admin, "methode": MethodeAuthentification.SESSION_MOT_DE_PASSE}
        document_signer(
            document=document,
            role=SignatureRole(role),
            user=signataire["user"],  # type: ignore[arg-type]
            client=None,
            methode=signataire["methode"],  # type: ignore[arg-type]
            signer_name=signataire.get("signer_name"),  # type: ignore[arg-type]
            signer_email=signataire.get("signer_email"),  # type: ignore[arg-type]
        )


def emargements_signer(*, bilan: Bilan, beneficiaire: User) -> int:
    """Both signatures on every realised séance with the beneficiary, on the séance's day."""
    signees = 0
    seances = Seance.objects.filter(bilan=bilan, statut=Seance.Statut.REALISEE).exclude(
        type=TypeSeance.TRAVAIL_PERSONNEL
    )
    for seance in seances.order_by("debut"):
        methode = (
            Emargement.Methode.CONFIRMATION
            if seance.modalite == Seance.Modalite.PRESENTIEL
            else Emargement.Methode.PORTAIL
        )
        emargement_signer(
            seance=seance,
            role=Emargement.Role.BENEFICIAIRE,
            signataire=str(bilan.beneficiaire),
            user=beneficiaire,
            methode=methode,
            client=None,
        )
        emargement_signer(
            seance=seance,
            role=Emargement.Role.CONSULTANT,
            signataire=seance.consultant.get_full_name(),
            user=seance.consultant,
            methode=Emargement.Methode.SESSION,
            client=None,
        )
        fin = seance.debut + dt.timedelta(minutes=seance.duree_minutes)
        Emargement.objects.filter(seance=seance).update(signe_le=fin)
        signees += 1
    return signees


def travail_rendre(*, bilan: Bilan, consultant: User, beneficiaire: User) -> None:
    """Guided work on every realised personal-work séance: a consigne, the beneficiary's
    answer with the time spent, the consultant's feedback (the work is that séance's proof)."""
    seances = Seance.objects.filter(
        bilan=bilan, type=TypeSeance.TRAVAIL_PERSONNEL, statut=Seance.Statut.REALISEE
    )
    for seance in seances.order_by("debut"):
        titre, consignes = CONSIGNES.get(seance.intitule.split(" :")[0], CONSIGNE)
        consigne = consigne_creer(
            seance=seance,
            titre=titre,
            consignes=consignes,
            echeance=seance.debut.date() + dt.timedelta(days=7),
            temps_attendu_minutes=seance.duree_minutes,
            par=consultant,
        )
        rendu = rendu_soumettre(
            consigne=consigne,
            texte=RENDUS.get(titre, RENDU),
            temps_declare_minutes=seance.duree_minutes,
            par=beneficiaire,
        )
        rendu_retour_enregistrer(rendu=rendu, retour=RETOUR, par=consultant)
        Rendu.objects.filter(pk=rendu.pk).update(
            soumis_le=seance.debut + dt.timedelta(days=2),
            retour_le=seance.debut + dt.timedelta(days=4),
        )


def synthese_rediger(*, bilan: Bilan, consultant: User, partager: bool) -> Synthese:
    """Drafted by the consultant (every section, an action plan); shared for the
    beneficiary's reading when ``partager``."""
    services = syntheses_services
    synthese = services.synthese_obtenir_ou_creer(bilan=bilan, par=consultant)
    prenom = {"prenom": bilan.beneficiaire.prenom}
    services.synthese_enregistrer(
        synthese=synthese,
        revision=synthese.revision,
        sections={cle: texte % prenom for cle, texte in SECTIONS_SYNTHESE.items()},
        par=consultant,
    )
    for intitule, jours, responsable in ETAPES_PLAN:
        services.etape_ajouter(
            synthese=synthese,
            par=consultant,
            intitule=intitule,
            echeance=timezone.localdate() + dt.timedelta(days=jours),
            responsable=responsable,
        )
    if partager:
        services.synthese_partager(synthese=synthese, par=consultant)
    return synthese


def synthese_remettre(
    *, bilan: Bilan, consultant: User, beneficiaire: User, remise_le: dt.datetime
) -> Synthese:
    """Co-written (drafted, shared, commented), validated and signed by both, handed over."""
    services = syntheses_services
    synthese = synthese_rediger(bilan=bilan, consultant=consultant, partager=True)
    services.commentaire_ajouter(
        synthese=synthese,
        section="projets",
        texte="Pourriez-vous préciser que je vise la session de septembre ?",
        par=beneficiaire,
    )
    services.synthese_valider(synthese=synthese, role="beneficiaire", par=beneficiaire)
    services.synthese_valider(synthese=synthese, role="consultant", par=consultant)
    services.synthese_emettre_pour_signature(synthese=synthese, par=consultant)
    services.synthese_signer(
        synthese=synthese,
        role=SignatureRole.BENEFICIAIRE,
        user=beneficiaire,
        client=None,
        methode=MethodeAuthentification.SESSION_CODE_COURRIEL,
    )
    services.synthese_signer(
        synthese=synthese,
        role=SignatureRole.CONSULTANT,
        user=consultant,
        client=None,
        methode=MethodeAuthentification.SESSION_MOT_DE_PASSE,
    )
    synthese.refresh_from_db()
    services.synthese_remettre(synthese=synthese, mode="En main propre", par=consultant)
    Synthese.objects.filter(pk=synthese.pk).update(
        remise_le=remise_le,
        validee_beneficiaire_le=remise_le - dt.timedelta(days=3),
        validee_consultant_le=remise_le - dt.timedelta(days=3),
    )
    return synthese


def _repondre(*, bilan: Bilan, kind: KindEnquete, le: dt.datetime) -> None:
    reponse = enquete_preparer(bilan=bilan, kind=kind)
    donnees = {}
    for question in questions_actives_lister(organisation=bilan.organisation, kind=kind):
        if question.type == Question.Type.NOTE:
            donnees[f"q{question.pk}"] = "5" if question.pk % 2 else "4"
        elif question.type == Question.Type.CHOIX:
            donnees[f"q{question.pk}"] = question.options[0]
        else:
            donnees[f"q{question.pk}"] = REPONSES_TEXTE[kind]
    enquete_repondre(reponse=reponse, donnees=donnees, par_lien=True)
    Reponse.objects.filter(pk=reponse.pk).update(
        envoyee_le=le - dt.timedelta(days=2), repondu_le=le
    )


def bilan_clore_et_suivre(*, bilan: Bilan, consultant: User, fin: dt.date) -> None:
    """Closed on ``fin``; surveys à chaud and à froid answered; the follow-up held."""
    bilan_clore(bilan=bilan, par=consultant, fin=fin)
    midi = timezone.make_aware(dt.datetime.combine(fin, dt.time(12)))
    _repondre(bilan=bilan, kind=KindEnquete.CHAUD, le=midi + dt.timedelta(days=3))
    suivi = EntretienSuivi.objects.get(bilan=bilan)
    suivi_enregistrer_resultat(
        suivi=suivi,
        resultat=EntretienSuivi.Resultat.EN_FORMATION,
        commentaire="Entrée en formation CIP en septembre ; financement obtenu.",
        par=consultant,
    )
    realise = min(suivi.date_prevue, timezone.now() - dt.timedelta(days=1))
    EntretienSuivi.objects.filter(pk=suivi.pk).update(realise_le=realise)
    _repondre(bilan=bilan, kind=KindEnquete.FROID, le=realise + dt.timedelta(hours=2))
