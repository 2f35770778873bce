"""A constructed dataset for the result indicators (rule 29), the completion of each dossier
(rule 24) and the result providers of the evidence export, with the exact figures expected.

Period: 2026-01-01 to 2026-06-30, organisation A.

- B1 closed (start 01-10, end 03-10): planned 10 h + 2 h guided personal work; realised two
  interviews (180 min, the second realised 150) and 120 min of personal work: 7.50 h, 4.50 h
  unperformed, 62.5 %; no attendance signature (2 séances without).
- B2 synthèse handed over (start 02-01, end 04-01): planned 4 h, realised one 240-min interview
  signed by both (100 %); one more séance only planned (not realised, not counted).
- B3 abandoned on 03-20 (start 02-15), cause « santé »: planned 6 h, realised 60 min: 16.7 %.
- B4 running, started 05-01.
- B6 abandoned on 02-01 (start 2025-12-01), the admin's dossier, cause « reprise d'emploi »:
  planned 2 h, nothing realised: 0 %.
- B5, B7, B8 ended in 2025 (outside the period): their follow-ups are due in the period:
  B5 realised 2026-06-10 (end 2025-12-15: inside the 3-9 month window), « en emploi » ;
  B7 realised 2026-01-15 (end 2025-11-01: 2.5 months, before the window), « en recherche » ;
  B8 (end 2025-10-20) none planned: due at end + 6 months = 2026-04-20, not done.
- Surveys à chaud sent in the period: B1 (5), B2 (3), B5 (4) answered, B7 not: 3/4 answers,
  2 satisfied notes out of 3. À froid: B7 sent and answered (4); B8 sent in 2025 (outside).
- Organisation B: one abandoned bilan in the period (never counted for A).
"""

import datetime as dt
import hashlib
import zoneinfo
from decimal import Decimal

from beneficiaires.models import Bilan
from bilan.core.tenancy import tenant_context
from enquetes.models import Question, Questionnaire, Reponse, ReponseItem
from seances.models import Emargement, EntretienSuivi, Seance
from tests.factories.bilans import bilan_for

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DEBUT = dt.date(2026, 1, 1)
FIN = dt.date(2026, 6, 30)
NOTE_CONFIDENTIELLE = "NOTE-SEANCE-CONFIDENTIELLE-91c"
MOTIF_CONFIDENTIEL = "MOTIF-ABANDON-CONFIDENTIEL-4be"


def _moment(jour: dt.date, heure: int = 10) -> dt.datetime:
    return dt.datetime.combine(jour, dt.time(heure), tzinfo=PARIS)


def _seance(bilan, *, jour, minutes, realisees=None, type_="entretien", statut="realisee"):
    travail = type_ == "travail_personnel"
    return Seance.objects.create(
        organisation=bilan.organisation,
        bilan=bilan,
        consultant=bilan.consultant,
        phase="investigation",
        type=type_,
        intitule="Séance",
        debut=_moment(jour),
        duree_minutes=minutes,
        duree_realisee_minutes=realisees,
        modalite="autonomie" if travail else "presentiel",
        statut=statut,
        notes=NOTE_CONFIDENTIELLE,
    )


def _emarger(seance):
    for role in ("beneficiaire", "consultant"):
        Emargement.objects.create(
            organisation=seance.organisation,
            seance=seance,
            role=role,
            signataire=role,
            methode="dessin" if role == "beneficiaire" else "session",
            signe_le=seance.debut,
            details={"seance": str(seance.public_id)},
            details_sha256="0" * 64,
        )


def _suivi(bilan, *, prevu: dt.date, realise: dt.date | None, resultat: str = ""):
    return EntretienSuivi.objects.create(
        organisation=bilan.organisation,
        bilan=bilan,
        consultant=bilan.consultant,
        date_prevue=_moment(prevu),
        statut="realise" if realise else "planifie",
        resultat=resultat,
        realise_le=_moment(realise) if realise else None,
        commentaire="Commentaire confidentiel du suivi",
    )


def _reponse(bilan, *, kind, envoyee: dt.date, note: int | None, question):
    reponse = Reponse.objects.create(
        organisation=bilan.organisation,
        bilan=bilan,
        kind=kind,
        token_hash=hashlib.sha256(f"{bilan.pk}-{kind}".encode()).hexdigest(),
        envoyee_le=_moment(envoyee),
        repondu_le=_moment(envoyee + dt.timedelta(days=2)) if note is not None else None,
    )
    if note is not None:
        ReponseItem.objects.create(
            organisation=bilan.organisation, reponse=reponse, question=question, note=note
        )
    return reponse


def jeu_construire(world) -> dict[str, Bilan]:
    """Writes the dataset (module docstring) and returns its bilans by name."""
    org = world.org_a
    b = world.beneficiaire_a

    def bilan(**champs):
        return bilan_for(b, **champs)

    bilans = {
        "B1": bilan(
            statut="clos",
            phase="conclusion",
            date_debut_reelle=dt.date(2026, 1, 10),
            date_fin_reelle=dt.date(2026, 3, 10),
            termine_le=dt.date(2026, 3, 12),
            heures_accompagnement=Decimal("10"),
            heures_travail_personnel=Decimal("2"),
            financement="cpf",
            prix_ttc=Decimal("1500"),
        ),
        "B2": bilan(
            statut="synthese_remise",
            phase="conclusion",
            date_debut_reelle=dt.date(2026, 2, 1),
            date_fin_reelle=dt.date(2026, 4, 1),
            heures_accompagnement=Decimal("4"),
            financement="opco",
            prix_ttc=Decimal("1800"),
        ),
        "B3": bilan(
            statut="abandonne",
            phase="investigation",
            date_debut_reelle=dt.date(2026, 2, 15),
            termine_le=dt.date(2026, 3, 20),
            heures_accompagnement=Decimal("6"),
            cause_abandon="sante",
            motif_abandon=MOTIF_CONFIDENTIEL,
        ),
        "B4": bilan(statut="en_cours", phase="preliminaire", date_debut_reelle=dt.date(2026, 5, 1)),
        "B5": bilan(
            statut="clos",
            phase="conclusion",
            date_debut_reelle=dt.date(2025, 10, 1),
            date_fin_reelle=dt.date(2025, 12, 15),
            termine_le=dt.date(2025, 12, 15),
        ),
        "B6": bilan(
            statut="abandonne",
            phase="preliminaire",
            consultant=world.admin_a,
            date_debut_reelle=dt.date(2025, 12, 1),
            termine_le=dt.date(2026, 2, 1),
            heures_accompagnement=Decimal("2"),
            cause_abandon="reprise_emploi",
            motif_abandon="Reprise d'emploi",
        ),
        "B7": bilan(
            statut="clos",
            phase="conclusion",
            date_debut_reelle=dt.date(2025, 9, 1),
            date_fin_reelle=dt.date(2025, 11, 1),
            termine_le=dt.date(2025, 11, 1),
        ),
        "B8": bilan(
            statut="clos",
            phase="conclusion",
            date_debut_reelle=dt.date(2025, 8, 1),
            date_fin_reelle=dt.date(2025, 10, 20),
            termine_le=dt.date(2025, 10, 20),
        ),
    }
    bilan_for(
        world.beneficiaire_b,
        statut="abandonne",
        phase="preliminaire",
        date_debut_reelle=dt.date(2026, 1, 5),
        termine_le=dt.date(2026, 2, 5),
        cause_abandon="sante",
        motif_abandon="Autre organisme",
    )
    with tenant_context(org):
        b1, b2, b3 = bilans["B1"], bilans["B2"], bilans["B3"]
        _seance(b1, jour=dt.date(2026, 1, 10), minutes=180)
        _seance(b1, jour=dt.date(2026, 1, 20), minutes=180, realisees=150)
        _seance(b1, jour=dt.date(2026, 1, 25), minutes=120, type_="travail_personnel")
        _emarger(_seance(b2, jour=dt.date(2026, 2, 1), minutes=240))
        _seance(b2, jour=dt.date(2026, 3, 1), minutes=60, statut="annulee")
        _seance(b3, jour=dt.date(2026, 2, 15), minutes=60)
        _suivi(
            bilans["B5"],
            prevu=dt.date(2026, 6, 10),
            realise=dt.date(2026, 6, 10),
            resultat="en_emploi_projet",
        )
        _suivi(
            bilans["B7"],
            prevu=dt.date(2026, 1, 15),
            realise=dt.date(2026, 1, 15),
            resultat="en_recherche",
        )
        chaud = Questionnaire.objects.create(organisation=org, kind="chaud", titre="À chaud")
        froid = Questionnaire.objects.create(organisation=org, kind="froid", titre="À froid")
        q_chaud = Question.objects.create(
            organisation=org,
            questionnaire=chaud,
            libelle="Satisfaction",
            type="note",
            compte_satisfaction=True,
        )
        q_froid = Question.objects.create(
            organisation=org,
            questionnaire=froid,
            libelle="Satisfaction",
            type="note",
            compte_satisfaction=True,
        )
        for nom, note in (("B1", 5), ("B2", 3), ("B5", 4), ("B7", None)):
            _reponse(
                bilans[nom], kind="chaud", envoyee=dt.date(2026, 4, 2), note=note, question=q_chaud
            )
        _reponse(bilans["B7"], kind="froid", envoyee=dt.date(2026, 5, 2), note=4, question=q_froid)
        _reponse(bilans["B8"], kind="froid", envoyee=dt.date(2025, 12, 2), note=1, question=q_froid)
    return bilans
