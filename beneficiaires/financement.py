"""Financing rules of a bilan, by route: pure functions, no database writes.

Amounts and dates that change with the law live in module-level tables with their effective
dates (``PARTICIPATION_FORFAITAIRE``, ``CPF_PLAFOND``, ...), so a new arrêté is a one-line
change with its own test, never an ``if year == ...`` in the code.

Day counting (jours ouvrés, French public holidays, adding months) is ``bilan.core.dates``'s,
whose conventions apply throughout (art. 641 CPC: the day that starts a delay is not counted).
Every legal period of N calendar days (R6313-8 signature, L6353-5 withdrawal, D6323-4 answer)
ends on ``bilan.core.dates.echeance_legale``: D + N, extended to the next jour ouvré when that
day is a Saturday, Sunday or public holiday (art. 642 CPC), the act valid until the end of it.

Writes (recording a payment, validating a form) are in ``services/financement.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from beneficiaires.models import Financement, Phase, ReponseEmployeur, StatutBilan
from bilan.core.dates import ajouter_jours_ouvres, ajouter_mois, echeance_legale
from bilan.core.formatting import CENTIME, date_fr, euros

if TYPE_CHECKING:
    from beneficiaires.models import Bilan
    from bilan.core.models import Organisation

# --- Tables (effective date, value): the value applies from that date (inclusive) onwards. ---

# R6323 (décret 2024-394): 100 € from 2 May 2024, revalued each 1 January (arrêtés of
# 26 Dec 2024 and 30 Dec 2025). Before 2 May 2024 no participation was due.
PARTICIPATION_FORFAITAIRE: list[tuple[date, Decimal]] = [
    (date(2024, 5, 2), Decimal("100.00")),
    (date(2025, 1, 1), Decimal("102.23")),
    (date(2026, 1, 1), Decimal("103.20")),
]

# D6323-1 A: cap on the CPF rights usable for a bilan. No specific cap before 26 Feb 2026.
CPF_PLAFOND: list[tuple[date, Decimal]] = [
    (date(2026, 2, 26), Decimal("1600.00")),
]

# LF 2026 art. 203 + decrees of 24 Feb 2026 (D6323-6, D6323-1 A): accompaniment-only hours,
# 5-year rule, cap.
REFORME_2026 = date(2026, 2, 26)

# CDC rule (10 June 2021): start date ≥ proposition de commande + 11 jours ouvrés.
CPF_DELAI_PROPOSITION_JOURS_OUVRES = 11
# CDC / EDOF: entry and exit declarations within 3 jours ouvrés.
CPF_DELAI_DECLARATION_JOURS_OUVRES = 3

# R6323, L6323-7: cases where the participation forfaitaire is not due. Keys are the
# ``Bilan.cpf_exoneration`` choices (a test keeps them in sync).
EXONERATIONS_PARTICIPATION: dict[str, str] = {
    "demandeur_emploi": "L6323-7 (demandeur·se d'emploi)",
    "abondement_employeur": "L6323-7 (abondement de l'employeur)",
    "abondement_opco": "L6323-4 II 3° / L6323-7 (abondement de l'OPCO)",
    "c2p": "R6323 (points du compte professionnel de prévention)",
    "at_mp": "R6323 (abondement AT/MP)",
}

# D6323-4: notice before the start, by length of the action; answer within 30 days.
AUTORISATION_PREAVIS_JOURS = 60
AUTORISATION_PREAVIS_JOURS_ACTION_LONGUE = 120  # action of 6 months or more
AUTORISATION_REPONSE_JOURS = 30

# R6313-8: the employee has 10 days from the transmission to sign; silence = refusal.
CONVENTION_DELAI_SIGNATURE_JOURS = 10

# L6353-5 / L6353-6: 10-day withdrawal, then at most 30 % of the price at first.
RETRACTATION_JOURS = 10
PREMIER_PAIEMENT_PART_MAX = Decimal("0.30")

ROUTES_EMPLOYEUR = frozenset({Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT})
ROUTES_FINANCEUR = frozenset(
    {
        Financement.OPCO,
        Financement.TRANSITIONS_PRO,
        Financement.FRANCE_TRAVAIL,
        Financement.AUTRE_FINANCEUR,
    }
)

# States of the employer authorisation (D6323-4).
AUTORISATION_A_DEMANDER = "a_demander"
AUTORISATION_TROP_TARDIVE = "trop_tardive"
AUTORISATION_EN_ATTENTE = "en_attente"
AUTORISATION_ACCORDEE = "accordee"
AUTORISATION_REFUSEE = "refusee"


def _valeur_en_vigueur(table: list[tuple[date, Decimal]], le: date) -> Decimal | None:
    """The value of ``table`` in force on ``le`` (None before its first effective date)."""
    valeur = None
    for debut, montant in sorted(table):
        if debut <= le:
            valeur = montant
    return valeur


# --- CPF ------------------------------------------------------------------------------------


def cpf_date_debut_minimale(*, proposition_le: date) -> date:
    """Earliest start date of a CPF bilan: 11 jours ouvrés after the proposition de commande
    (CDC rule of 10 June 2021, enforced by EDOF). A start on that date is accepted."""
    return ajouter_jours_ouvres(depart=proposition_le, jours=CPF_DELAI_PROPOSITION_JOURS_OUVRES)


def participation_forfaitaire(*, le: date) -> Decimal:
    """CPF participation forfaitaire in force on ``le`` (R6323: 100 € from 2 May 2024,
    revalued each 1 January); 0 before it existed."""
    return _valeur_en_vigueur(PARTICIPATION_FORFAITAIRE, le) or Decimal("0.00")


def cpf_plafond(*, le: date) -> Decimal | None:
    """Cap on the CPF rights usable for a bilan on ``le`` (D6323-1 A: 1 600 € from
    26 Feb 2026); None when no specific cap applies."""
    return _valeur_en_vigueur(CPF_PLAFOND, le)


def cpf_repartition(*, prix: Decimal, entree_le: date, exoneration: str) -> dict[str, Decimal]:
    """How a CPF-funded price splits (rule 19; D6323-1 A, R6323, L6323-7).

    Returns ``cpf_utilisable`` (at most the cap in force at entry — the holder's actual
    balance is not known here), ``reste_a_financer`` (co-funding or personal payment) and
    ``participation`` (the participation forfaitaire, paid by the holder on top of the price;
    0 when ``exoneration`` is one of ``EXONERATIONS_PARTICIPATION``).
    """
    if exoneration and exoneration not in EXONERATIONS_PARTICIPATION:
        raise ValueError(f"Motif d'exonération inconnu : {exoneration!r}.")
    if prix < 0:
        raise ValueError("Le prix ne peut pas être négatif.")
    prix = prix.quantize(CENTIME)
    plafond = cpf_plafond(le=entree_le)
    utilisable = prix if plafond is None else min(prix, plafond)
    participation = (
        Decimal("0.00") if exoneration else participation_forfaitaire(le=entree_le)
    ).quantize(CENTIME)
    return {
        "cpf_utilisable": utilisable,
        "reste_a_financer": prix - utilisable,
        "participation": participation,
    }


def bilan_cpf_repartition(*, bilan: Bilan, aujourdhui: date) -> dict[str, Decimal] | None:
    """``cpf_repartition`` of a CPF bilan with a price, at its entry date (actual start, else
    planned start, else ``aujourdhui``): what the staff page, the portal and the documents
    show (rule 19). None for another route or without a price."""
    if bilan.financement != Financement.CPF or not bilan.prix_ttc:
        return None
    entree = bilan.date_debut_reelle or bilan.date_debut_prevue or aujourdhui
    return cpf_repartition(prix=bilan.prix_ttc, entree_le=entree, exoneration=bilan.cpf_exoneration)


def cpf_heures_financees(
    *, entree_le: date, heures_accompagnement: Decimal, heures_travail_personnel: Decimal
) -> Decimal:
    """Hours the CPF may finance (D6323-6, rule 4): from 26 Feb 2026 only the provider's
    accompaniment hours; before, accompaniment and guided personal work."""
    if entree_le >= REFORME_2026:
        return Decimal(heures_accompagnement)
    return Decimal(heures_accompagnement) + Decimal(heures_travail_personnel)


def cpf_echeance_declaration(*, evenement_le: date) -> date:
    """Last day to declare an entry (actual start) or exit (actual end) in EDOF: 3 jours
    ouvrés after the event (CDC rule, domain rule 18)."""
    return ajouter_jours_ouvres(depart=evenement_le, jours=CPF_DELAI_DECLARATION_JOURS_OUVRES)


def cpf_regles_2026_applicables(*, le: date) -> bool:
    """Whether the 26 Feb 2026 CPF rules (5-year rule, cap, accompaniment only) apply."""
    return le >= REFORME_2026


# --- Employer authorisation for a CPF bilan on working time (D6323-4) ------------------------


def autorisation_preavis_jours(*, debut_prevu: date | None, fin_prevue: date | None) -> int:
    """Notice the employee owes the employer (D6323-4): 60 calendar days, 120 when the action
    lasts 6 months or more."""
    if debut_prevu and fin_prevue and fin_prevue >= ajouter_mois(jour=debut_prevu, mois=6):
        return AUTORISATION_PREAVIS_JOURS_ACTION_LONGUE
    return AUTORISATION_PREAVIS_JOURS


def autorisation_fin_reponse(*, demande_le: date) -> date:
    """Last day of the employer's 30 days to answer (D6323-4), by the one legal-clock rule
    (``echeance_legale``): silence is acceptance from the next day on."""
    return echeance_legale(depart=demande_le, jours=AUTORISATION_REPONSE_JOURS)


def autorisation_employeur_etat(
    *,
    demande_le: date | None,
    debut_prevu: date | None,
    reponse: str,
    reponse_le: date | None,
    aujourdhui: date,
    fin_prevue: date | None = None,
) -> str:
    """State of the employer's authorisation of absence (D6323-4, rule 21).

    * ``a_demander``: no request recorded.
    * ``refusee`` / ``accordee``: explicit answer (``reponse`` = ``"refus"`` / ``"accord"``).
      An explicit agreement is valid even for a late request (the notice protects the
      employer, who may waive it). A refusal received after the 30-day window of a timely
      request does not undo the acceptance already acquired by silence.
    * ``trop_tardive``: no answer and the request was made less than 60 calendar days before
      the planned start (120 days when the action lasts 6 months or more, known from
      ``fin_prevue``): the employer's silence is then not worth acceptance.
    * ``accordee`` by silence: a timely request and no answer at the end of the 30th calendar
      day after the request (``autorisation_fin_reponse``, extended past a weekend or holiday).
    * ``en_attente``: otherwise.
    """
    if demande_le is None:
        return AUTORISATION_A_DEMANDER
    fin_reponse = autorisation_fin_reponse(demande_le=demande_le)
    preavis = autorisation_preavis_jours(debut_prevu=debut_prevu, fin_prevue=fin_prevue)
    a_temps = debut_prevu is None or (debut_prevu - demande_le).days >= preavis
    if reponse == ReponseEmployeur.ACCORD:
        return AUTORISATION_ACCORDEE
    if reponse == ReponseEmployeur.REFUS:
        if a_temps and reponse_le is not None and reponse_le > fin_reponse:
            return AUTORISATION_ACCORDEE
        return AUTORISATION_REFUSEE
    if not a_temps:
        return AUTORISATION_TROP_TARDIVE
    if aujourdhui > fin_reponse:
        return AUTORISATION_ACCORDEE
    return AUTORISATION_EN_ATTENTE


# --- Tripartite convention (R6313-8) ---------------------------------------------------------


def convention_date_limite(*, transmise_le: date) -> date:
    """Last day for the employee to sign the tripartite convention: 10 calendar days after
    its transmission to the employee (R6313-8), by the one legal-clock rule
    (``echeance_legale``: extended past a Saturday, Sunday or holiday); the employee may sign
    until the end of that day."""
    return echeance_legale(depart=transmise_le, jours=CONVENTION_DELAI_SIGNATURE_JOURS)


def convention_refusee_par_silence(
    *, transmise_le: date | None, signee: bool, aujourdhui: date
) -> bool:
    """True when the employee has not signed and the 10 days are over (R6313-8: silence =
    refusal), i.e. strictly after ``convention_date_limite``."""
    if signee or transmise_le is None:
        return False
    return aujourdhui > convention_date_limite(transmise_le=transmise_le)


# --- Self-funded bilan (L6353-3 to L6353-7) ----------------------------------------------------


def retractation_fin(*, contrat_signe_le: date) -> date:
    """Last day of the withdrawal period of a self-funded contract (L6353-5): 10 days from
    the signature by the one legal-clock rule (``echeance_legale``: the signature day is not
    counted, a period ending on a Saturday, Sunday or holiday runs to the next jour ouvré).
    The beneficiary may still withdraw on that day; the first payment is possible the day
    after (L6353-6, fine under L6355-20)."""
    return echeance_legale(depart=contrat_signe_le, jours=RETRACTATION_JOURS)


def premier_paiement_maximum(*, prix: Decimal) -> Decimal:
    """30 % of the price (L6353-6), rounded down to the cent so it is never exceeded."""
    return (prix * PREMIER_PAIEMENT_PART_MAX).quantize(CENTIME, rounding=ROUND_DOWN)


# Rule 22, staggering (L6353-6: "le solde … échelonné au fur et à mesure du déroulement de
# l'action"): the share of the price the payments may reach in total, by stage of the bilan.
PART_INVESTIGATION = Decimal("0.70")


@dataclass(frozen=True)
class Palier:
    """How much of the price may have been paid in total at a stage of the bilan (``part``),
    the stage's French name, and when the next share becomes payable (``suivant``, empty when
    there is none) with that share (``part_suivante``)."""

    part: Decimal
    etape: str
    suivant: str = ""
    part_suivante: Decimal | None = None


def paiement_palier(*, statut: str, phase: str) -> Palier:
    """The staggering of a self-funded bilan's payments (rule 22, L6353-6), by stage:

    * before the investigation phase (not started, or préliminaire): 30 % of the price;
    * investigation or conclusion phase: 70 %;
    * synthèse handed over, or closed: 100 %;
    * abandoned: the share of the stage reached (L6353-7: only what was delivered is due);
    * refused (declined, withdrawal): nothing, the contract is void.
    """
    if statut == StatutBilan.REFUSE:
        return Palier(part=Decimal(0), etape=_("bilan refusé ou contrat rétracté"))
    if statut in {StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS}:
        return Palier(part=Decimal(1), etape=_("synthèse remise"))
    abandonne = statut == StatutBilan.ABANDONNE
    if statut in {StatutBilan.EN_COURS, StatutBilan.ABANDONNE} and phase in {
        Phase.INVESTIGATION,
        Phase.CONCLUSION,
    }:
        return Palier(
            part=PART_INVESTIGATION,
            etape=_("bilan abandonné")
            if abandonne
            else _("phase d'investigation ou de conclusion"),
            suivant="" if abandonne else _("à la remise de la synthèse"),
            part_suivante=None if abandonne else Decimal(1),
        )
    return Palier(
        part=PREMIER_PAIEMENT_PART_MAX,
        etape=_("bilan abandonné") if abandonne else _("avant la phase d'investigation"),
        suivant="" if abandonne else _("au début de la phase d'investigation"),
        part_suivante=None if abandonne else PART_INVESTIGATION,
    )


def _part_du_prix(*, prix: Decimal, part: Decimal) -> Decimal:
    return (prix * part).quantize(CENTIME, rounding=ROUND_DOWN)


def echeancier_propose(*, prix: Decimal, contrat_signe_le: date) -> list[tuple[str, Decimal]]:
    """The payment schedule the rules enforce (``paiement_palier``), as (when, amount) lines:
    30 % from the day after the withdrawal period, 40 % more from the start of the
    investigation phase, the balance at the handover of the synthèse."""
    premier_le = retractation_fin(contrat_signe_le=contrat_signe_le) + timedelta(days=1)
    premier = _part_du_prix(prix=prix, part=PREMIER_PAIEMENT_PART_MAX)
    deuxieme = _part_du_prix(prix=prix, part=PART_INVESTIGATION) - premier
    return [
        (_("À partir du %(date)s") % {"date": date_fr(jour=premier_le)}, premier),
        (_("Au début de la phase d'investigation"), deuxieme),
        (_("À la remise de la synthèse"), prix - premier - deuxieme),
    ]


def paiement_verifier(
    *,
    prix: Decimal | None,
    contrat_signe_le: date | None,
    deja_paye: Decimal,
    montant: Decimal,
    le: date,
    statut: str,
    phase: str,
) -> None:
    """Raise ``ValidationError`` (every applicable French message) unless a payment of
    ``montant`` received on ``le`` is lawful for a self-funded bilan (L6353-3 to L6353-7,
    rule 22): contract signed before any payment (L6353-3); nothing up to and including the
    last day of the withdrawal period (``retractation_fin``, L6353-6); a first payment of at
    most 30 % of the price (L6353-6); the total within the share of the price payable at the
    bilan's stage (``statut``, ``phase``: ``paiement_palier``), hence never above the price."""
    erreurs: list[str] = []
    if montant is None or montant <= 0:
        erreurs.append(_("Le montant du paiement doit être positif."))
    if prix is None or prix <= 0:
        erreurs.append(_("Le prix du bilan doit être fixé avant d'enregistrer un paiement."))
    if contrat_signe_le is None or le < contrat_signe_le:
        erreurs.append(
            _(
                "Aucun paiement ne peut être reçu avant la signature du contrat de formation "
                "(L6353-3)."
            )
        )
    else:
        fin = retractation_fin(contrat_signe_le=contrat_signe_le)
        if le <= fin:
            erreurs.append(
                _(
                    "Aucun paiement ne peut être reçu pendant le délai de rétractation de 10 "
                    "jours, qui court jusqu'au %(fin)s inclus (L6353-6). Premier paiement "
                    "possible le %(premier)s."
                )
                % {"fin": date_fr(jour=fin), "premier": date_fr(jour=fin + timedelta(days=1))}
            )
    if montant is None or montant <= 0 or prix is None or prix <= 0:
        raise ValidationError(erreurs)  # the amount checks below need both
    if deja_paye <= 0:
        plafond = premier_paiement_maximum(prix=prix)
        if montant > plafond:
            erreurs.append(
                _("Le premier paiement ne peut dépasser 30 %% du prix, soit %(plafond)s (L6353-6).")
                % {"plafond": euros(montant=plafond)}
            )
    palier = paiement_palier(statut=statut, phase=phase)
    autorise = _part_du_prix(prix=prix, part=palier.part)
    if deja_paye + montant > prix:
        erreurs.append(
            _(
                "Le total des paiements (%(total)s) dépasserait le prix du bilan (%(prix)s) ; "
                "reste dû : %(reste)s."
            )
            % {
                "total": euros(montant=deja_paye + montant),
                "prix": euros(montant=prix),
                "reste": euros(montant=max(prix - deja_paye, Decimal(0))),
            }
        )
    elif deja_paye + montant > autorise:
        message = _(
            "Le solde est échelonné au fil du bilan (L6353-6) : à ce stade (%(etape)s), le "
            "total des paiements ne peut dépasser %(part)s %% du prix, soit %(autorise)s ; "
            "encore payable maintenant : %(reste)s."
        ) % {
            "etape": palier.etape,
            "part": int(palier.part * 100),
            "autorise": euros(montant=autorise),
            "reste": euros(montant=max(autorise - deja_paye, Decimal(0))),
        }
        if palier.part_suivante is not None:
            message += " " + _(
                "Le total pourra atteindre %(part)s %% du prix (%(montant)s) %(quand)s."
            ) % {
                "part": int(palier.part_suivante * 100),
                "montant": euros(montant=_part_du_prix(prix=prix, part=palier.part_suivante)),
                "quand": palier.suivant,
            }
        erreurs.append(message)
    if erreurs:
        raise ValidationError(erreurs)


# --- Checklist before "en cours" --------------------------------------------------------------


@dataclass(frozen=True)
class Probleme:
    """One blocking point: the Bilan field it concerns (or NON_FIELD_ERRORS), the French
    message, and whether it is missing information (vs. an entered value that breaks a rule)."""

    champ: str
    message: str
    manquant: bool = False
    reglage_organisme: bool = False  # fixed by an admin on the organisation page (rule 25)


def _siren(siret: str) -> str:
    return "".join(siret.split())[:9]


def _problemes_communs(
    *, bilan: Bilan, aujourdhui: date, organisation: Organisation
) -> Iterator[Probleme]:
    beneficiaire = bilan.beneficiaire
    siret_employeur = "".join((beneficiaire.employeur_siret or "").split())
    siret_organisme = "".join((organisation.siret or "").split())
    if siret_employeur and siret_organisme and _siren(siret_employeur) == _siren(siret_organisme):
        yield Probleme(
            NON_FIELD_ERRORS,
            _(
                "L'organisme ne peut pas réaliser le bilan de ses propres salarié·es : "
                "l'employeur du ou de la bénéficiaire (SIRET %(siret)s) est l'organisme "
                "lui-même (R6313-5)."
            )
            % {"siret": siret_employeur},
        )
    if bilan.financement == Financement.PERSONNEL:
        return
    # Rule 25 (L6316-1, L6351-1): a funded route needs an NDA and a Qualiopi certificate
    # covering bilans, valid on the day the bilan starts. Fixed by an admin on the
    # organisation page (``reglage_organisme``: the dossier links each to the settings).
    reglages = _("Un·e administrateur·rice la renseigne dans la page « Organisme ».")
    if not organisation.numero_declaration_activite:
        yield Probleme(
            "financement",
            reglage_organisme=True,
            message=_(
                "Le numéro de déclaration d'activité de l'organisme n'est pas renseigné : un "
                "bilan financé ne peut pas commencer (L6351-1)."
            )
            + " "
            + _("Un·e administrateur·rice le renseigne dans la page « Organisme »."),
        )
    reference = max(filter(None, [bilan.date_debut_prevue, aujourdhui]))
    expire = organisation.qualiopi_date_expiration
    if not organisation.qualiopi_numero_certificat or not organisation.qualiopi_couvre_bilans:
        yield Probleme(
            "financement",
            reglage_organisme=True,
            message=_(
                "L'organisme n'a pas de certificat Qualiopi couvrant les bilans de compétences "
                "enregistré : seul un financement personnel est possible (L6316-1)."
            )
            + " "
            + _("Un·e administrateur·rice le renseigne dans la page « Organisme »."),
        )
    elif expire is None:
        yield Probleme(
            "financement",
            reglage_organisme=True,
            message=_(
                "La date d'expiration du certificat Qualiopi de l'organisme n'est pas "
                "renseignée : un bilan financé ne peut pas commencer (L6316-1)."
            )
            + " "
            + reglages,
        )
    elif expire < reference:
        yield Probleme(
            "financement",
            reglage_organisme=True,
            message=_(
                "Le certificat Qualiopi de l'organisme expire le %(expire)s, avant le début du "
                "bilan (%(debut)s) : un bilan financé ne peut pas commencer (L6316-1)."
            )
            % {"expire": date_fr(jour=expire), "debut": date_fr(jour=reference)}
            + " "
            + _(
                "Un·e administrateur·rice enregistre le certificat renouvelé dans la page "
                "« Organisme »."
            ),
        )


def _problemes_cpf(*, bilan: Bilan, aujourdhui: date) -> Iterator[Probleme]:
    proposition = bilan.cpf_proposition_commande_le
    debut = bilan.date_debut_prevue
    if proposition is None:
        yield Probleme(
            "cpf_proposition_commande_le",
            _(
                "La date d'envoi de la proposition de commande (Mon Compte Formation) n'est pas "
                "renseignée."
            ),
            manquant=True,
        )
    if debut is None:
        yield Probleme(
            "date_debut_prevue", _("La date de début prévue n'est pas renseignée."), manquant=True
        )
    if proposition is not None and debut is not None:
        minimum = cpf_date_debut_minimale(proposition_le=proposition)
        if debut < minimum:
            yield Probleme(
                "date_debut_prevue",
                _(
                    "Le début ne peut précéder le %(minimum)s (11 jours ouvrés après la "
                    "proposition de commande du %(proposition)s)."
                )
                % {"minimum": date_fr(jour=minimum), "proposition": date_fr(jour=proposition)},
            )
    if cpf_regles_2026_applicables(le=debut or aujourdhui):
        declaration = bilan.cpf_aucun_bilan_finance_5_ans
        if declaration is None:
            yield Probleme(
                "cpf_aucun_bilan_finance_5_ans",
                _(
                    "Le ou la bénéficiaire n'a pas déclaré s'il ou elle a eu un bilan financé "
                    "par un financeur public ou mutualisé depuis 5 ans (D6323-6)."
                ),
                manquant=True,
            )
        elif declaration is False:
            yield Probleme(
                "cpf_aucun_bilan_finance_5_ans",
                _(
                    "Le ou la bénéficiaire a eu un bilan financé par un financeur public ou "
                    "mutualisé depuis moins de 5 ans : le CPF ne peut pas financer ce bilan "
                    "(D6323-6). Choisissez un autre financement."
                ),
            )
    if bilan.sur_temps_de_travail:
        etat = autorisation_employeur_etat(
            demande_le=bilan.autorisation_demandee_le,
            debut_prevu=debut,
            reponse=bilan.autorisation_reponse,
            reponse_le=bilan.autorisation_reponse_le,
            aujourdhui=aujourdhui,
            fin_prevue=bilan.date_fin_prevue,
        )
        if etat == AUTORISATION_A_DEMANDER:
            yield Probleme(
                "autorisation_demandee_le",
                _(
                    "Le bilan a lieu sur le temps de travail : l'autorisation d'absence de "
                    "l'employeur doit être demandée (D6323-4)."
                ),
                manquant=True,
            )
        elif etat == AUTORISATION_TROP_TARDIVE:
            yield Probleme(
                "autorisation_demandee_le",
                _(
                    "L'autorisation d'absence a été demandée moins de %(jours)s jours avant le "
                    "début (D6323-4) : sans accord exprès de l'employeur, le bilan ne peut pas "
                    "commencer à cette date."
                )
                % {
                    "jours": autorisation_preavis_jours(
                        debut_prevu=bilan.date_debut_prevue, fin_prevue=bilan.date_fin_prevue
                    )
                },
            )
        elif etat == AUTORISATION_EN_ATTENTE and bilan.autorisation_demandee_le is not None:
            fin = autorisation_fin_reponse(demande_le=bilan.autorisation_demandee_le)
            yield Probleme(
                "autorisation_reponse",
                _(
                    "L'employeur n'a pas encore répondu à la demande d'autorisation d'absence ; "
                    "sans réponse, elle sera acquise après le %(fin)s (D6323-4)."
                )
                % {"fin": date_fr(jour=fin)},
                manquant=True,
            )
        elif etat == AUTORISATION_REFUSEE:
            yield Probleme(
                "autorisation_reponse",
                _(
                    "L'employeur a refusé l'absence : le bilan ne peut pas avoir lieu sur le "
                    "temps de travail (D6323-4)."
                ),
            )


def _problemes_employeur(*, bilan: Bilan) -> Iterator[Probleme]:
    if not bilan.employeur_signataire_nom.strip():
        yield Probleme(
            "employeur_signataire_nom",
            _(
                "Le ou la signataire de la convention pour l'employeur n'est pas renseigné·e "
                "(R6313-8)."
            ),
            manquant=True,
        )
    beneficiaire = bilan.beneficiaire
    if not beneficiaire.employeur_nom.strip() or not beneficiaire.employeur_siret.strip():
        yield Probleme(
            NON_FIELD_ERRORS,
            _(
                "Le nom et le SIRET de l'employeur doivent être renseignés dans la fiche du ou "
                "de la bénéficiaire (convention tripartite, R6313-8)."
            ),
            manquant=True,
        )


def _problemes_financeur(*, bilan: Bilan) -> Iterator[Probleme]:
    if not bilan.financeur_nom.strip():
        yield Probleme(
            "financeur_nom", _("Le nom du financeur n'est pas renseigné."), manquant=True
        )
    if not bilan.financeur_reference.strip():
        yield Probleme(
            "financeur_reference",
            _(
                "La référence du dossier chez le financeur (accord de prise en charge) n'est "
                "pas renseignée."
            ),
            manquant=True,
        )


def financement_problemes_detail(
    *, bilan: Bilan, aujourdhui: date, organisation: Organisation
) -> list[Probleme]:
    """``financement_problemes`` with, for each point, its form field and whether it is
    missing information."""
    problemes = list(
        _problemes_communs(bilan=bilan, aujourdhui=aujourdhui, organisation=organisation)
    )
    route = bilan.financement
    if route == Financement.CPF:
        problemes += _problemes_cpf(bilan=bilan, aujourdhui=aujourdhui)
    elif route in ROUTES_EMPLOYEUR:
        problemes += _problemes_employeur(bilan=bilan)
    elif route in ROUTES_FINANCEUR:
        problemes += _problemes_financeur(bilan=bilan)
    elif route == Financement.PERSONNEL:
        if bilan.prix_ttc is None:
            problemes.append(
                Probleme("prix_ttc", _("Le prix du bilan n'est pas renseigné."), manquant=True)
            )
    else:
        problemes.append(
            Probleme("financement", _("Le mode de financement n'est pas choisi."), manquant=True)
        )
    return problemes


def financement_problemes(
    *, bilan: Bilan, aujourdhui: date, organisation: Organisation
) -> list[str]:
    """French checklist of what, on the financing side, blocks moving ``bilan`` to "en cours"
    (empty list: nothing). Route rules: CPF (CDC 11 jours ouvrés, D6323-6 5-year rule,
    D6323-4 authorisation), plan employeur / congé de reclassement (R6313-8 parties),
    OPCO / Transitions Pro / France Travail / other funder (funding agreement), personal
    (price, L6353-4). Common: R6313-5 (not the employer's own employees) and, for every funded
    route, NDA (L6351-1) and a Qualiopi certificate covering bilans valid at the start
    (L6316-1). Signature checks (convention signed) are not part of this list.

    Reads ``bilan.beneficiaire``: call it inside ``tenant_context``.
    """
    return [
        p.message
        for p in financement_problemes_detail(
            bilan=bilan, aujourdhui=aujourdhui, organisation=organisation
        )
    ]
