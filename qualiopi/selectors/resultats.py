"""Result indicators of a period (Qualiopi indicators 1-2, domain rule 29) and the completion of
each dossier (rule 24), computed from the data, never typed.

What falls in the period [``debut``, ``fin``] (both days included, Europe/Paris):

- **commencé**: the bilan's real start (``date_debut_reelle``, written when it starts) is in
  the period;
- **terminé**: the bilan reached its end (synthèse handed over or closed, ``FINIS``) and its real
  end (``date_fin_reelle``) is in the period;
- **abandonné**: abandoned, the day it ended (``termine_le``) in the period; the abandonment rate
  is abandoned / (ended + abandoned): of the dossiers that left the accompaniment in the period,
  the share that did not reach the end;
- **heures réalisées**: séances with the status « réalisée » (realised duration, or the planned
  one when none was typed) of the bilans ended in the period, split accompaniment / guided
  personal work, averaged per bilan;
- **réalisation par dossier** (rule 24): every dossier ended or abandoned in the period; planned
  hours = the hours of the plan (accompaniment + guided personal work on the dossier), realised
  = the séances realised, unperformed = planned − realised (never below zero), rate = realised /
  planned (capped at 100 %);
- **suivis**: a follow-up is due on its planned date (or, never planned or cancelled, at the end
  + the proposed delay, as ``seances.selectors.suivi``); those due in the period count; « dans
  la fenêtre » = realised between end + the window's first and last month (the programme's
  window, rule 16's 3 to 9 months without a programme); outcomes are the coded situations;
- **satisfaction**: surveys sent in the period (à chaud, à froid): sent, answered, notes of 4-5
  out of the notes of the questions that count in the rate;
- **enquêtes métier**: ``None`` (« non disponible ») until the exploration app provides them.

With ``consultant``, only the bilans whose referent consultant is this person count.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.cycle import FINIS
from beneficiaires.models import Bilan, CauseAbandon, StatutBilan, TypeSeance
from beneficiaires.programmes import bilan_suivi_mois
from bilan.core.dates import ajouter_mois
from bilan.core.models import Membership, Organisation, Role, User
from enquetes.models import KindEnquete, Question, Reponse, ReponseItem
from exploration.models import EnqueteMetier
from exploration.selectors.pistes import enquetes_metier_compter
from qualiopi.referentiel import referentiel_courant
from seances.models import Emargement, EntretienSuivi, Seance

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Rule 16: the follow-up is proposed 3 to 9 months after the end (without a programme's window).
FENETRE_SUIVI_MOIS = (3, 9)


def _taux(numerateur: int | Decimal, denominateur: int | Decimal) -> float | None:
    """Percentage with one decimal (half up), None when there is nothing to divide by."""
    if not denominateur:
        return None
    valeur = Decimal(numerateur) * 100 / Decimal(denominateur)
    return float(valeur.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _heures(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RealisationDossier:
    """Rule 24 for one dossier: planned, realised and unperformed hours, completion rate."""

    bilan_id: int
    numero: str
    statut: str
    statut_libelle: str
    debut: dt.date | None
    fin: dt.date | None
    heures_prevues: Decimal
    heures_realisees: Decimal
    heures_accompagnement: Decimal
    heures_travail_personnel: Decimal
    heures_non_realisees: Decimal
    taux_realisation: float | None
    seances_sans_emargement: int


@dataclass(frozen=True)
class Satisfaction:
    kind: str
    envoyees: int
    repondues: int
    notes: int
    satisfaites: int

    @property
    def taux_reponse(self) -> float | None:
        return _taux(self.repondues, self.envoyees)

    @property
    def taux(self) -> float | None:
        return _taux(self.satisfaites, self.notes)


@dataclass(frozen=True)
class Resultats:
    """The figures of one period (see the module docstring for each definition)."""

    debut: dt.date
    fin: dt.date
    consultant_id: int | None
    referentiel: str
    commences: int
    termines: int
    abandonnes: int
    taux_abandon: float | None
    causes_abandon: tuple[tuple[str, str, int], ...]
    heures_accompagnement_moyennes: Decimal | None
    heures_travail_personnel_moyennes: Decimal | None
    realisation: tuple[RealisationDossier, ...]
    heures_prevues_total: Decimal
    heures_realisees_total: Decimal
    heures_non_realisees_total: Decimal
    taux_realisation_global: float | None
    suivis_dus: int
    suivis_realises: int
    suivis_dans_la_fenetre: int
    resultats_suivi: tuple[tuple[str, str, int], ...]
    satisfaction_chaud: Satisfaction
    satisfaction_froid: Satisfaction
    # Enquêtes métier held in the period (exploration app), by type of organisation met.
    enquetes_metier: int
    enquetes_metier_bilans: int
    enquetes_metier_par_nature: tuple[tuple[str, str, int], ...]

    @property
    def taux_suivi(self) -> float | None:
        return _taux(self.suivis_realises, self.suivis_dus)

    @property
    def taux_suivi_dans_la_fenetre(self) -> float | None:
        return _taux(self.suivis_dans_la_fenetre, self.suivis_dus)


def _moyenne(valeurs: list[Decimal]) -> Decimal:
    total = sum(valeurs, Decimal("0"))
    return (total / len(valeurs)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _bilans(*, organisation: Organisation, consultant: User | None) -> QuerySet[Bilan]:
    bilans = Bilan.objects.filter(organisation_id=organisation.pk)
    if consultant is not None:
        bilans = bilans.filter(consultant_id=consultant.pk)
    return bilans


def _minutes_realisees(seance: Seance) -> int:
    return (
        seance.duree_realisee_minutes
        if seance.duree_realisee_minutes is not None
        else (seance.duree_minutes)
    )


def _realisations(bilans: list[Bilan]) -> dict[int, RealisationDossier]:
    """Planned / realised hours per bilan (rule 24), from the realised séances."""
    seances = Seance.objects.filter(
        bilan_id__in=[b.pk for b in bilans], statut=Seance.Statut.REALISEE
    ).only("id", "bilan_id", "type", "duree_minutes", "duree_realisee_minutes")
    signatures = Counter(
        Emargement.objects.filter(seance__in=seances).values_list("seance_id", flat=True)
    )
    accompagnement: Counter[int] = Counter()
    travail: Counter[int] = Counter()
    sans_emargement: Counter[int] = Counter()
    for seance in seances:
        minutes = _minutes_realisees(seance)
        if seance.type == TypeSeance.TRAVAIL_PERSONNEL:
            travail[seance.bilan_id] += minutes
        else:
            accompagnement[seance.bilan_id] += minutes
            # Attendance proof: the beneficiary's and the consultant's signatures (rule 24).
            if signatures[seance.pk] < 2:
                sans_emargement[seance.bilan_id] += 1
    statuts = dict(StatutBilan.choices)
    lignes = {}
    for bilan in bilans:
        prevues = (bilan.heures_accompagnement + bilan.heures_travail_personnel).quantize(
            Decimal("0.01")
        )
        realisees = _heures(accompagnement[bilan.pk] + travail[bilan.pk])
        taux = _taux(min(realisees, prevues), prevues)
        lignes[bilan.pk] = RealisationDossier(
            bilan_id=bilan.pk,
            numero=bilan.numero,
            statut=bilan.statut,
            statut_libelle=str(statuts.get(bilan.statut, bilan.statut)),
            debut=bilan.date_debut_reelle,
            fin=bilan.date_fin_reelle or bilan.termine_le,
            heures_prevues=prevues,
            heures_realisees=realisees,
            heures_accompagnement=_heures(accompagnement[bilan.pk]),
            heures_travail_personnel=_heures(travail[bilan.pk]),
            heures_non_realisees=max(prevues - realisees, Decimal("0.00")),
            taux_realisation=taux,
            seances_sans_emargement=sans_emargement[bilan.pk],
        )
    return lignes


def realisation_des_bilans(*, bilans: list[Bilan]) -> list[RealisationDossier]:
    """Rule 24 for the given dossiers, in their order (the export's per-dossier table)."""
    lignes = _realisations(bilans)
    return [lignes[b.pk] for b in bilans]


def suivi_dans_la_fenetre(*, bilan: Bilan, suivi: EntretienSuivi) -> bool:
    """Whether a realised follow-up took place inside its expected window (module docstring)."""
    if bilan.date_fin_reelle is None or suivi.statut != EntretienSuivi.Statut.REALISE:
        return False
    premier, dernier = _fenetre_suivi(bilan)
    fait = (suivi.realise_le or suivi.date_prevue).astimezone(PARIS).date()
    return (
        ajouter_mois(jour=bilan.date_fin_reelle, mois=premier)
        <= fait
        <= ajouter_mois(jour=bilan.date_fin_reelle, mois=dernier)
    )


def _fenetre_suivi(bilan: Bilan) -> tuple[int, int]:
    programme = bilan.programme
    if programme is not None and programme.suivi_mois and programme.suivi_mois_max:
        return programme.suivi_mois, programme.suivi_mois_max
    return FENETRE_SUIVI_MOIS


def _suivis(
    *, bilans: QuerySet[Bilan], debut: dt.date, fin: dt.date
) -> tuple[int, int, int, Counter[str]]:
    termines = list(
        bilans.filter(statut__in=FINIS, date_fin_reelle__isnull=False).select_related(
            "organisation", "programme"
        )
    )
    suivis = {
        s.bilan_id: s
        for s in EntretienSuivi.objects.filter(bilan_id__in=[b.pk for b in termines]).only(
            "bilan_id", "statut", "date_prevue", "realise_le", "resultat"
        )
    }
    dus = realises = dans_fenetre = 0
    issues: Counter[str] = Counter()
    for bilan in termines:
        assert bilan.date_fin_reelle is not None
        suivi = suivis.get(bilan.pk)
        if suivi is not None and suivi.statut != EntretienSuivi.Statut.ANNULE:
            echeance = suivi.date_prevue.astimezone(PARIS).date()
        else:
            echeance = ajouter_mois(jour=bilan.date_fin_reelle, mois=bilan_suivi_mois(bilan=bilan))
        if not debut <= echeance <= fin:
            continue
        dus += 1
        if suivi is None or suivi.statut != EntretienSuivi.Statut.REALISE:
            continue
        realises += 1
        issues[suivi.resultat] += 1
        if suivi_dans_la_fenetre(bilan=bilan, suivi=suivi):
            dans_fenetre += 1
    return dus, realises, dans_fenetre, issues


def _satisfaction(
    *, bilans: QuerySet[Bilan], debut: dt.date, fin: dt.date, kind: str
) -> Satisfaction:
    envoyees = Reponse.objects.filter(
        bilan__in=bilans,
        kind=kind,
        envoyee_le__date__gte=debut,
        envoyee_le__date__lte=fin,
    )
    notes = list(
        ReponseItem.objects.filter(
            reponse__in=envoyees,
            reponse__repondu_le__isnull=False,
            question__type=Question.Type.NOTE,
            question__compte_satisfaction=True,
            note__isnull=False,
        ).values_list("note", flat=True)
    )
    # One pass over the sent surveys for both counts (issue 16: the page ran two per kind).
    comptes = envoyees.aggregate(
        envoyees=Count("pk"), repondues=Count("pk", filter=Q(repondu_le__isnull=False))
    )
    return Satisfaction(
        kind=kind,
        envoyees=comptes["envoyees"],
        repondues=comptes["repondues"],
        notes=len(notes),
        satisfaites=sum(1 for n in notes if n >= 4),
    )


def resultats_periode(
    *,
    organisation: Organisation,
    debut: dt.date,
    fin: dt.date,
    consultant: User | None = None,
) -> Resultats:
    """The result indicators of ``organisation`` for [``debut``, ``fin``], optionally for the
    bilans of one referent consultant (module docstring: what each figure counts)."""
    bilans = _bilans(organisation=organisation, consultant=consultant)
    commences = bilans.filter(date_debut_reelle__gte=debut, date_debut_reelle__lte=fin).count()
    termines = list(
        bilans.filter(
            statut__in=FINIS, date_fin_reelle__gte=debut, date_fin_reelle__lte=fin
        ).order_by("date_fin_reelle", "numero")
    )
    abandonnes = list(
        bilans.filter(
            statut=StatutBilan.ABANDONNE, termine_le__gte=debut, termine_le__lte=fin
        ).order_by("termine_le", "numero")
    )
    causes = Counter(b.cause_abandon for b in abandonnes)
    libelles_causes = dict(CauseAbandon.choices)
    causes_abandon = tuple(
        (code, str(libelles_causes.get(code, _("Non renseignée"))), causes[code])
        for code in [*CauseAbandon.values, ""]
        if causes[code]
    )
    lignes = _realisations(termines + abandonnes)
    realisation = tuple(
        sorted(lignes.values(), key=lambda ligne: (ligne.fin or debut, ligne.numero))
    )
    fins = [lignes[b.pk] for b in termines]
    prevues = sum((ligne.heures_prevues for ligne in realisation), Decimal("0.00"))
    realisees = sum((ligne.heures_realisees for ligne in realisation), Decimal("0.00"))
    non_realisees = sum((ligne.heures_non_realisees for ligne in realisation), Decimal("0.00"))
    dus, realises, dans_fenetre, issues = _suivis(bilans=bilans, debut=debut, fin=fin)
    libelles_suivi = dict(EntretienSuivi.Resultat.choices)
    enquetes = enquetes_metier_compter(
        organisation=organisation,
        debut=debut,
        fin=fin,
        consultant_id=consultant.pk if consultant is not None else None,
    )
    libelles_natures = dict(EnqueteMetier.TypeOrganisation.choices)
    return Resultats(
        debut=debut,
        fin=fin,
        consultant_id=consultant.pk if consultant is not None else None,
        referentiel=referentiel_courant().libelle,
        commences=commences,
        termines=len(termines),
        abandonnes=len(abandonnes),
        taux_abandon=_taux(len(abandonnes), len(termines) + len(abandonnes)),
        causes_abandon=causes_abandon,
        heures_accompagnement_moyennes=(
            _moyenne([ligne.heures_accompagnement for ligne in fins]) if fins else None
        ),
        heures_travail_personnel_moyennes=(
            _moyenne([ligne.heures_travail_personnel for ligne in fins]) if fins else None
        ),
        realisation=realisation,
        heures_prevues_total=prevues,
        heures_realisees_total=realisees,
        heures_non_realisees_total=non_realisees,
        taux_realisation_global=_taux(prevues - non_realisees, prevues),
        suivis_dus=dus,
        suivis_realises=realises,
        suivis_dans_la_fenetre=dans_fenetre,
        resultats_suivi=tuple(
            (code, str(libelles_suivi[code]), issues[code])
            for code in EntretienSuivi.Resultat.values
            if issues[code]
        ),
        satisfaction_chaud=_satisfaction(
            bilans=bilans, debut=debut, fin=fin, kind=KindEnquete.CHAUD
        ),
        satisfaction_froid=_satisfaction(
            bilans=bilans, debut=debut, fin=fin, kind=KindEnquete.FROID
        ),
        enquetes_metier=enquetes["total"],
        enquetes_metier_bilans=enquetes["bilans"],
        enquetes_metier_par_nature=tuple(
            (code, str(libelles_natures[code]), nombre)
            for code, nombre in enquetes["par_type_organisation"].items()
            if nombre
        ),
    )


def _json(valeur: Any) -> Any:
    if isinstance(valeur, Decimal):
        return str(valeur)
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, dict):
        return {k: _json(v) for k, v in valeur.items()}
    if isinstance(valeur, list | tuple):
        return [_json(v) for v in valeur]
    return valeur


def resultats_instantane(*, r: Resultats) -> dict[str, Any]:
    """A JSON-ready snapshot of the figures (e.g. what a public offer page publishes), rates
    included; the per-dossier table is left out (dossier numbers are internal)."""
    donnees = asdict(r)
    donnees.pop("realisation")
    donnees.update(
        taux_suivi=r.taux_suivi,
        taux_suivi_dans_la_fenetre=r.taux_suivi_dans_la_fenetre,
        satisfaction_chaud={
            **donnees["satisfaction_chaud"],
            "taux": r.satisfaction_chaud.taux,
            "taux_reponse": r.satisfaction_chaud.taux_reponse,
        },
        satisfaction_froid={
            **donnees["satisfaction_froid"],
            "taux": r.satisfaction_froid.taux,
            "taux_reponse": r.satisfaction_froid.taux_reponse,
        },
    )
    return _json(donnees)


def periode_par_defaut(*, aujourdhui: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 12 months: from the same day a year ago (+1 day) to today."""
    aujourdhui = aujourdhui or timezone.localdate()
    return ajouter_mois(jour=aujourdhui, mois=-12) + dt.timedelta(days=1), aujourdhui


def consultants_lister(*, organisation: Organisation) -> list[User]:
    """The people who can be a bilan's referent (consultants and admins), for the filter."""
    return [
        m.user
        for m in Membership.objects.filter(
            organisation_id=organisation.pk,
            role__in=[Role.CONSULTANT, Role.ADMIN],
            is_active=True,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    ]


def _pct(valeur: float | None) -> str:
    return "" if valeur is None else f"{valeur:.1f}".replace(".", ",")


def _nb(valeur: Decimal | None) -> str:
    return "" if valeur is None else f"{valeur:.2f}".replace(".", ",")


def resultats_lignes_csv(*, r: Resultats) -> tuple[list[str], list[list[object]]]:
    """The figures of the period as rows: indicator, value, volume (also used by the export)."""
    entetes = [_("Indicateur"), _("Valeur"), _("Volume"), _("Période"), _("Référentiel")]
    periode = f"{r.debut.isoformat()} / {r.fin.isoformat()}"
    lignes: list[list[object]] = [
        [_("Bilans commencés"), r.commences, "", periode, r.referentiel],
        [_("Bilans terminés"), r.termines, "", periode, r.referentiel],
        [_("Bilans abandonnés"), r.abandonnes, "", periode, r.referentiel],
        [_("Taux d'abandon (%)"), _pct(r.taux_abandon), r.termines + r.abandonnes, periode, ""],
    ]
    for _code, libelle, nombre in r.causes_abandon:
        lignes.append([_("Cause d'abandon : %(c)s") % {"c": libelle}, nombre, "", periode, ""])
    lignes += [
        [
            _("Heures d'accompagnement réalisées (moyenne par bilan)"),
            _nb(r.heures_accompagnement_moyennes),
            r.termines,
            periode,
            "",
        ],
        [
            _("Heures de travail personnel guidé réalisées (moyenne par bilan)"),
            _nb(r.heures_travail_personnel_moyennes),
            r.termines,
            periode,
            "",
        ],
        [_("Heures prévues (dossiers sortis)"), _nb(r.heures_prevues_total), "", periode, ""],
        [_("Heures réalisées (dossiers sortis)"), _nb(r.heures_realisees_total), "", periode, ""],
        [_("Heures non réalisées"), _nb(r.heures_non_realisees_total), "", periode, ""],
        [_("Taux de réalisation (%)"), _pct(r.taux_realisation_global), "", periode, ""],
        [_("Entretiens de suivi dus"), r.suivis_dus, "", periode, ""],
        [_("Entretiens de suivi réalisés (%)"), _pct(r.taux_suivi), r.suivis_realises, periode, ""],
        [
            _("Entretiens de suivi réalisés dans la fenêtre prévue (%)"),
            _pct(r.taux_suivi_dans_la_fenetre),
            r.suivis_dans_la_fenetre,
            periode,
            "",
        ],
    ]
    for _code, libelle, nombre in r.resultats_suivi:
        lignes.append([_("Situation au suivi : %(s)s") % {"s": libelle}, nombre, "", periode, ""])
    lignes.append([_("Enquêtes métier"), r.enquetes_metier, r.enquetes_metier_bilans, periode, ""])
    for _code, libelle, nombre in r.enquetes_metier_par_nature:
        lignes.append([_("Enquêtes métier : %(n)s") % {"n": libelle}, nombre, "", periode, ""])
    for nom, s in ((_("à chaud"), r.satisfaction_chaud), (_("à froid"), r.satisfaction_froid)):
        lignes.append(
            [
                _("Taux de réponse %(k)s (%%)") % {"k": nom},
                _pct(s.taux_reponse),
                s.envoyees,
                periode,
                "",
            ]
        )
        lignes.append(
            [
                _("Satisfaction %(k)s (notes 4-5, %%)") % {"k": nom},
                _pct(s.taux),
                s.notes,
                periode,
                "",
            ]
        )
    return entetes, lignes


def realisation_lignes_csv(
    *, lignes: Sequence[RealisationDossier]
) -> tuple[list[str], list[list[object]]]:
    """Rule 24, one row per dossier (no name, no content)."""
    entetes = [
        _("Dossier"),
        _("Statut"),
        _("Début"),
        _("Fin"),
        _("Heures prévues"),
        _("Heures réalisées"),
        _("dont accompagnement"),
        _("dont travail personnel"),
        _("Heures non réalisées"),
        _("Taux de réalisation (%)"),
        _("Séances réalisées sans émargement complet"),
    ]
    rangees = [
        [
            ligne.numero,
            ligne.statut_libelle,
            ligne.debut.isoformat() if ligne.debut else "",
            ligne.fin.isoformat() if ligne.fin else "",
            _nb(ligne.heures_prevues),
            _nb(ligne.heures_realisees),
            _nb(ligne.heures_accompagnement),
            _nb(ligne.heures_travail_personnel),
            _nb(ligne.heures_non_realisees),
            _pct(ligne.taux_realisation),
            ligne.seances_sans_emargement,
        ]
        for ligne in lignes
    ]
    return entetes, rangees
