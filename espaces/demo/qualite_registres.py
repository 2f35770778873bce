"""Demo quality records, written through the Qualiopi services: complaints (one answered and
closed with its improvement action, one open), watch entries, a staff record with a proof,
handicap partner and case, stakeholder feedback, organisation documents, and one published
offer page with two versions. Idempotent: does nothing if the organisation has complaints.
Demo only."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from beneficiaires.models import Programme
from bilan.core.models import Organisation, User
from qualiopi.models import (
    ActionAmelioration,
    AdaptationHandicap,
    Intervenant,
    OffreVersion,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    VeilleEntree,
)
from qualiopi.services.documents import document_version_deposer
from qualiopi.services.offres import offre_version_publier
from qualiopi.services.registres import entree_enregistrer, piece_intervenant_enregistrer


def pdf_texte(*, lignes: list[str]) -> bytes:
    """A one-page PDF showing ``lignes`` (Helvetica, Latin-1): demo documents only."""

    def echapper(texte: str) -> str:
        return texte.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    flux = (
        "BT /F1 12 Tf 72 760 Td 16 TL "
        + " ".join(f"({echapper(ligne)}) '" for ligne in lignes)
        + " ET"
    )
    flux_octets = flux.encode("latin-1", "replace")
    objets = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R"
        b" >> >> /Contents 4 0 R >>",
        b"<< /Length "
        + str(len(flux_octets)).encode()
        + b" >>\nstream\n"
        + flux_octets
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    sortie = bytearray(b"%PDF-1.4\n")
    positions = []
    for numero, objet in enumerate(objets, start=1):
        positions.append(len(sortie))
        sortie += f"{numero} 0 obj\n".encode() + objet + b"\nendobj\n"
    xref = len(sortie)
    sortie += f"xref\n0 {len(objets) + 1}\n0000000000 65535 f \n".encode()
    for position in positions:
        sortie += f"{position:010d} 00000 n \n".encode()
    sortie += (
        f"trailer\n<< /Size {len(objets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(sortie)


DOCUMENTS = [
    (
        "livret_accueil",
        "Livret d'accueil",
        ["Bienvenue", "Horaires, interlocuteurs, déroulé du bilan."],
    ),
    (
        "reglement_interieur",
        "Règlement intérieur",
        ["Règles de vie et de sécurité dans nos locaux."],
    ),
    ("cgv", "Conditions générales de vente", ["Prix, paiement, rétractation, annulation."]),
    ("accessibilite", "Déclaration d'accessibilité", ["Locaux de plain-pied, référente handicap."]),
    ("consignes_distance", "Consignes des séances à distance", ["Lieu calme, casque, connexion."]),
    ("deontologie", "Fiche déontologique", ["Consentement, confidentialité, neutralité."]),
    ("cadre_legal", "Cadre légal et financements", ["Articles L6313-1 et R6313-4 à 8, CPF, PDC."]),
    ("locaux", "Locaux et outils", ["Bureaux fermés, visio chiffrée."]),
    (
        "organigramme",
        "Organigramme",
        ["Direction, référents pédagogique, administratif, handicap."],
    ),
]


def _deposer(
    *,
    organisation: Organisation,
    admin: User,
    kind: str,
    titre: str,
    lignes: list[str],
    le: dt.date,
    commentaire: str = "",
) -> None:
    document_version_deposer(
        organisation=organisation,
        kind=kind,
        fichier=SimpleUploadedFile(f"{kind}.pdf", pdf_texte(lignes=[titre, *lignes])),
        en_vigueur_le=le,
        commentaire=commentaire,
        par=admin,
    )


def qualite_peupler(*, organisation: Organisation, admin: User, consultants: list[User]) -> int:
    """Fill the registers of ``organisation`` (bound). Returns the number of rows written."""
    if Reclamation.objects.exists():
        return 0
    aujourdhui = timezone.localdate()
    il_y_a = lambda jours: aujourdhui - dt.timedelta(days=jours)  # noqa: E731
    lignes = 0

    def garder(entree):
        nonlocal lignes
        lignes += 1
        return entree_enregistrer(entree=entree, organisation=organisation, par=admin)

    close = garder(
        Reclamation(
            recue_le=il_y_a(90),
            canal="courriel",
            nature="organisation",
            objet="Séance reportée la veille sans solution de remplacement",
            description="Le bénéficiaire signale un report tardif et l'absence de nouvelle date.",
            auteur="Bénéficiaire",
            accuse_le=il_y_a(89),
            reponse_le=il_y_a(85),
            reponse="Excuses, nouvelle date fixée, et confirmation des séances 72 h à l'avance.",
            cloture_le=il_y_a(80),
        )
    )
    garder(
        Reclamation(
            recue_le=il_y_a(3),
            canal="telephone",
            nature="administratif",
            objet="Facture du reste à charge non reçue",
            description="Appel d'un bénéficiaire : facture attendue pour son remboursement.",
            auteur="Bénéficiaire",
        )
    )
    retour = garder(
        RetourPartiePrenante(
            recu_le=il_y_a(60),
            source="financeur",
            organisme_nom="OPCO (démonstration)",
            resume="Conventions reçues à temps ; souhait d'un bilan intermédiaire écrit.",
        )
    )
    action = garder(
        ActionAmelioration(
            intitule="Confirmer chaque séance 72 h à l'avance",
            description="Rappel automatique et appel si la séance doit être déplacée.",
            source="reclamation",
            reclamation=close,
            responsable=admin,
            ouverte_le=il_y_a(85),
            echeance=il_y_a(55),
            statut="realisee",
            realisee_le=il_y_a(60),
            resultat="Plus aucun report de dernière minute signalé depuis.",
        )
    )
    garder(
        ActionAmelioration(
            intitule="Proposer un point intermédiaire écrit aux financeurs",
            source="partie_prenante",
            retour=retour,
            responsable=consultants[0] if consultants else admin,
            ouverte_le=il_y_a(55),
            echeance=aujourdhui + dt.timedelta(days=30),
            statut="en_cours",
        )
    )
    for kind, jours, source, appris, fait in (
        (
            "legale",
            40,
            "Décret plafonnant les droits CPF du bilan",
            "Nouveau plafond de prise en charge.",
            "CGV et page d'offre mises à jour.",
        ),
        (
            "metiers",
            25,
            "Note régionale France Travail sur les métiers en tension",
            "Forte demande en aide à domicile et logistique.",
            "Fiches ressources ajoutées pour l'enquête métier.",
        ),
        (
            "pedagogique",
            15,
            "Webinaire sur les entretiens à distance",
            "Bonnes pratiques de cadrage en visio.",
            "Consignes des séances à distance revues.",
        ),
    ):
        garder(
            VeilleEntree(
                kind=kind,
                date=il_y_a(jours),
                source=source,
                apprentissage=appris,
                action_prise=fait,
                action=action if kind == "legale" else None,
            )
        )
    membre = consultants[0] if consultants else admin
    intervenant = garder(Intervenant(membre=membre, fonction="Consultante en bilan de compétences"))
    for kind, intitule, organisme, jours, expire, fichier in (
        ("qualification", "Master de psychologie du travail", "Université", 4000, None, True),
        (
            "habilitation",
            "Habilitation à l'inventaire d'intérêts professionnels",
            "Éditeur de tests",
            700,
            400,
            True,
        ),
        (
            "supervision",
            "Analyse de pratiques trimestrielle",
            "Superviseur externe",
            30,
            None,
            False,
        ),
    ):
        piece_intervenant_enregistrer(
            piece=PieceIntervenant(
                kind=kind,
                intitule=intitule,
                organisme=organisme,
                date=il_y_a(jours),
                expire_le=aujourdhui + dt.timedelta(days=expire) if expire else None,
                heures=Decimal("3") if kind == "supervision" else None,
            ),
            intervenant=intervenant,
            fichier=SimpleUploadedFile(f"{kind}.pdf", pdf_texte(lignes=[intitule, organisme]))
            if fichier
            else None,
        )
        lignes += 1
    garder(
        Intervenant(
            nom="Intervenant externe (démonstration)",
            sous_traitant=True,
            fonction="Consultant sous-traitant",
        )
    )
    partenaire = garder(
        PartenaireHandicap(
            kind="cap_emploi",
            nom="Cap emploi (démonstration)",
            contact="Conseillère référente",
            telephone="01 00 00 00 00",
        )
    )
    garder(
        PartenaireHandicap(
            kind="agefiph", nom="Agefiph — délégation régionale", courriel="contact@agefiph.example"
        )
    )
    garder(
        AdaptationHandicap(
            date=il_y_a(50),
            besoin="Fatigabilité importante",
            adaptation="Séances de 1 h au lieu de 2 h, réparties sur plus de semaines.",
            partenaire=partenaire,
        )
    )
    for kind, titre, contenu in DOCUMENTS:
        _deposer(
            organisation=organisation,
            admin=admin,
            kind=kind,
            titre=titre,
            lignes=contenu,
            le=il_y_a(200),
        )
        lignes += 1
    _deposer(
        organisation=organisation,
        admin=admin,
        kind="cgv",
        titre="Conditions générales de vente",
        lignes=["Prix, paiement, rétractation, annulation.", "Mise à jour : nouveau plafond CPF."],
        le=il_y_a(38),
        commentaire="Plafond CPF",
    )
    lignes += 1
    programme = Programme.objects.order_by("nom").first()
    if programme is not None:
        offre: dict[str, object] = {
            "titre": f"Bilan de compétences — {programme.nom}",
            "objectifs": (
                "Analyser ses compétences, aptitudes et motivations ; définir un projet"
                " professionnel et, le cas échéant, un projet de formation."
            ),
            "public_vise": "Toute personne active : salariée, demandeuse d'emploi, indépendante.",
            "duree_heures": Decimal("24"),
            "duree_repartition": (
                "Phase préliminaire : 4 h. Phase d'investigation : 14 h (dont travail "
                "personnel guidé). Phase de conclusion : 6 h."
            ),
            "presentiel": True,
            "distance": True,
            "delai_acces": (
                "Démarrage possible 11 jours ouvrés après la commande via Mon Compte "
                "Formation ; 2 à 3 semaines sinon."
            ),
            "tarif": "1 800 € TTC",
            "financements": (
                "CPF, plan de développement des compétences de l'employeur, OPCO, "
                "Transitions Pro, financement personnel."
            ),
            "accessibilite": (
                "Locaux accessibles de plain-pied ; aménagements possibles (rythme, "
                "supports, distance)."
            ),
            "referent_handicap_contact": (
                f"{organisation.referent_handicap_nom} — {organisation.referent_handicap_contact}"
            ),
            "contacts": "Accueil : du lundi au vendredi, 9 h – 18 h.",
            "methodes": (
                "Entretiens individuels, questionnaires d'intérêts, enquêtes métier, "
                "travail personnel guidé."
            ),
            "modalites_evaluation": (
                "Questionnaire de satisfaction à la fin du bilan et six mois après ; "
                "entretien de suivi."
            ),
        }
        for tarif in ("1 800 € TTC", "1 900 € TTC (plafond CPF en vigueur)"):
            offre_version_publier(
                programme=programme,
                version=OffreVersion(**(offre | {"tarif": tarif})),
                resultats_debut=aujourdhui.replace(year=aujourdhui.year - 1),
                resultats_fin=aujourdhui,
                par=admin,
            )
            lignes += 1
    return lignes
