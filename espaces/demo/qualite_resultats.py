"""Demo data for the Qualiopi results (rule 29): abandonments with coded causes and follow-ups
with coded outcomes, so that the results page of the demo is not empty. Dossiers are lived
through the services (abandonment, closure, follow-up); idempotent by dossier number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    CauseAbandon,
    Financement,
    Phase,
    Programme,
    StatutBilan,
)
from beneficiaires.services.bilans import bilan_abandonner
from beneficiaires.services.programmes import programme_proposer_calendrier
from bilan.core.models import Organisation, User
from espaces.demo import parcours
from qualiopi.services.conservation import preuves_indexer
from seances.models import EntretienSuivi, Seance
from seances.services.programmes import seances_planifier_depuis_programme
from seances.services.suivi import suivi_enregistrer_resultat
from syntheses.services.cloture import bilan_clore

# (number, first name, last name, route, days since the start, cause, reason)
ABANDONS = (
    (
        "DEMO-Q1",
        "Karim",
        "Lefèvre",
        Financement.CPF,
        35,
        CauseAbandon.SANTE,
        "Arrêt de travail prolongé.",
    ),
    (
        "DEMO-Q2",
        "Léa",
        "Garnier",
        Financement.PERSONNEL,
        20,
        CauseAbandon.DISPONIBILITE,
        "Nouvelles contraintes d'horaires.",
    ),
)
# A second closed dossier whose follow-up found the person employed in the project.
CLOS = ("DEMO-Q3", "Manon", "Chevalier", Financement.OPCO, 280)


def _dossier(
    *,
    organisation: Organisation,
    programme: Programme,
    consultant: User,
    numero: str,
    prenom: str,
    nom: str,
    route: str,
    debut: dt.date,
    phase: str = Phase.PRELIMINAIRE,
) -> Bilan:
    """A started dossier with the programme's séances, those already past held."""
    beneficiaire, _cree = Beneficiaire.objects.get_or_create(
        organisation=organisation,
        email=f"{slugify(prenom)}.{slugify(nom)}@{organisation.slug}.exemple.fr",
        defaults={"prenom": prenom, "nom": nom, "consultant": consultant, "statut": "autre"},
    )
    bilan = Bilan.objects.create(
        organisation=organisation,
        beneficiaire=beneficiaire,
        numero=numero,
        statut=StatutBilan.EN_COURS,
        phase=phase,
        consultant=consultant,
        programme=programme,
        modalite="mixte",
        heures_accompagnement=Decimal("18"),
        heures_travail_personnel=Decimal("6"),
        date_debut_prevue=debut,
        date_debut_reelle=debut,
        date_fin_prevue=debut + dt.timedelta(days=80),
        objectifs="Clarifier un projet professionnel réaliste.",
        conditions_paiement="Paiement à réception de facture, à 30 jours.",
        financement=route,
        prix_ttc=Decimal("1800.00"),
        financeur_nom="OPCO Mobilités" if route == Financement.OPCO else "",
        financeur_reference="DEMO-2026-002" if route == Financement.OPCO else "",
        cpf_proposition_commande_le=debut - dt.timedelta(days=20)
        if route == Financement.CPF
        else None,
        cpf_aucun_bilan_finance_5_ans=True if route == Financement.CPF else None,
    )
    heure = timezone.make_aware(dt.datetime.combine(debut, dt.time(9, 30)))
    seances_planifier_depuis_programme(
        bilan=bilan,
        seances=programme_proposer_calendrier(programme=programme, debut=heure),
        lieu="12 rue des Lilas, 75011 Paris — salle 2",
        lien_visio="https://visio.example/bilan-demo",
    )
    Seance.objects.filter(bilan=bilan, debut__lt=timezone.now()).update(
        statut=Seance.Statut.REALISEE, duree_realisee_minutes=F("duree_minutes")
    )
    return bilan


def resultats_completer(
    *,
    organisation: Organisation,
    programme: Programme,
    consultants: list[User],
    admin: User,
    utilisateur: Callable[[str, str, str], User],
) -> None:
    """Coded causes on the demo's abandonments, two more abandonments through the service and a
    second closed dossier with its follow-up held (« en emploi dans le projet »)."""
    aujourdhui = timezone.localdate()
    # The seed writes its abandoned dossier's end state directly: its cause, coded as its reason.
    Bilan.objects.filter(
        statut=StatutBilan.ABANDONNE, cause_abandon="", motif_abandon__startswith="Reprise"
    ).update(cause_abandon=CauseAbandon.REPRISE_EMPLOI)
    for index, (numero, prenom, nom, route, jours, cause, motif) in enumerate(ABANDONS):
        if Bilan.objects.filter(numero=numero).exists():
            continue
        consultant = consultants[index % len(consultants)]
        bilan = _dossier(
            organisation=organisation,
            programme=programme,
            consultant=consultant,
            numero=numero,
            prenom=prenom,
            nom=nom,
            route=route,
            debut=aujourdhui - dt.timedelta(days=jours),
        )
        bilan_abandonner(bilan=bilan, cause=cause, motif=motif, par=consultant)
        Seance.objects.filter(bilan=bilan, statut=Seance.Statut.PLANIFIEE).update(
            statut=Seance.Statut.ANNULEE, motif="Bilan abandonné"
        )
    numero, prenom, nom, route, jours = CLOS
    if not Bilan.objects.filter(numero=numero).exists():
        _clos_avec_suivi(
            organisation=organisation,
            programme=programme,
            consultant=consultants[-1],
            admin=admin,
            utilisateur=utilisateur,
            debut=aujourdhui - dt.timedelta(days=jours),
        )
    # The evidence store lists what the demo holds (the nightly task would do it too).
    preuves_indexer(organisation=organisation)


def _clos_avec_suivi(
    *,
    organisation: Organisation,
    programme: Programme,
    consultant: User,
    admin: User,
    utilisateur: Callable[[str, str, str], User],
    debut: dt.date,
) -> None:
    numero, prenom, nom, route, _jours = CLOS
    bilan = _dossier(
        organisation=organisation,
        programme=programme,
        consultant=consultant,
        numero=numero,
        prenom=prenom,
        nom=nom,
        route=route,
        debut=debut,
        phase=Phase.CONCLUSION,  # lived to its end, as the seed's closed dossier
    )
    beneficiaire = bilan.beneficiaire
    user = utilisateur(beneficiaire.email, beneficiaire.prenom, beneficiaire.nom)
    parcours.portail_ouvrir(beneficiaire=beneficiaire, user=user)
    parcours.convention_signer(bilan=bilan, admin=admin, beneficiaire=user)
    parcours.emargements_signer(bilan=bilan, beneficiaire=user)
    parcours.travail_rendre(bilan=bilan, consultant=consultant, beneficiaire=user)
    fin = debut + dt.timedelta(days=80)
    parcours.synthese_remettre(
        bilan=bilan,
        consultant=consultant,
        beneficiaire=user,
        remise_le=timezone.make_aware(dt.datetime.combine(fin, dt.time(11))),
    )
    bilan_clore(bilan=bilan, par=consultant, fin=fin)
    suivi = EntretienSuivi.objects.get(bilan=bilan)
    suivi_enregistrer_resultat(
        suivi=suivi, resultat=EntretienSuivi.Resultat.EN_EMPLOI, commentaire="", par=consultant
    )
    realise = min(suivi.date_prevue, timezone.now() - dt.timedelta(days=1))
    EntretienSuivi.objects.filter(pk=suivi.pk).update(realise_le=realise)
