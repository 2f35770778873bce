"""Realistic volume for the benchmarks (issue 16): one large organisation and many small ones.

    .venv/bin/python manage.py bench_generer                      # 50 organisations, 5 000 bilans
    .venv/bin/python manage.py bench_generer --mini               # the smoke run's tiny volume

Rows are written with ``bulk_create`` inside each organisation's ``tenant_context`` (row-level
security applies, as for the application), never through the services: the services are tested
on their own, and going through them would take hours at this volume. The dates are spread over
three years (``created_at`` included: the command sets it itself for the rows it writes). Every
account's password is ``BENCH_PASSWORD``; the staff accounts have TOTP enrolled with the tests'
secret. Not for production data: it refuses to run when organisations named ``bench-*`` exist,
unless ``--remplacer`` is not needed (a fresh database is the normal case).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone

from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    Financement,
    Modalite,
    Phase,
    PortalAccess,
    StatutBilan,
    TypeSeance,
)
from bilan.core.mfa import totp_enable
from bilan.core.models import AuditEvent, Membership, Organisation, Role, User
from bilan.core.tenancy import tenant_context
from enquetes.models import KindEnquete, Reponse
from relances.models import Relance
from seances.models import Emargement, Seance
from syntheses.models import Synthese

BENCH_PASSWORD = "bench-Bilan-2026"
BENCH_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # the tests' secret (tests/factories/core.py)
GRAND = "bench-grand"
# The accounts the benchmarks log in as (the large organisation).
ADMIN_EMAIL = "admin@bench-grand.exemple.fr"
CONSULTANT_EMAIL = "consultant@bench-grand.exemple.fr"
BENEFICIAIRE_EMAIL = "beneficiaire@bench-grand.exemple.fr"

PRENOMS = [
    "Camille",
    "Louis",
    "Inès",
    "Hugo",
    "Léa",
    "Jules",
    "Manon",
    "Nathan",
    "Chloé",
    "Lucas",
    "Emma",
    "Adam",
    "Sarah",
    "Noé",
]
NOMS = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
]

# The state of a dossier follows its age (days since the request): a few weeks of request and
# financing, about three months of bilan, then closed (or abandoned, or refused) for good.
ETATS_PAR_AGE = [
    (20, [(StatutBilan.DEMANDE, 4), (StatutBilan.PREALABLE_REALISE, 3), (StatutBilan.ATTENTE, 5)]),
    (
        110,
        [
            (StatutBilan.EN_COURS, 80),
            (StatutBilan.ATTENTE, 8),
            (StatutBilan.ABANDONNE, 8),
            (StatutBilan.REFUSE, 4),
        ],
    ),
    (130, [(StatutBilan.SYNTHESE_REMISE, 6), (StatutBilan.CLOS, 4)]),
    (10**6, [(StatutBilan.CLOS, 85), (StatutBilan.ABANDONNE, 10), (StatutBilan.REFUSE, 5)]),
]
DEBUT_APRES_JOURS = 20  # the bilan starts this many days after the request


def etat_selon_age(rnd: random.Random, age: int) -> str:
    for limite, etats in ETATS_PAR_AGE:
        if age < limite:
            noms, poids = zip(*etats, strict=True)
            return rnd.choices(noms, poids)[0]
    raise AssertionError(age)


AVEC_SEANCES = {
    StatutBilan.EN_COURS,
    StatutBilan.SYNTHESE_REMISE,
    StatutBilan.CLOS,
    StatutBilan.ABANDONNE,
}
PLAN = [  # (phase, type, minutes): 12 séances, 17 h counted (the 24 h cap holds)
    (Phase.PRELIMINAIRE, TypeSeance.ENTRETIEN, 90),
    (Phase.PRELIMINAIRE, TypeSeance.ENTRETIEN, 90),
    (Phase.INVESTIGATION, TypeSeance.QUESTIONNAIRE, 90),
    (Phase.INVESTIGATION, TypeSeance.ENTRETIEN, 90),
    (Phase.INVESTIGATION, TypeSeance.TRAVAIL_PERSONNEL, 60),
    (Phase.INVESTIGATION, TypeSeance.ENTRETIEN, 90),
    (Phase.INVESTIGATION, TypeSeance.ENTRETIEN, 90),
    (Phase.INVESTIGATION, TypeSeance.TRAVAIL_PERSONNEL, 60),
    (Phase.INVESTIGATION, TypeSeance.ENTRETIEN, 90),
    (Phase.CONCLUSION, TypeSeance.ENTRETIEN, 90),
    (Phase.CONCLUSION, TypeSeance.ENTRETIEN, 90),
    (Phase.CONCLUSION, TypeSeance.RESTITUTION, 90),
]


@dataclass
class Volume:
    organisations: int
    bilans: int  # of the large organisation
    bilans_petits: int  # of each small one
    consultants: int  # of the large organisation
    relances: int  # outbox rows of the large organisation (history)
    journal: int  # access-journal rows of the large organisation
    portail: int  # beneficiaries of the large organisation with a portal account
    part_demo: float = 0.1  # share of the large organisation's bilans for CONSULTANT_EMAIL
    compteurs: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def horodatage_libre() -> Iterator[None]:
    """Let the command write ``created_at``/``updated_at`` itself (three years of history):
    ``auto_now(_add)`` are switched off on every model for the block, then restored."""
    fields = [
        f
        for model in (Beneficiaire, Bilan, Seance, Emargement, Synthese, Relance, Reponse)
        + (AuditEvent,)
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


class Generateur:
    def __init__(self, volume: Volume, *, graine: int, out) -> None:
        self.v = volume
        self.rnd = random.Random(graine)
        self.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        self.password = make_password(BENCH_PASSWORD)
        self.out = out
        self.n_users = 0

    # -- accounts ----------------------------------------------------------------------------
    def _user(self, email: str, prenom: str, nom: str) -> User:
        user = User(email=email, first_name=prenom, last_name=nom, password=self.password)
        user.save()
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _staff(self, organisation: Organisation, email: str, role: str) -> User:
        user = self._user(email, self.rnd.choice(PRENOMS), self.rnd.choice(NOMS))
        Membership.objects.create(user=user, organisation=organisation, role=role)
        totp_enable(user=user, secret=BENCH_TOTP_SECRET)
        return user

    # -- one organisation --------------------------------------------------------------------
    def organisation(self, slug: str, *, bilans: int, consultants: int, grand: bool) -> None:
        organisation = Organisation.objects.create(
            raison_sociale=f"Organisme {slug}", slug=slug, siret="73282932000074"
        )
        domaine = f"{slug}.exemple.fr"
        admin = self._staff(organisation, ADMIN_EMAIL if grand else f"admin@{domaine}", Role.ADMIN)
        equipe = [
            self._staff(
                organisation,
                CONSULTANT_EMAIL if grand and i == 0 else f"consultant{i}@{domaine}",
                Role.CONSULTANT,
            )
            for i in range(consultants)
        ]
        with tenant_context(organisation), horodatage_libre():
            self._dossiers(organisation, admin, equipe, bilans=bilans, grand=grand)

    def _consultant_de(self, i: int, equipe: list[User], grand: bool) -> User:
        if grand and self.rnd.random() < self.v.part_demo:
            return equipe[0]
        return equipe[1 + i % (len(equipe) - 1)] if len(equipe) > 1 else equipe[0]

    def _dossiers(
        self,
        organisation: Organisation,
        admin: User,
        equipe: list[User],
        *,
        bilans: int,
        grand: bool,
    ) -> None:
        rnd = self.rnd
        debut_histoire = self.now - dt.timedelta(days=3 * 365)
        beneficiaires: list[Beneficiaire] = []
        dossiers: list[Bilan] = []
        for i in range(bilans):
            cree = debut_histoire + dt.timedelta(
                seconds=rnd.randrange(int((self.now - debut_histoire).total_seconds()))
            )
            consultant = self._consultant_de(i, equipe, grand)
            statut = etat_selon_age(rnd, (self.now - cree).days)
            email = (
                BENEFICIAIRE_EMAIL
                if grand and i == 0
                else f"b{i}.{rnd.randrange(10**6)}@{organisation.slug}.exemple.fr"
            )
            if grand and i == 0:
                statut, consultant = StatutBilan.EN_COURS, equipe[0]
                cree = self.now - dt.timedelta(days=50)
            beneficiaire = Beneficiaire(
                organisation=organisation,
                prenom=rnd.choice(PRENOMS),
                nom=rnd.choice(NOMS),
                email=email,
                telephone="06 12 34 56 78",
                statut="salarie_prive",
                employeur_nom="Entreprise Exemple",
                poste="Technicien·ne",
                consultant=consultant,
                created_at=cree,
                updated_at=cree,
            )
            beneficiaires.append(beneficiaire)
            debut = (cree + dt.timedelta(days=DEBUT_APRES_JOURS)).date()
            dossiers.append(
                Bilan(
                    organisation=organisation,
                    beneficiaire=beneficiaire,
                    numero=f"{cree.year}-{i + 1:05d}",
                    statut=statut,
                    phase=Phase.INVESTIGATION if statut == StatutBilan.EN_COURS else "",
                    consultant=consultant,
                    modalite=Modalite.PRESENTIEL,
                    heures_accompagnement=20,
                    heures_travail_personnel=2,
                    date_debut_prevue=debut,
                    date_fin_prevue=debut + dt.timedelta(days=84),
                    financement=rnd.choice([Financement.CPF, Financement.PLAN_EMPLOYEUR]),
                    prix_ttc=1800,
                    objectifs="Clarifier un projet de reconversion.",
                    date_debut_reelle=debut if statut in AVEC_SEANCES else None,
                    motif_abandon="Raisons personnelles."
                    if statut == StatutBilan.ABANDONNE
                    else "",
                    motif_refus="Financement refusé." if statut == StatutBilan.REFUSE else "",
                    created_at=cree,
                    updated_at=cree,
                )
            )
        Beneficiaire.objects.bulk_create(beneficiaires, batch_size=2000)
        for bilan in dossiers:
            bilan.beneficiaire_id = bilan.beneficiaire.pk
        Bilan.objects.bulk_create(dossiers, batch_size=2000)
        self.compter("beneficiaires", len(beneficiaires))
        self.compter("bilans", len(dossiers))
        # Co-consulting on a few dossiers ("my bilans" ORs over it).
        Lien = Bilan.consultants_associes.through
        liens = []
        for k, b in enumerate(dossiers):
            associe = equipe[(k + 1) % len(equipe)]
            if k % 20 == 0 and b.consultant_id != associe.pk:
                liens.append(Lien(bilan_id=b.pk, user_id=associe.pk))
        Lien.objects.bulk_create(liens)
        self._seances(organisation, dossiers)
        self._syntheses_enquetes(organisation, dossiers, equipe)
        self._portail(organisation, beneficiaires, grand=grand)
        self._relances(organisation, dossiers, grand=grand)
        self._journal(organisation, beneficiaires, [admin, *equipe], grand=grand)

    def _seances(self, organisation: Organisation, dossiers: list[Bilan]) -> None:
        rnd = self.rnd
        seances: list[Seance] = []
        for bilan in dossiers:
            if bilan.statut not in AVEC_SEANCES:
                continue
            n = len(PLAN)
            if bilan.statut == StatutBilan.ABANDONNE:
                n = rnd.randrange(2, 8)
            # Weekly from the bilan's start: an open bilan has past and future séances.
            assert bilan.date_debut_reelle is not None  # set for every state with séances
            depart = timezone.make_aware(
                dt.datetime.combine(bilan.date_debut_reelle, dt.time(9 + rnd.randrange(8)))
            )
            for k, (phase, type_, minutes) in enumerate(PLAN[:n]):
                debut = depart + dt.timedelta(days=7 * k)
                passee = debut < self.now
                autonome = type_ == TypeSeance.TRAVAIL_PERSONNEL
                seances.append(
                    Seance(
                        organisation=organisation,
                        bilan=bilan,
                        consultant_id=bilan.consultant_id,
                        phase=phase,
                        type=type_,
                        intitule=f"Séance {k + 1}",
                        debut=debut,
                        duree_minutes=minutes,
                        duree_realisee_minutes=minutes if passee else None,
                        modalite=Seance.Modalite.AUTONOMIE
                        if autonome
                        else Seance.Modalite.PRESENTIEL,
                        lieu="" if autonome else "Bureau 2",
                        statut=Seance.Statut.REALISEE if passee else Seance.Statut.PLANIFIEE,
                        notes="Notes de séance." if passee else "",
                        created_at=min(debut, self.now),
                        updated_at=min(debut, self.now),
                    )
                )
        Seance.objects.bulk_create(seances, batch_size=2000)
        self.compter("seances", len(seances))
        emargements = [
            Emargement(
                organisation=organisation,
                seance=s,
                role=role,
                signataire="Signataire",
                methode=Emargement.Methode.DESSIN
                if role == Emargement.Role.BENEFICIAIRE
                else Emargement.Methode.SESSION,
                signe_le=s.debut + dt.timedelta(minutes=s.duree_minutes),
                details={"seance": str(s.public_id)},
                details_sha256=hashlib.sha256(str(s.public_id).encode()).hexdigest(),
                created_at=s.debut,
                updated_at=s.debut,
            )
            for s in seances
            if s.statut == Seance.Statut.REALISEE and s.type != TypeSeance.TRAVAIL_PERSONNEL
            for role in (Emargement.Role.BENEFICIAIRE, Emargement.Role.CONSULTANT)
        ]
        Emargement.objects.bulk_create(emargements, batch_size=4000)
        self.compter("emargements", len(emargements))

    def _syntheses_enquetes(
        self, organisation: Organisation, dossiers: list[Bilan], equipe: list[User]
    ) -> None:
        finis = [b for b in dossiers if b.statut in (StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS)]
        texte = "Texte de la synthèse. " * 40
        Synthese.objects.bulk_create(
            [
                Synthese(
                    organisation=organisation,
                    bilan=b,
                    statut=Synthese.Statut.REMISE,
                    revision=3,
                    circonstances=texte,
                    competences=texte,
                    projets=texte,
                    modifie_par_id=b.consultant_id,
                    remise_le=b.created_at + dt.timedelta(days=90),
                    remise_mode="En main propre",
                    created_at=b.created_at,
                    updated_at=b.created_at,
                )
                for b in finis
            ],
            batch_size=2000,
        )
        self.compter("syntheses", len(finis))
        reponses = []
        for b in finis:
            for kind in (KindEnquete.CHAUD, KindEnquete.FROID):
                envoyee = b.created_at + dt.timedelta(days=90 if kind == KindEnquete.CHAUD else 270)
                if envoyee > self.now:
                    continue
                reponses.append(
                    Reponse(
                        organisation=organisation,
                        bilan=b,
                        kind=kind,
                        token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
                        envoyee_le=envoyee,
                        repondu_le=envoyee + dt.timedelta(days=3)
                        if self.rnd.random() < 0.6
                        else None,
                        created_at=envoyee,
                        updated_at=envoyee,
                    )
                )
        Reponse.objects.bulk_create(reponses, batch_size=4000)
        self.compter("reponses_enquete", len(reponses))

    def _portail(
        self, organisation: Organisation, beneficiaires: list[Beneficiaire], *, grand: bool
    ) -> None:
        nombre = self.v.portail if grand else 1
        for beneficiaire in beneficiaires[:nombre]:
            user = self._user(beneficiaire.email, beneficiaire.prenom, beneficiaire.nom)
            PortalAccess.objects.create(
                user=user, organisation=organisation, beneficiaire=beneficiaire
            )
        self.compter("comptes_portail", min(nombre, len(beneficiaires)))

    def _relances(self, organisation: Organisation, dossiers: list[Bilan], *, grand: bool) -> None:
        nombre = self.v.relances if grand else self.v.relances // 100
        rnd = self.rnd
        lignes = []
        for k in range(nombre):
            bilan = dossiers[k % len(dossiers)]
            # History: mostly sent; a few failed, cancelled or still to send.
            tirage = rnd.random()
            statut = (
                Relance.Statut.ENVOYEE
                if tirage < 0.93
                else Relance.Statut.ECHEC
                if tirage < 0.95
                else Relance.Statut.ANNULEE
                if tirage < 0.97
                else Relance.Statut.A_ENVOYER
            )
            if statut == Relance.Statut.A_ENVOYER:
                due = self.now + dt.timedelta(hours=rnd.randrange(1, 24 * 30))
            else:
                due = self.now - dt.timedelta(minutes=rnd.randrange(60, 3 * 365 * 24 * 60))
            lignes.append(
                Relance(
                    organisation=organisation,
                    kind=Relance.Kind.RAPPEL_SEANCE_BENEFICIAIRE,
                    target_type="bilan",
                    target_id=bilan.public_id,
                    bilan=bilan,
                    destinataire=bilan.beneficiaire.email,
                    due_le=due,
                    cle_unique=f"bench:{k}",
                    statut=statut,
                    tentatives=0 if statut == Relance.Statut.A_ENVOYER else 1,
                    derniere_erreur="Boîte pleine" if statut == Relance.Statut.ECHEC else "",
                    envoyee_le=due if statut == Relance.Statut.ENVOYEE else None,
                    created_at=min(due, self.now),
                    updated_at=min(due, self.now),
                )
            )
        Relance.objects.bulk_create(lignes, batch_size=5000)
        self.compter("relances", len(lignes))

    def _journal(
        self,
        organisation: Organisation,
        beneficiaires: list[Beneficiaire],
        equipe: list[User],
        *,
        grand: bool,
    ) -> None:
        nombre = self.v.journal if grand else self.v.journal // 100
        rnd = self.rnd
        lignes = []
        for k in range(nombre):
            beneficiaire = beneficiaires[rnd.randrange(len(beneficiaires))]
            quand = self.now - dt.timedelta(minutes=rnd.randrange(0, 3 * 365 * 24 * 60))
            lignes.append(
                AuditEvent(
                    organisation=organisation,
                    actor=equipe[k % len(equipe)],
                    action=AuditEvent.Action.READ,
                    object_type="bilan",
                    object_id=uuid.uuid4(),
                    object_label=f"Dossier de {beneficiaire}",
                    beneficiaire=beneficiaire,
                    ip_address="192.0.2.10",
                    user_agent="Navigateur",
                    created_at=quand,
                    updated_at=quand,
                )
            )
        AuditEvent.objects.bulk_create(lignes, batch_size=5000)
        self.compter("journal", len(lignes))

    def compter(self, cle: str, n: int) -> None:
        self.v.compteurs[cle] = self.v.compteurs.get(cle, 0) + n


class Command(BaseCommand):
    help = "Génère un volume réaliste pour les bancs d'essai (bench/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organisations", type=int, default=50)
        parser.add_argument("--bilans", type=int, default=5000, help="du grand organisme")
        parser.add_argument("--bilans-petits", type=int, default=30, help="de chaque petit")
        parser.add_argument("--consultants", type=int, default=10, help="du grand organisme")
        parser.add_argument("--relances", type=int, default=100_000)
        parser.add_argument("--journal", type=int, default=50_000)
        parser.add_argument("--portail", type=int, default=200)
        parser.add_argument("--graine", type=int, default=16)
        parser.add_argument(
            "--mini", action="store_true", help="volume minuscule (essai de fumée, tests)"
        )

    def handle(self, *args, **options) -> None:
        if Organisation.objects.filter(slug=GRAND).exists():
            raise CommandError("Le volume de banc d'essai existe déjà dans cette base.")
        if options["mini"]:
            volume = Volume(3, 40, 5, 3, 300, 300, 3)
        else:
            volume = Volume(
                options["organisations"],
                options["bilans"],
                options["bilans_petits"],
                options["consultants"],
                options["relances"],
                options["journal"],
                options["portail"],
            )
        debut = time.monotonic()
        generateur = Generateur(volume, graine=options["graine"], out=self.stdout)
        with transaction.atomic():
            generateur.organisation(
                GRAND, bilans=volume.bilans, consultants=volume.consultants, grand=True
            )
        for n in range(1, volume.organisations):
            with transaction.atomic():
                generateur.organisation(
                    f"bench-{n:03d}", bilans=volume.bilans_petits, consultants=2, grand=False
                )
        duree = time.monotonic() - debut
        details = ", ".join(f"{k} {v}" for k, v in volume.compteurs.items())
        self.stdout.write(f"Volume généré en {duree:.1f} s : {details}.")
