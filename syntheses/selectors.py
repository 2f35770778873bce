"""Reads for the synthèse: who signs it as the consultant, its content as a snapshot, the
computed parts (weighted scenario totals, competency gaps), the versions the beneficiary may
read, and the word-level comparison of two versions. Who may work on it: ``beneficiaires.acces``.

Every query runs through the tenant-scoped manager; objects named in a URL are read through
``synthese_obtenir`` (404 elsewhere).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.models import Beneficiaire, Bilan, Phase, StatutBilan
from bilan.core.form_errors import Manque
from bilan.core.formatting import date_fr
from bilan.core.models import Organisation, SignatureRole, SignedDocument, User
from bilan.core.tenancy import get_for_organisation
from exploration.selectors import questionnaires as questionnaires_selectors
from seances.models import Rendu
from seances.selectors.emargement import PARIS
from seances.selectors.phases import (
    conclusion_entretien_emarge,
    conclusion_entretiens_realises,
    derniere_seance_realisee_le,
    seances_encore_planifiees,
)
from syntheses.models import (
    SECTIONS,
    Commentaire,
    Critere,
    EcartCompetence,
    EtapePlanAction,
    Scenario,
    Synthese,
    SyntheseVersion,
)

SECTION_KEYS = [key for key, _label in SECTIONS]
KIND = "synthese"

# Version reasons (``SyntheseVersion.motif``). The beneficiary reads only the shared ones.
MOTIF_PARTAGEE = "Partagée"
MOTIF_REVISEE = "Révisée"
MOTIF_VALIDEE = "Validée"
MOTIF_CORRECTION = "Nouvelle version (correction)"
MOTIFS_PARTAGES = (MOTIF_PARTAGEE, MOTIF_REVISEE, MOTIF_VALIDEE)

STATUTS_IMMUABLES = {Synthese.Statut.SIGNEE, Synthese.Statut.REMISE}


# --- Rights -----------------------------------------------------------------------------------


def peut_signer_consultant(*, user: User, bilan: Bilan) -> bool:
    """Signing as the consultant: a consultant of the bilan (an admin who is one too), with an
    active membership. Who may *work* on the synthèse is ``beneficiaires.acces``'s to say."""
    membership = acces.membership_de(user=user, organisation_id=bilan.organisation_id)
    return membership is not None and acces.est_assigne(user_id=user.pk, bilan=bilan)


def est_beneficiaire(*, user: User, synthese: Synthese) -> bool:
    access = getattr(synthese.bilan.beneficiaire, "portal_access", None)
    return (
        access is not None and access.is_active and user is not None and access.user_id == user.pk
    )


# Drafting starts early: the consultant writes the synthèse from the investigation phase on
# (a draft nobody else reads); sharing it with the beneficiary waits for the conclusion phase
# (R6313-4 3° : la synthèse est l'objet de la phase de conclusion). README « Choix de conception ».
PHASES_REDACTION = {Phase.INVESTIGATION, Phase.CONCLUSION}


def bilan_permet_synthese(*, bilan: Bilan) -> bool:
    """The synthèse is drafted from the investigation phase on."""
    if bilan.statut == StatutBilan.EN_COURS:
        return bilan.phase in PHASES_REDACTION
    return bilan.statut in {StatutBilan.SYNTHESE_REMISE, StatutBilan.CLOS}


def synthese_refus_partage(*, bilan: Bilan) -> str | None:
    """Why the synthèse cannot be shared with the beneficiary now (a French message), or None:
    a running bilan shares it in the conclusion phase only (R6313-4 3°)."""
    if bilan.statut == StatutBilan.EN_COURS and bilan.phase != Phase.CONCLUSION:
        return _(
            "La synthèse se partage avec le ou la bénéficiaire pendant la phase de conclusion "
            "(R6313-4) : ce bilan est en « %(phase)s ». Vous pouvez continuer à la rédiger."
        ) % {"phase": bilan.get_phase_display().lower()}
    return None


# A bilan that ended this way never gets a new synthèse: the action is over and its work
# documents go at its end (R6313-7). An existing synthèse stays readable.
STATUTS_SANS_NOUVELLE_SYNTHESE = {StatutBilan.CLOS, StatutBilan.ABANDONNE, StatutBilan.REFUSE}


def synthese_refus_commencer(*, bilan: Bilan) -> str | None:
    """Why a synthèse cannot be started on ``bilan`` now (a French message), or None."""
    if bilan.statut in STATUTS_SANS_NOUVELLE_SYNTHESE:
        return _(
            "Ce bilan est %(statut)s : une synthèse ne s'y commence plus (les documents de "
            "travail sont détruits à la fin de l'action, R6313-7)."
        ) % {"statut": bilan.get_statut_display().lower()}
    if not bilan_permet_synthese(bilan=bilan):
        return _(
            "La synthèse se rédige à partir de la phase d'investigation du bilan : "
            "ce bilan est encore en phase préliminaire."
        )
    return None


# --- Accessors --------------------------------------------------------------------------------


def _qs() -> QuerySet[Synthese]:
    return Synthese.objects.select_related(
        "bilan", "bilan__beneficiaire", "bilan__consultant", "document"
    )


def synthese_obtenir(*, organisation: Organisation, public_id: uuid.UUID | str) -> Synthese:
    return get_for_organisation(
        Synthese, organisation=organisation, public_id=public_id, queryset=_qs()
    )


def bilan_synthese_obtenir(*, bilan: Bilan) -> Synthese | None:
    return _qs().filter(bilan=bilan).first()


def beneficiaire_synthese_obtenir(*, beneficiaire: Beneficiaire) -> Synthese | None:
    """The beneficiary's most recent synthèse that has been shared at least once."""
    return (
        _qs()
        .filter(bilan__beneficiaire=beneficiaire, versions__motif__in=MOTIFS_PARTAGES)
        .order_by("-bilan__created_at")
        .distinct()
        .first()
    )


def versions_lister(*, synthese: Synthese) -> QuerySet[SyntheseVersion]:
    return SyntheseVersion.objects.filter(synthese=synthese).select_related("cree_par", "document")


def version_obtenir(*, synthese: Synthese, numero: int | str | None) -> SyntheseVersion | None:
    """The version numbered ``numero`` (as read from a URL), or None when there is none."""
    if numero is None:
        return None
    try:
        entier = int(numero)
    except ValueError:
        return None
    return versions_lister(synthese=synthese).filter(numero=entier).first()


def derniere_version_obtenir(*, synthese: Synthese) -> SyntheseVersion | None:
    return versions_lister(synthese=synthese).order_by("-numero").first()


def derniere_version_partagee_obtenir(*, synthese: Synthese) -> SyntheseVersion | None:
    """What the beneficiary reads: the newest shared version, never the live draft."""
    return (
        versions_lister(synthese=synthese)
        .filter(motif__in=MOTIFS_PARTAGES)
        .order_by("-numero")
        .first()
    )


def commentaires_lister(*, synthese: Synthese) -> QuerySet[Commentaire]:
    return Commentaire.objects.filter(synthese=synthese).select_related("auteur", "version")


def plan_action_lister(*, synthese: Synthese) -> QuerySet[EtapePlanAction]:
    return EtapePlanAction.objects.filter(synthese=synthese).order_by("ordre", "pk")


def criteres_lister(*, synthese: Synthese) -> QuerySet[Critere]:
    return Critere.objects.filter(synthese=synthese).order_by("pk")


def scenarios_lister(*, synthese: Synthese) -> QuerySet[Scenario]:
    return Scenario.objects.filter(synthese=synthese).prefetch_related("notes").order_by("lettre")


def ecarts_lister(*, synthese: Synthese) -> QuerySet[EcartCompetence]:
    return EcartCompetence.objects.filter(synthese=synthese).order_by("pk")


def documents_signes_lister(*, synthese: Synthese) -> QuerySet[SignedDocument]:
    """Every synthèse document, newest first (signed ones stay after a correction)."""
    return SignedDocument.objects.filter(kind=KIND, subject_id=synthese.public_id).order_by(
        "-version"
    )


def documents_signes_par_beneficiaire_lister(*, synthese: Synthese) -> QuerySet[SignedDocument]:
    return documents_signes_lister(synthese=synthese).filter(
        status=SignedDocument.Status.SIGNE, signatures__role=SignatureRole.BENEFICIAIRE
    )


# --- Snapshot ---------------------------------------------------------------------------------


def synthese_contenu_actuel(*, synthese: Synthese) -> dict:
    """The live content as plain JSON (what a version keeps; compared to detect unshared
    edits). Only str, int and None, so it survives the JSON round trip unchanged."""
    crits = list(criteres_lister(synthese=synthese))
    return {
        "sections": {key: getattr(synthese, key) for key in SECTION_KEYS},
        "plan": [
            {
                "intitule": e.intitule,
                "echeance": e.echeance.isoformat() if e.echeance else None,
                "responsable": e.responsable,
                "ressource_type": e.ressource_type,
                "ressource": e.ressource,
                "statut": e.statut,
            }
            for e in plan_action_lister(synthese=synthese)
        ],
        "criteres": [
            {"id": str(c.public_id), "libelle": c.libelle, "poids": c.poids} for c in crits
        ],
        "scenarios": [
            {
                "lettre": s.lettre,
                "intitule": s.intitule,
                "avantages": s.avantages,
                "risques": s.risques,
                "notes": {
                    str(n.critere.public_id): n.note for n in s.notes.select_related("critere")
                },
            }
            for s in scenarios_lister(synthese=synthese)
        ],
        "ecarts": [
            {
                "competence": e.competence,
                "cible": e.cible,
                "niveau_actuel": e.niveau_actuel,
                "niveau_requis": e.niveau_requis,
                "niveau_beneficiaire": e.niveau_beneficiaire,
            }
            for e in ecarts_lister(synthese=synthese)
        ],
    }


def synthese_modifiee_depuis_partage(*, synthese: Synthese) -> bool:
    """True when the live content differs from the newest shared version (or none exists)."""
    version = derniere_version_partagee_obtenir(synthese=synthese)
    return version is None or version.contenu != synthese_contenu_actuel(synthese=synthese)


# --- Computed parts ---------------------------------------------------------------------------


@dataclass
class LigneScenario:
    lettre: str
    intitule: str
    avantages: str
    risques: str
    notes: list[int | None]
    total: int
    maximum: int
    meilleur: bool = False


@dataclass
class Comparaison:
    criteres: list[dict]
    lignes: list[LigneScenario] = field(default_factory=list)

    @property
    def rangees(self) -> list[tuple[dict, list[int | None]]]:
        """Per criterion: (criterion, the score of each scenario), for tables."""
        return [
            (critere, [ligne.notes[i] for ligne in self.lignes])
            for i, critere in enumerate(self.criteres)
        ]

    @property
    def meilleurs(self) -> list[LigneScenario]:
        return [ligne for ligne in self.lignes if ligne.meilleur]


def scenarios_comparer(*, contenu: dict) -> Comparaison:
    """Weighted totals: sum of weight x score (0-5) over the criteria; the best scenario(s)
    have the highest total (ties all marked; none when nothing is scored)."""
    crits = contenu.get("criteres", [])
    comparaison = Comparaison(criteres=crits)
    maximum = sum(c["poids"] * 5 for c in crits)
    for s in contenu.get("scenarios", []):
        notes = [s["notes"].get(c["id"]) for c in crits]
        total = sum(c["poids"] * (n or 0) for c, n in zip(crits, notes, strict=True))
        comparaison.lignes.append(
            LigneScenario(
                lettre=s["lettre"],
                intitule=s["intitule"],
                avantages=s["avantages"],
                risques=s["risques"],
                notes=notes,
                total=total,
                maximum=maximum,
            )
        )
    meilleur = max((ligne.total for ligne in comparaison.lignes), default=0)
    if meilleur > 0:
        for ligne in comparaison.lignes:
            ligne.meilleur = ligne.total == meilleur
    return comparaison


def ecarts_calculer(*, contenu: dict) -> list[dict]:
    """Each line with ``ecart`` = required level - current level (positive: to develop)."""
    lignes = []
    for e in contenu.get("ecarts", []):
        ecart = e["niveau_requis"] - e["niveau_actuel"]
        lignes.append({**e, "ecart": ecart, "a_developper": ecart > 0})
    return lignes


# --- Display ----------------------------------------------------------------------------------

_BLOCK_RE = re.compile(r"<(p|ul|ol|h3|h4|blockquote|br)\b", re.IGNORECASE)


def section_rendre_html(*, value: str) -> SafeString:
    """A stored section (already ``sanitize_html``-ed) for display: plain text gets its line
    breaks back as paragraphs; HTML is left as it is."""
    value = value or ""
    if _BLOCK_RE.search(value):
        return mark_safe(value)  # noqa: S308  (sanitised when saved)
    paragraphes = [p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return mark_safe(  # noqa: S308  (sanitised text, only <p> and <br> added)
        "".join("<p>{}</p>".format(p.strip().replace("\n", "<br>")) for p in paragraphes)
    )


def sections_afficher(*, contenu: dict) -> list[dict]:
    sections = contenu.get("sections", {})
    return [
        {"key": key, "label": label, "html": section_rendre_html(value=sections.get(key, ""))}
        for key, label in SECTIONS
    ]


# --- Comparison of two versions ---------------------------------------------------------------

_TAG_RE = re.compile(r"<[^>]+>")


def _texte(html: str) -> str:
    return unescape(_TAG_RE.sub(" ", html or ""))


def _lignes_structurees(contenu: dict) -> dict[str, str]:
    plan = "\n".join(
        f"{i}. {e['intitule']} — {e['echeance'] or ''} {e['responsable']} {e['ressource']}"
        for i, e in enumerate(contenu.get("plan", []), start=1)
    )
    comparaison = scenarios_comparer(contenu=contenu)
    scen = "\n".join(
        f"{ligne.lettre} {ligne.intitule} : {ligne.total}/{ligne.maximum}"
        for ligne in comparaison.lignes
    )
    crit = "\n".join(f"{c['libelle']} ({c['poids']})" for c in contenu.get("criteres", []))
    ecarts = "\n".join(
        f"{e['competence']} {e['cible']} : {e['niveau_actuel']} → {e['niveau_requis']}"
        for e in contenu.get("ecarts", [])
    )
    return {
        "plan": plan,
        "criteres": crit,
        "scenarios_list": scen,
        "ecarts": ecarts,
    }


def texte_comparer_html(*, avant: str, apres: str) -> SafeString:
    """Word-level difference, HTML-escaped, with <del>/<ins> and visually hidden labels so
    screen readers announce what was removed and added."""
    mots_a = re.findall(r"\S+|\s+", avant)
    mots_b = re.findall(r"\S+|\s+", apres)
    morceaux: list[str] = []
    retire = '<del><span class="visually-hidden">{} </span>{}</del>'
    ajoute = '<ins><span class="visually-hidden">{} </span>{}</ins>'
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, mots_a, mots_b).get_opcodes():
        if op == "equal":
            morceaux.append(escape("".join(mots_a[a1:a2])))
            continue
        if op in ("delete", "replace"):
            morceaux.append(retire.format(_("[supprimé :]"), escape("".join(mots_a[a1:a2]))))
        if op in ("insert", "replace"):
            morceaux.append(ajoute.format(_("[ajouté :]"), escape("".join(mots_b[b1:b2]))))
    html = "".join(morceaux).replace("\n", "<br>\n")
    return mark_safe(html)  # noqa: S308  (every piece escaped above)


def versions_comparer(*, a: SyntheseVersion, b: SyntheseVersion) -> list[dict]:
    """Per part (the 7 sections, then the structured parts): changed or not, and the diff."""
    libelles = dict(SECTIONS) | {
        "plan": _("Plan d'action"),
        "criteres": _("Critères de comparaison"),
        "scenarios_list": _("Scénarios comparés"),
        "ecarts": _("Matrice des écarts de compétences"),
    }
    textes_a = {k: _texte(a.contenu.get("sections", {}).get(k, "")) for k in SECTION_KEYS}
    textes_b = {k: _texte(b.contenu.get("sections", {}).get(k, "")) for k in SECTION_KEYS}
    textes_a |= _lignes_structurees(a.contenu)
    textes_b |= _lignes_structurees(b.contenu)
    parties = []
    for key, label in libelles.items():
        avant, apres = textes_a.get(key, ""), textes_b.get(key, "")
        change = avant.split() != apres.split()
        parties.append(
            {
                "key": key,
                "label": label,
                "change": change,
                "diff": texte_comparer_html(avant=avant, apres=apres) if change else None,
            }
        )
    return parties


# --- Closing (rule 13) ---------------------------------------------------------------------


def bilan_manques_cloture(
    *, bilan: Bilan, fin: dt.date | None, aujourdhui: dt.date
) -> list[Manque]:
    """Everything that still prevents closing the bilan (rules 06 and 13), each named in French
    with the page where to fix it; empty when it can be closed on ``fin``.

    The synthèse signed by the beneficiary and the consultant and handed over (date and mode);
    a realised individual interview in the conclusion phase, with both attendance signatures;
    no séance still planned (each named, realised or cancelled first); the end date, neither
    in the future nor before the last realised séance. A bilan that stops without a synthèse
    takes the abandonment path instead."""
    manques: list[Manque] = []
    dossier = reverse("bilans:detail", kwargs={"bilan_id": bilan.public_id})
    editeur = reverse("syntheses:editeur", kwargs={"bilan_id": bilan.public_id})
    synthese = bilan_synthese_obtenir(bilan=bilan)
    if synthese is None:
        manques.append(
            Manque(
                _("Aucune synthèse n'a été rédigée pour ce bilan."),
                editeur,
                _("Rédiger la synthèse"),
            )
        )
    elif synthese.statut not in STATUTS_IMMUABLES:
        manques.append(
            Manque(
                _(
                    "La synthèse n'est pas encore signée par le ou la bénéficiaire et par le ou "
                    "la consultant·e (statut : %(statut)s)."
                )
                % {"statut": synthese.get_statut_display().lower()},
                editeur + "#workflow",
                _("Ouvrir la synthèse"),
            )
        )
    elif synthese.statut != Synthese.Statut.REMISE or bilan.statut != StatutBilan.SYNTHESE_REMISE:
        manques.append(
            Manque(
                _("La remise de la synthèse (date et mode) n'est pas enregistrée."),
                editeur + "#workflow",
                _("Enregistrer la remise"),
            )
        )
    if not conclusion_entretiens_realises(bilan=bilan):
        manques.append(
            Manque(
                _(
                    "Aucun entretien individuel réalisé en phase de conclusion (R6313-4, "
                    "entretiens personnalisés)."
                ),
                dossier + "#t-seances",
                _("Voir les séances"),
            )
        )
    elif conclusion_entretien_emarge(bilan=bilan) is None:
        seance = conclusion_entretiens_realises(bilan=bilan)[0]
        manques.append(
            Manque(
                _(
                    "L'émargement de l'entretien de conclusion du %(date)s n'est pas signé par "
                    "le ou la bénéficiaire et par le ou la consultant·e."
                )
                % {"date": date_fr(jour=seance.debut.astimezone(PARIS).date())},
                reverse("emargement:seance", kwargs={"seance_id": seance.public_id}),
                _("Faire émarger"),
            )
        )
    for seance in seances_encore_planifiees(bilan=bilan):
        # Still planned on a closed bilan, it would remind the beneficiary of a séance that
        # will not take place: realised (it took place) or cancelled (with its reason) first.
        manques.append(
            Manque(
                _(
                    "La séance « %(intitule)s » du %(date)s est encore planifiée : marquez-la "
                    "réalisée ou annulez-la avant de clore."
                )
                % {
                    "intitule": seance.intitule,
                    "date": date_fr(jour=seance.debut.astimezone(PARIS).date()),
                },
                reverse("seances:detail", kwargs={"seance_id": seance.public_id}),
                _("Ouvrir la séance"),
            )
        )
    derniere = derniere_seance_realisee_le(bilan=bilan)
    if fin is None:
        manques.append(
            Manque(_("Indiquez la date de fin du bilan."), dossier + "#fin-bilan", _("Saisir"))
        )
    elif fin > aujourdhui:
        manques.append(
            Manque(
                _("La date de fin du bilan ne peut pas être dans le futur."),
                dossier + "#fin-bilan",
                _("Corriger"),
            )
        )
    elif derniere is not None and fin < derniere:
        manques.append(
            Manque(
                _("La date de fin précède la dernière séance réalisée (%(date)s).")
                % {"date": date_fr(jour=derniere)},
                dossier + "#fin-bilan",
                _("Corriger"),
            )
        )
    return manques


# --- Material from the bilan for the editor's side panel --------------------------------------


@dataclass(frozen=True)
class Materiau:
    """One thing the consultant inserts with one click: a short label for the button and the
    HTML snippet (escaped text in the editor's allow-list) that goes into the section."""

    libelle: str
    html: str


@dataclass
class GroupeMateriaux:
    titre: str
    elements: list[Materiau]
    vide: str = ""


@dataclass(frozen=True)
class Citable:
    """A handed-in personal work the consultant quotes from (by selecting a passage)."""

    titre: str
    rendu_le: str
    texte: str


# Hook for material that does not exist yet: enquêtes métier and questionnaire results. Each
# provider takes the bilan and returns a group (or None) with ONE query at most, so that the
# editor keeps a constant number of queries. enquetes sits below syntheses in the layers: the
# provider is written here (or in syntheses/apps.py) and appended to this list.
FOURNISSEURS_MATERIAUX: list[Callable[[Bilan], GroupeMateriaux | None]] = []


def _materiaux_questionnaires(bilan: Bilan) -> GroupeMateriaux | None:
    """Questionnaire results released to the beneficiary AND agreed by them for the synthèse
    (a consent per result, given in the portal); nothing else is offered (rule 11)."""
    resultats = questionnaires_selectors.passations_pour_synthese(bilan=bilan)
    return GroupeMateriaux(
        titre=_("Questionnaires (avec l'accord du ou de la bénéficiaire)"),
        elements=[Materiau(libelle=libelle, html=html) for libelle, html in resultats],
        vide=_(
            "Aucun résultat de questionnaire n'est proposé : il faut qu'il soit communiqué au "
            "ou à la bénéficiaire et qu'il ou elle ait accepté, dans son portail, qu'il figure "
            "dans la synthèse."
        ),
    )


FOURNISSEURS_MATERIAUX.append(_materiaux_questionnaires)

_PUCE_RE = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d+[.)])\s*")


def _objectifs(bilan: Bilan) -> list[str]:
    lignes = (_PUCE_RE.sub("", ligne).strip() for ligne in (bilan.objectifs or "").splitlines())
    return [ligne for ligne in lignes if ligne]


def _etape_texte(etape: EtapePlanAction) -> str:
    morceaux = [etape.intitule]
    if etape.echeance:
        morceaux.append(_("échéance %(d)s") % {"d": date_fr(jour=etape.echeance)})
    if etape.responsable:
        morceaux.append(etape.responsable)
    return " — ".join(morceaux)


def synthese_materiaux(*, bilan: Bilan, etapes: list[EtapePlanAction]) -> list[GroupeMateriaux]:
    """The groups of the side panel: the objectives agreed in the convention (``Bilan.objectifs``,
    one per line), the action plan (``etapes``, already read by the page), then the hook's
    providers. No query of its own besides the providers'."""
    objectifs = _objectifs(bilan)
    groupes = [
        GroupeMateriaux(
            titre=_("Objectifs du bilan"),
            elements=[Materiau(libelle=o, html=f"<p>{escape(o)}</p>") for o in objectifs]
            + (
                [
                    Materiau(
                        libelle=_("Tous les objectifs (liste)"),
                        html="<ul>{}</ul>".format(
                            "".join(f"<li>{escape(o)}</li>" for o in objectifs)
                        ),
                    )
                ]
                if len(objectifs) > 1
                else []
            ),
            vide=_("Aucun objectif n'est noté dans le cadre du bilan."),
        ),
        GroupeMateriaux(
            titre=_("Plan d'action"),
            elements=[
                Materiau(libelle=e.intitule, html=f"<p>{escape(_etape_texte(e))}</p>")
                for e in etapes
            ]
            + (
                [
                    Materiau(
                        libelle=_("Tout le plan d'action (liste numérotée)"),
                        html="<ol>{}</ol>".format(
                            "".join(f"<li>{escape(_etape_texte(e))}</li>" for e in etapes)
                        ),
                    )
                ]
                if len(etapes) > 1
                else []
            ),
            vide=_("Le plan d'action est vide (section « Plan d'action » plus bas)."),
        ),
    ]
    for fournisseur in FOURNISSEURS_MATERIAUX:
        groupe = fournisseur(bilan)
        if groupe is not None:
            groupes.append(groupe)
    return groupes


def travaux_citables_lister(*, bilan: Bilan) -> list[Citable]:
    """The beneficiary's handed-in personal work with a written answer (one query), oldest
    first: the consultant selects a passage and quotes it."""
    rendus = (
        Rendu.objects.filter(consigne__seance__bilan=bilan)
        .exclude(texte="")
        .select_related("consigne")
        .order_by("soumis_le", "pk")
    )
    return [
        Citable(
            titre=r.consigne.titre,
            rendu_le=date_fr(jour=r.soumis_le.astimezone(PARIS).date()),
            texte=r.texte,  # plain text (seances.services.travail.texte_brut)
        )
        for r in rendus
    ]
