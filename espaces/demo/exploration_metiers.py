"""Demo: job exploration on a bilan in its investigation phase, through the services: two
pistes (one chosen as projet cible, with the beneficiary's self-rating), notes from each side,
two enquêtes métier (one commented by the consultant). Needs the ROME loaded
(``manage.py rome_charger``, which ``make run`` runs before the demo); skipped without it."""

import datetime as dt

from django.utils import timezone

from beneficiaires.models import Bilan
from bilan.core.models import User
from exploration.models import EnqueteMetier, Fiche, Piste
from exploration.selectors.pistes import auto_evaluation_lignes
from exploration.services.enquetes_metier import (
    enquete_metier_commenter,
    enquete_metier_enregistrer,
)
from exploration.services.pistes import (
    piste_ajouter,
    piste_auto_evaluer,
    piste_choisir_cible,
)

CIBLE, AUTRE = "D1102", "D1104"  # Boulanger / Boulangère, Pâtissier / Pâtissière


def exploration_demontrer(*, bilan: Bilan, consultant: User, beneficiaire: User) -> bool:
    """Returns False when there is nothing to do (no ROME, or already done)."""
    fiches = {f.code: f for f in Fiche.objects.filter(code__in=[CIBLE, AUTRE])}
    if len(fiches) < 2 or Piste.objects.filter(bilan=bilan).exists():
        return False
    cible = piste_ajouter(
        bilan=bilan,
        fiche=fiches[CIBLE],
        auteur=Piste.Auteur.BENEFICIAIRE,
        par=beneficiaire,
        note="Le métier dont je rêve depuis longtemps : travailler de mes mains, tôt le matin.",
    )
    piste_ajouter(
        bilan=bilan,
        fiche=fiches[AUTRE],
        auteur=Piste.Auteur.CONSULTANT,
        par=consultant,
        note="Métier proche (mobilité du ROME) : à comparer pour les horaires.",
    )
    piste_choisir_cible(piste=cible, auteur=Piste.Auteur.BENEFICIAIRE, par=beneficiaire)
    niveaux: dict[int, int | None] = {
        ligne["code"]: i % 3 for i, ligne in enumerate(auto_evaluation_lignes(piste=cible))
    }
    piste_auto_evaluer(piste=cible, niveaux=niveaux, par=beneficiaire)
    aujourdhui = timezone.localdate()
    premiere = enquete_metier_enregistrer(
        bilan=bilan,
        par=beneficiaire,
        interlocuteur="Marc",
        fonction="Artisan boulanger",
        type_organisation=EnqueteMetier.TypeOrganisation.ENTREPRISE,
        modalite=EnqueteMetier.Modalite.RENCONTRE,
        rencontre_le=aujourdhui - dt.timedelta(days=12),
        questions="Quels horaires ? Quelle formation ? Comment s'installer ?",
        apprentissages="Lever à 3 h 30, CAP en un an pour adultes, ouverture possible après "
        "quelques années comme salarié·e.",
        effet_projet="Je garde le projet, mais je vise d'abord un poste salarié.",
        piste=cible,
    )
    enquete_metier_commenter(
        enquete=premiere,
        par=consultant,
        commentaire="Très bonne enquête. Pensez à demander une journée d'immersion (PMSMP).",
    )
    enquete_metier_enregistrer(
        bilan=bilan,
        par=beneficiaire,
        interlocuteur="Sophie",
        fonction="Formatrice en boulangerie",
        type_organisation=EnqueteMetier.TypeOrganisation.PUBLIC,
        modalite=EnqueteMetier.Modalite.TELEPHONE,
        rencontre_le=aujourdhui - dt.timedelta(days=5),
        apprentissages="Le CAP se prépare aussi en alternance ; le financement CPF est possible.",
        effet_projet="Je me renseigne sur les dates de rentrée.",
    )
    return True
