"""Programme templates: the five built-in programmes (the project's seeds) and calendar logic.

The built-ins are data, not rows: an organisation copies one into its own ``Programme`` to use and
edit it (``services.programmes.programme_copier_modele``). Each étape is one séance of the bilan:
its phase, its type, its title, its duration in minutes and its gap in days after the previous
étape. Every built-in fits in the 24 hours counted in a bilan (accompaniment + guided personal
work, L6313-4), runs through the three legal phases in order (R6313-4) and ends with at least one
individual interview in the conclusion phase (R6313-4 3°). The prior interview and the follow-up
are outside the 24 hours: the follow-up is the programme's window (``suivi_mois`` to
``suivi_mois_max`` months after the end, as each seed says) and ``suivi_duree_minutes``, never an
étape. A seed may also carry its own reflection delay after the prior interview (seed 003: 10 days).

Calendar: an étape is placed at the previous étape's date + its gap, then moved to the next
working day when it falls on a Saturday, a Sunday or a French public holiday
(``bilan.core.dates``), keeping the time of day (Europe/Paris).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.budget import BUDGET_MINUTES, etapes_minutes_comptees
from beneficiaires.cycle import ORDRE_PHASES, rang_phase
from beneficiaires.models import Bilan, Phase, TypeSeance
from bilan.core.dates import ajouter_mois, prochain_jour_ouvre
from bilan.core.formatting import duree_fr

TYPES_ENTRETIEN_CONCLUSION = {TypeSeance.ENTRETIEN, TypeSeance.RESTITUTION}

E = TypeSeance.ENTRETIEN
TP = TypeSeance.TRAVAIL_PERSONNEL
R = TypeSeance.RESTITUTION
Q = TypeSeance.QUESTIONNAIRE
PRE = Phase.PRELIMINAIRE
INV = Phase.INVESTIGATION
CON = Phase.CONCLUSION


@dataclass(frozen=True)
class EtapeModele:
    phase: str
    type: str
    intitule: str
    duree_minutes: int
    ecart_jours: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": str(self.phase),
            "type": str(self.type),
            "intitule": self.intitule,
            "duree_minutes": self.duree_minutes,
            "ecart_jours": self.ecart_jours,
        }


@dataclass(frozen=True)
class ProgrammeModele:
    slug: str
    nom: str
    description: str
    suivi_mois: int  # follow-up window, months after the end: from…
    suivi_mois_max: int  # …to (rule 16: 3 to 9)
    suivi_duree_minutes: int
    etapes: tuple[EtapeModele, ...]
    delai_reflexion_jours: int | None = None  # after the prior interview; None: organisation's

    @property
    def minutes_comptees(self) -> int:
        return etapes_minutes_comptees(etapes=[e.as_dict() for e in self.etapes])

    @property
    def minutes_accompagnement(self) -> int:
        return sum(e.duree_minutes for e in self.etapes if e.type in TypeSeance.accompagnement())

    @property
    def minutes_travail_personnel(self) -> int:
        return sum(e.duree_minutes for e in self.etapes if e.type == TypeSeance.TRAVAIL_PERSONNEL)

    @property
    def duree_semaines(self) -> int:
        return round(sum(e.ecart_jours for e in self.etapes[1:]) / 7)


def _e(phase: str, type_: str, intitule: str, heures: float, ecart: int) -> EtapeModele:
    return EtapeModele(phase, type_, intitule, round(heures * 60), ecart)


MODELES: tuple[ProgrammeModele, ...] = (
    ProgrammeModele(
        slug="douze-seances-10-semaines",
        nom="Calendrier type en 12 séances (10 semaines)",
        description=(
            "Douze séances d'une à trois heures réparties sur une dizaine de semaines, soit "
            "24 heures de séances. Les séances sont espacées d'une à deux semaines selon les "
            "disponibilités et le travail personnel entre les séances. Entretien de suivi d'une "
            "heure 6 mois après la fin du bilan, en dehors des 24 heures."
        ),
        suivi_mois=6,
        suivi_mois_max=6,
        suivi_duree_minutes=60,
        etapes=(
            _e(PRE, E, "Entretien d'accueil et d'information : cadre légal, engagements", 1, 0),
            _e(PRE, E, "Analyse de la demande : motivations, attentes, besoins", 2, 3),
            _e(PRE, E, "Co-construction du programme personnalisé et du calendrier", 1, 4),
            _e(INV, E, "Exploration du parcours professionnel", 2, 3),
            _e(INV, E, "Exploration du parcours personnel et compétences transférables", 2, 4),
            _e(INV, Q, "Évaluation des compétences techniques : tests et analyse", 2, 7),
            _e(INV, Q, "Évaluation des aptitudes et de la personnalité", 2, 7),
            _e(INV, E, "Exploration des motivations et des valeurs", 2, 7),
            _e(INV, E, "Recherche et exploration des pistes professionnelles", 3, 7),
            _e(INV, E, "Validation du projet professionnel et des alternatives", 2, 7),
            _e(CON, E, "Élaboration du plan d'action", 2, 7),
            _e(CON, R, "Finalisation et remise du document de synthèse, clôture", 3, 7),
        ),
    ),
    ProgrammeModele(
        slug="18h-accompagnement-6h-travail-personnel",
        nom="18 h d'accompagnement et 6 h de travail personnel guidé",
        description=(
            "24 heures : 18 heures d'accompagnement individualisé, temps de restitution compris, "
            "et 6 heures de travail personnel guidé (consignes formalisées, échanges avec le "
            "consultant, traçabilité). Trois phases. Entretien préalable gratuit avant le bilan ; "
            "suivi proposé entre 3 et 6 mois après, en dehors des 24 heures."
        ),
        suivi_mois=3,
        suivi_mois_max=6,
        suivi_duree_minutes=60,
        etapes=(
            _e(
                PRE,
                E,
                "Clarification de la demande, contexte et co-construction des objectifs",
                2,
                0,
            ),
            _e(INV, E, "Analyse du parcours et des expériences significatives", 2, 7),
            _e(INV, TP, "Grille d'analyse de parcours et autodiagnostic", 1.5, 1),
            _e(INV, E, "Cartographie des compétences transférables", 2, 6),
            _e(INV, TP, "Questionnaires d'intérêts et de personnalité", 1.5, 1),
            _e(INV, E, "Motivations et besoins prioritaires", 2, 6),
            _e(INV, E, "Émergence et étude de pistes d'évolution professionnelle", 2, 7),
            _e(INV, TP, "Exploration professionnelle : fiches métiers et secteurs", 1.5, 1),
            _e(INV, E, "Faisabilité du projet et analyse des écarts", 2, 6),
            _e(INV, TP, "Matrices d'écarts et grille comparative des scénarios", 1.5, 1),
            _e(INV, E, "Ajustement des options envisagées", 2, 6),
            _e(CON, E, "Piste retenue et co-construction du plan d'action", 2, 7),
            _e(CON, R, "Restitution orale, lecture partagée et signature de la synthèse", 2, 7),
        ),
    ),
    ProgrammeModele(
        slug="retrospection-prospective",
        nom="Rétrospection et prospective",
        description=(
            "Phase préliminaire de 2 heures, phase d'investigation de 16 à 18 heures "
            "(rétrospection puis prospective, enquêtes métier), phase de conclusion de 2 à "
            "4 heures ponctuée par la remise de la synthèse. Rencontre de suivi à 6 mois."
        ),
        suivi_mois=6,
        suivi_mois_max=6,
        suivi_duree_minutes=60,
        etapes=(
            _e(PRE, E, "Analyse de la demande, démarche et plan de route du bilan", 2, 0),
            _e(
                INV,
                E,
                "Rétrospection : parcours scolaire, professionnel et extra-professionnel",
                2,
                7,
            ),
            _e(INV, E, "Rétrospection : explicitation des compétences acquises", 2, 7),
            _e(INV, Q, "Tests de centres d'intérêt et de personnalité", 2, 7),
            _e(
                INV,
                E,
                "Valeurs professionnelles, conditions de travail, atouts et faiblesses",
                2,
                7,
            ),
            _e(INV, E, "Prospective : domaines d'activité et pistes professionnelles", 2, 7),
            _e(INV, TP, "Recherche d'informations sur les métiers et le marché de l'emploi", 2, 2),
            _e(INV, TP, "Enquêtes métier auprès de professionnels", 3, 5),
            _e(INV, E, "Exploitation des enquêtes métier, visualisation et projection", 3, 7),
            _e(
                CON,
                TP,
                "Recherche de formations, données sur l'emploi local, mise à jour du CV",
                2,
                2,
            ),
            _e(
                CON,
                R,
                "Validation du projet, étapes de mise en œuvre et remise de la synthèse",
                2,
                5,
            ),
        ),
    ),
    ProgrammeModele(
        slug="trois-phases-modulables",
        nom="Trois phases modulables avec cahiers d'étape",
        description=(
            "Après un entretien préalable gratuit et un délai de réflexion de 10 jours, trois "
            "phases modulables pour 24 heures au plus, sur 4 semaines à 6 mois ; cahiers d'étape "
            "entre les séances, tests, enquêtes-métiers ; conclusion par entretiens personnalisés. "
            "Point de suivi 6 à 9 mois après la fin du bilan."
        ),
        suivi_mois=6,
        suivi_mois_max=9,
        delai_reflexion_jours=10,
        suivi_duree_minutes=60,
        etapes=(
            _e(PRE, E, "Engagement, besoins, objectifs et circonstances du bilan", 2, 0),
            _e(PRE, E, "Repérage des étapes clés du parcours professionnel", 2, 7),
            _e(INV, TP, "Cahier d'étape : questionnaires d'auto-évaluation", 2, 2),
            _e(INV, E, "Motivations et intérêts professionnels et personnels", 2, 5),
            _e(INV, Q, "Tests de motivations, d'intérêts et de personnalité", 1.5, 7),
            _e(INV, E, "Compétences et aptitudes professionnelles et personnelles", 2, 7),
            _e(INV, E, "Marché de l'emploi, métiers, formations et financements", 2, 7),
            _e(INV, TP, "Enquêtes-métiers auprès de professionnels", 3, 3),
            _e(INV, E, "Possibilités d'évolution professionnelle", 2, 11),
            _e(CON, R, "Résultats détaillés de la phase d'investigation", 2, 7),
            _e(CON, E, "Facteurs favorables, étapes de mise en œuvre et plan d'action", 1.5, 7),
            _e(CON, R, "Remise de la synthèse", 1, 7),
        ),
    ),
    ProgrammeModele(
        slug="14h-entretiens-10h-travail-personnel",
        nom="14 h d'entretiens et 10 h de travail personnel (3 mois)",
        description=(
            "24 heures sur environ 3 mois : 14 heures d'entretiens (présentiel ou distanciel) "
            "tous les 15 jours en moyenne et 10 heures de travail personnel (réflexion, livret de "
            "compétences, tests, recherches, enquêtes professionnelles). La « phase de suivi » "
            "du modèle d'origine est l'entretien de suivi, 3 à 6 mois après le bilan, en dehors "
            "des 24 heures et des trois phases légales."
        ),
        suivi_mois=3,
        suivi_mois_max=6,
        suivi_duree_minutes=60,
        etapes=(
            _e(PRE, E, "Attentes : analyse de la demande et définition des objectifs", 2, 0),
            _e(INV, E, "Capital personnel : parcours, sens et moteur du parcours", 2, 15),
            _e(INV, TP, "Histoire de vie", 1, 3),
            _e(INV, E, "Valeurs au travail, réussites, restitution des questionnaires", 2, 12),
            _e(INV, TP, "Questionnaires de personnalité, d'intérêts et de valeurs", 1, 3),
            _e(INV, E, "Capital professionnel : compétences, savoirs, potentiels", 2, 12),
            _e(INV, TP, "Portefeuille de compétences et livret de compétences", 2, 3),
            _e(INV, E, "Définition du projet, écarts de compétences, faisabilité", 2, 12),
            _e(INV, TP, "Recherches sur le projet et analyse des écarts", 2, 3),
            _e(INV, E, "Prospectives : réajustement du projet, formalisation des scénarios", 2, 12),
            _e(INV, TP, "Phase terrain : enquêtes professionnelles et recherches", 2, 3),
            _e(CON, TP, "Préparation du document de synthèse partagé et du plan d'actions", 2, 9),
            _e(CON, R, "Document de synthèse, plan d'actions et conclusion", 2, 3),
        ),
    ),
)

MODELES_PAR_SLUG: dict[str, ProgrammeModele] = {m.slug: m for m in MODELES}


def modele_obtenir(*, slug: str) -> ProgrammeModele | None:
    return MODELES_PAR_SLUG.get(slug)


# --- rules shared by the built-ins, the services and the forms -------------------------------


def erreurs_etapes(*, etapes: list[dict[str, Any]]) -> list[str]:
    """The reasons (French) why these étapes cannot make a programme; empty when they can."""
    erreurs: list[str] = []
    if not etapes:
        return [_("Un programme doit comporter au moins une étape.")]
    total = etapes_minutes_comptees(etapes=etapes)
    if total > BUDGET_MINUTES:
        erreurs.append(
            _(
                "Le programme compte %(total)s : il dépasse de %(depassement)s les 24 heures "
                "du bilan (accompagnement et travail personnel guidé compris)."
            )
            % {
                "total": duree_fr(minutes=total),
                "depassement": duree_fr(minutes=total - BUDGET_MINUTES),
            }
        )
    rangs = [rang_phase(phase=e["phase"]) for e in etapes]
    for numero, (avant, apres) in enumerate(zip(rangs, rangs[1:], strict=False), start=2):
        if apres < avant:
            erreurs.append(
                _(
                    "Les phases doivent se suivre dans l'ordre préliminaire, investigation, "
                    "conclusion : l'étape %(numero)s « %(intitule)s » (%(phase)s) vient après "
                    "une étape de la %(phase_precedente)s."
                )
                % {
                    "numero": numero,
                    "intitule": etapes[numero - 1]["intitule"],
                    "phase": Phase(etapes[numero - 1]["phase"]).label.lower(),
                    "phase_precedente": Phase(etapes[numero - 2]["phase"]).label.lower(),
                }
            )
            break
    for phase in ORDRE_PHASES:
        if phase not in {e["phase"] for e in etapes}:
            erreurs.append(_("La %(phase)s n'a aucune étape.") % {"phase": phase.label.lower()})
    conclusion = [e for e in etapes if e["phase"] == Phase.CONCLUSION]
    if conclusion and not any(e["type"] in TYPES_ENTRETIEN_CONCLUSION for e in conclusion):
        erreurs.append(
            _(
                "La phase de conclusion doit comporter au moins un entretien individuel ou une "
                "restitution (entretiens personnalisés, article R6313-4 du Code du travail)."
            )
        )
    return erreurs


# --- calendar ---------------------------------------------------------------------------------


def placer(*, precedent: dt.datetime, ecart_jours: int) -> tuple[dt.datetime, bool]:
    """``precedent`` + ``ecart_jours`` days, moved to the next working day, same local time.

    Returns the aware datetime and whether it was moved.
    """
    local = timezone.localtime(precedent) if timezone.is_aware(precedent) else precedent
    voulu = local.date() + dt.timedelta(days=ecart_jours)
    jour = prochain_jour_ouvre(le=voulu)
    naive = dt.datetime.combine(jour, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive), jour != voulu


def date_suivi(*, fin: dt.date, mois: int) -> dt.date:
    """Proposed follow-up date: ``mois`` months after the end, on a working day (rule 16)."""
    return prochain_jour_ouvre(le=ajouter_mois(jour=fin, mois=mois))


def suivi_mois_propose(*, prefere: int, au_plus_tot: int | None, au_plus_tard: int | None) -> int:
    """The follow-up delay proposed (rule 16): the organisation's preferred delay
    (``prefere``, 6 months by default), brought inside the programme's window when the bilan
    has one (seed 003: 6 to 9 months → 6; a 3-to-6 window with a preference of 9 → 6)."""
    if au_plus_tot is None or au_plus_tard is None:
        return prefere
    return min(max(prefere, au_plus_tot), au_plus_tard)


def bilan_delai_reflexion_jours(*, bilan: Bilan) -> int:
    """The reflection delay after the prior interview: the bilan's programme's when it sets one
    (seed 003: 10 days), else the organisation's."""
    programme = bilan.programme
    if programme is not None and programme.delai_reflexion_jours is not None:
        return programme.delai_reflexion_jours
    return bilan.organisation.delai_reflexion_jours


def bilan_suivi_mois(*, bilan: Bilan) -> int:
    """Months between the bilan's end and its proposed follow-up (rule 16): the organisation's
    delay, kept inside the window of the bilan's programme when it has one."""
    programme = bilan.programme
    return suivi_mois_propose(
        prefere=bilan.organisation.suivi_delai_mois,
        au_plus_tot=programme.suivi_mois if programme else None,
        au_plus_tard=programme.suivi_mois_max if programme else None,
    )
