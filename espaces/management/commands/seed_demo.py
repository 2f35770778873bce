"""Demo data: two organisations, their staff and beneficiaries. Idempotent. Demo only."""

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from beneficiaires.conventions import TRIPARTITE
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    BilanEvenement,
    Consentement,
    EntretienPrealable,
    Financement,
    Phase,
    PortalAccess,
    Programme,
    StatutBilan,
    TypeSeance,
)
from beneficiaires.services.programmes import (
    programme_copier_modele,
    programme_proposer_calendrier,
)
from bilan.core.dates import ajouter_mois
from bilan.core.mfa import totp_enable
from bilan.core.models import Membership, Organisation, Role, User
from bilan.core.tenancy import tenant_context
from espaces.demo import (
    exploration_metiers,
    exploration_questionnaires,
    parcours,
    qualite_resultats,
)
from espaces.demo.qualite_registres import qualite_peupler
from seances.models import Seance
from seances.services.programmes import seances_planifier_depuis_programme

DEMO_PASSWORD = "demo-Bilan-2026"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
# Where the demo's in-person séances take place, and the video link of the remote ones.
LIEU_DEMO = "12 rue des Lilas, 75011 Paris — salle 2"
LIEN_VISIO_DEMO = "https://visio.example/bilan-demo"

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "slug": "atelier-des-parcours",
        "raison_sociale": "L'Atelier des Parcours",
        "siret": "73282932000074",
        "numero_declaration_activite": "11755555575",
        "qualiopi_numero_certificat": "QUALIOPI-2024-0457",
        "qualiopi_couvre_bilans": True,
        "referent_handicap_nom": "Nadia Benali",
        "referent_handicap_contact": "handicap@atelier-parcours.example",
        "domain": "atelier-parcours.example",
        "logo": "logo-atelier.png",
        "couleur_accent": "#1f5e8c",
        "staff": [
            ("admin", "Claire", "Martin", Role.ADMIN),
            ("consultant", "Julien", "Moreau", Role.CONSULTANT),
            ("consultante", "Sophie", "Lefèvre", Role.CONSULTANT),
        ],
        "beneficiaires": [
            ("Camille", "Durand", "mme", True),
            ("Thomas", "Petit", "m", True),
            ("Inès", "Garcia", "mme", False),
            ("Lucas", "Roux", "m", False),
        ],
    },
    {
        "slug": "horizons-competences",
        "raison_sociale": "Horizons Compétences",
        "siret": "55208131766522",
        "numero_declaration_activite": "84691234569",
        "qualiopi_numero_certificat": "QUALIOPI-2025-1182",
        "qualiopi_couvre_bilans": True,
        "referent_handicap_nom": "Marc Fontaine",
        "referent_handicap_contact": "04 72 00 00 00",
        "domain": "horizons-competences.example",
        "logo": "logo-horizons.png",
        "couleur_accent": "#8a3b12",
        "staff": [
            ("admin", "Hélène", "Bernard", Role.ADMIN),
            ("consultant", "Karim", "Haddad", Role.CONSULTANT),
            ("consultante", "Élodie", "Blanc", Role.CONSULTANT),
        ],
        "beneficiaires": [
            ("Manon", "Faure", "mme", True),
            ("Hugo", "Girard", "m", False),
            ("Léa", "Mercier", "mme", False),
        ],
    },
]


@functools.cache
def _hash_demo() -> str:
    return make_password(DEMO_PASSWORD)


def _user(email: str, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        # One Argon2 hash for every demo account (half a second each otherwise).
        user.password = _hash_demo()
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


# One dossier on every financing route and in every state of the lifecycle.
DOSSIERS = [
    # (prénom, nom, route, statut, phase)
    ("Alice", "Fontaine", Financement.PERSONNEL, StatutBilan.DEMANDE, ""),
    ("Bruno", "Lambert", Financement.CPF, StatutBilan.PREALABLE_REALISE, ""),
    ("Chloé", "Marchand", Financement.PLAN_EMPLOYEUR, StatutBilan.ATTENTE, ""),
    ("David", "Rousseau", Financement.OPCO, StatutBilan.EN_COURS, Phase.INVESTIGATION),
    ("Emma", "Vincent", Financement.FRANCE_TRAVAIL, StatutBilan.SYNTHESE_REMISE, Phase.CONCLUSION),
    ("Farid", "Benali", Financement.PERSONNEL, StatutBilan.CLOS, Phase.CONCLUSION),
    ("Gaëlle", "Perrin", Financement.TRANSITIONS_PRO, StatutBilan.ABANDONNE, Phase.PRELIMINAIRE),
    ("Hugo", "Caron", Financement.CONGE_RECLASSEMENT, StatutBilan.REFUSE, ""),
    ("Inès", "Morel", Financement.AUTRE_FINANCEUR, StatutBilan.EN_COURS, Phase.INVESTIGATION),
    ("Jade", "Robin", Financement.PERSONNEL, StatutBilan.EN_COURS, Phase.CONCLUSION),
]


# The third party who pays, named on the convention (R6313-8).
FINANCEURS = {
    Financement.OPCO: "OPCO Mobilités",
    Financement.AUTRE_FINANCEUR: "OPCO Mobilités",
    Financement.FRANCE_TRAVAIL: "France Travail — agence Paris 11e",
    Financement.TRANSITIONS_PRO: "Transitions Pro Île-de-France",
    Financement.CONGE_RECLASSEMENT: "Transports Durand (congé de reclassement)",
}


def _seed_bilans(organisation, consultants, admin) -> int:
    """Dossiers in varied states, planned from a built-in programme. Idempotent by number.

    The running and ended ones are then lived through the services (``espaces.demo.parcours``):
    convention or contract signed, attendance signed by both, guided work handed in and
    reviewed, synthèse co-written, validated, signed and handed over, bilan closed, surveys
    answered, follow-up held."""
    slug = "18h-accompagnement-6h-travail-personnel"
    programme = Programme.objects.filter(modele_source=slug).first() or programme_copier_modele(
        organisation=organisation, slug=slug
    )
    today = timezone.localdate()
    for index, (prenom, nom, route, statut, phase) in enumerate(DOSSIERS):
        numero = f"DEMO-{index + 1:02d}"
        if Bilan.objects.filter(numero=numero).exists():
            continue
        consultant = consultants[index % len(consultants)]
        beneficiaire, _ = Beneficiaire.objects.get_or_create(
            organisation=organisation,
            # One portal account per person and organisation: the address names the organisation.
            email=f"{slugify(prenom)}.{slugify(nom)}@{organisation.slug}.exemple.fr",
            defaults={
                "prenom": prenom,
                "nom": nom,
                "consultant": consultant,
                "statut": "salarie_prive",
                "employeur_nom": "Transports Durand" if route in TRIPARTITE else "",
                "employeur_siret": "55210055400013" if route in TRIPARTITE else "",
            },
        )
        # Ended dossiers lie in the past, running ones straddle today, waiting ones start later.
        decalage = {
            "clos": -300,  # old enough for the follow-up and the survey à froid
            "synthese_remise": -95,
            "abandonne": -60,
            "en_cours": -30,
        }.get(statut, 15)
        if phase == Phase.CONCLUSION and statut == StatutBilan.EN_COURS:
            decalage = -70  # in conclusion: the synthèse is being written
        debut = today + dt.timedelta(days=decalage + index)
        entretien = None
        if statut != StatutBilan.DEMANDE:
            entretien = EntretienPrealable.objects.create(
                organisation=organisation,
                beneficiaire=beneficiaire,
                date=timezone.now() - dt.timedelta(days=30 + index),
                consultant=consultant,
                demande="Faire le point sur mon parcours et envisager une évolution.",
                contexte="En poste depuis plusieurs années.",
                issue="bilan",
            )
            Consentement.objects.get_or_create(
                organisation=organisation,
                beneficiaire=beneficiaire,
                type=Consentement.Type.PARTICIPATION,
                destinataire="",
                revoque_le=None,
                defaults={
                    "methode": "entretien",
                    "accorde_le": timezone.now(),
                    "recueilli_par": consultant,
                },
            )
        bilan = Bilan.objects.create(
            organisation=organisation,
            beneficiaire=beneficiaire,
            numero=numero,
            # Planned while open; the final state is written once the séances exist.
            statut=StatutBilan.EN_COURS if phase else statut,
            phase=phase,
            consultant=consultant,
            entretien_prealable=entretien,
            programme=programme,
            modalite="mixte",
            heures_accompagnement=Decimal("18"),
            heures_travail_personnel=Decimal("6"),
            date_debut_prevue=debut,
            date_fin_prevue=debut + dt.timedelta(days=80),
            objectifs="Clarifier un projet professionnel réaliste et construire un plan d'action.",
            financement=route,
            prix_ttc=Decimal("1800.00"),
            conditions_paiement="Paiement à réception de facture, à 30 jours.",
            financeur_nom=FINANCEURS.get(route, ""),
            financeur_reference="DEMO-2026-001"
            if route in {Financement.OPCO, Financement.AUTRE_FINANCEUR}
            else "",
            employeur_signataire_nom="Paul Durand" if route in TRIPARTITE else "",
            employeur_signataire_email="rh@durand.example" if route in TRIPARTITE else "",
            cpf_proposition_commande_le=today - dt.timedelta(days=20)
            if route == Financement.CPF
            else None,
            cpf_aucun_bilan_finance_5_ans=True if route == Financement.CPF else None,
            motif_abandon="Reprise d'un emploi à temps plein."
            if statut == StatutBilan.ABANDONNE
            else "",
            motif_refus="Convention non signée dans les 10 jours (R6313-8)."
            if statut == StatutBilan.REFUSE
            else "",
        )
        BilanEvenement.objects.create(organisation=organisation, bilan=bilan, vers=statut)
        if statut not in {StatutBilan.DEMANDE, StatutBilan.REFUSE}:
            heure = timezone.make_aware(dt.datetime.combine(debut, dt.time(9, 30)))
            calendrier = programme_proposer_calendrier(programme=programme, debut=heure)
            # Not every demo bilan fills the 24 hours: some leave out guided personal work
            # (18 h or 22 h 30 planned), so the counter and the hours left read differently.
            travail = [e for e in calendrier if e["type"] == TypeSeance.TRAVAIL_PERSONNEL]
            retirees = {0: [], 1: travail, 2: travail[-1:]}[index % 3]
            if statut == StatutBilan.EN_COURS and not retirees:
                retirees = travail[-1:]  # running bilans keep hours left below 24 h
            seances_planifier_depuis_programme(
                bilan=bilan,
                seances=[e for e in calendrier if e not in retirees],
                lieu=LIEU_DEMO,
                lien_visio=LIEN_VISIO_DEMO,
            )
            # Séances already past are marked as held so the dossier reads naturally.
            Seance.objects.filter(bilan=bilan, debut__lt=timezone.now()).update(
                statut=Seance.Statut.REALISEE, duree_realisee_minutes=F("duree_minutes")
            )
            if statut == StatutBilan.ABANDONNE:
                Seance.objects.filter(bilan=bilan, statut=Seance.Statut.PLANIFIEE).update(
                    statut=Seance.Statut.ANNULEE, motif="Bilan abandonné"
                )
        if statut in VECUS:
            _vivre(bilan, organisation=organisation, admin=admin, debut=debut, statut=statut)
            continue
        # Ended ones record their end day as the transitions do (R6313-7 starts there).
        fin = {
            StatutBilan.CLOS: debut + dt.timedelta(days=80),
            StatutBilan.ABANDONNE: debut + dt.timedelta(days=30),
            StatutBilan.REFUSE: today,
        }.get(statut)
        Bilan.objects.filter(pk=bilan.pk).update(
            statut=statut,
            termine_le=fin,
            date_fin_reelle=fin if statut == StatutBilan.CLOS else None,
        )
    return Bilan.objects.count()


# The states reached through the services rather than written directly.
VECUS = {StatutBilan.EN_COURS, StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS}


def _vivre(bilan: Bilan, *, organisation, admin, debut: dt.date, statut: str) -> None:
    beneficiaire = bilan.beneficiaire
    user = _user(beneficiaire.email, beneficiaire.prenom, beneficiaire.nom)
    parcours.portail_ouvrir(beneficiaire=beneficiaire, user=user)
    parcours.convention_signer(bilan=bilan, admin=admin, beneficiaire=user)
    parcours.emargements_signer(bilan=bilan, beneficiaire=user)
    parcours.travail_rendre(bilan=bilan, consultant=bilan.consultant, beneficiaire=user)
    if statut == StatutBilan.EN_COURS:
        if bilan.phase == Phase.INVESTIGATION:
            exploration_questionnaires.questionnaires_vivre(
                bilan=bilan, consultant=bilan.consultant, beneficiaire=user
            )
            # Pistes métier and enquêtes métier (needs the ROME, loaded before the demo).
            exploration_metiers.exploration_demontrer(
                bilan=bilan, consultant=bilan.consultant, beneficiaire=user
            )
        if bilan.phase == Phase.CONCLUSION:  # shared, awaiting the beneficiary's validation
            parcours.synthese_rediger(bilan=bilan, consultant=bilan.consultant, partager=True)
        return
    fin = debut + dt.timedelta(days=80)
    remise = timezone.make_aware(dt.datetime.combine(fin, dt.time(11)))
    parcours.synthese_remettre(
        bilan=bilan, consultant=bilan.consultant, beneficiaire=user, remise_le=remise
    )
    if statut == StatutBilan.CLOS:
        parcours.bilan_clore_et_suivre(bilan=bilan, consultant=bilan.consultant, fin=fin)


class Command(BaseCommand):
    help = "Crée les données de démonstration (deux organismes). Sans effet si déjà présentes."

    @transaction.atomic
    def handle(self, *args, **options):
        lines = []
        for spec in ORGANISATIONS:
            organisation, _ = Organisation.objects.get_or_create(
                slug=spec["slug"],
                defaults={
                    key: spec[key]
                    for key in (
                        "raison_sociale",
                        "siret",
                        "numero_declaration_activite",
                        "qualiopi_numero_certificat",
                        "qualiopi_couvre_bilans",
                        "referent_handicap_nom",
                        "referent_handicap_contact",
                    )
                },
            )
            # Rule 25: a fully configured certificate (issued 10 months ago, valid 3 years),
            # so the demo's funded bilans can start and the surveillance warning shows soon.
            # Its logo and accent colour (contrast checked) go through the settings service.
            emission = ajouter_mois(jour=timezone.localdate(), mois=-10)
            parcours.organisation_configurer(
                organisation=organisation,
                logo=spec["logo"],
                couleur=spec["couleur_accent"],
                emission=emission,
                expiration=ajouter_mois(jour=emission, mois=36),
            )
            lines.append(f"\n{organisation.raison_sociale}")
            consultants = []
            admin = None
            for local, first, last, role in spec["staff"]:
                email = f"{local}@{spec['domain']}"
                user = _user(email, first, last)
                Membership.objects.get_or_create(
                    organisation=organisation, user=user, defaults={"role": role}
                )
                totp_enable(user=user, secret=DEMO_TOTP_SECRET)
                if role == Role.CONSULTANT:
                    consultants.append(user)
                elif role == Role.ADMIN:
                    admin = user
                lines.append(f"  {role:<11} {email}")
            with tenant_context(organisation):
                for index, (first, last, civilite, has_portal) in enumerate(spec["beneficiaires"]):
                    email = f"{slugify(first)}.{slugify(last)}@exemple.fr"
                    beneficiaire, _ = Beneficiaire.objects.get_or_create(
                        organisation=organisation,
                        email=email,
                        defaults={
                            "prenom": first,
                            "nom": last,
                            "civilite": civilite,
                            "consultant": consultants[index % len(consultants)],
                        },
                    )
                    if has_portal:
                        user = _user(email, first, last)
                        PortalAccess.objects.get_or_create(
                            beneficiaire=beneficiaire,
                            defaults={"user": user, "organisation": organisation},
                        )
                        lines.append(f"  portail     {email}")
            with tenant_context(organisation):
                lines.append(f"  bilans      {_seed_bilans(organisation, consultants, admin)}")
            with tenant_context(organisation):
                if admin is None:
                    raise CommandError("Chaque organisme de démonstration a un administrateur.")
                qualite = qualite_peupler(
                    organisation=organisation, admin=admin, consultants=consultants
                )
                lines.append(f"  qualité     {qualite}")
                # Qualiopi results: abandonments with causes, follow-ups with outcomes.
                qualite_resultats.resultats_completer(
                    organisation=organisation,
                    programme=Programme.objects.get(
                        modele_source="18h-accompagnement-6h-travail-personnel"
                    ),
                    consultants=consultants,
                    admin=admin,
                    utilisateur=_user,
                )
        self.stdout.write("Données de démonstration prêtes (démo uniquement).")
        self.stdout.write(f"Mot de passe de tous les comptes : {DEMO_PASSWORD}")
        self.stdout.write(
            f"Double authentification du personnel : clé TOTP {DEMO_TOTP_SECRET} "
            "(ou « python manage.py demo_totp <adresse> » affiche le code du moment)."
        )
        self.stdout.write("\n".join(lines))
