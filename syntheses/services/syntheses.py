"""Writes of the synthèse: creation, sections saved with optimistic concurrency, structured
parts (action plan, weighted scenario comparison, competency gaps), and the workflow

    brouillon → partagée → (commentaires) → révisée → partagée … → validée par les deux
    → émise pour signature → signée → remise ; correction = nouvelle version (révisée).

Every service checks who acts and the state; a refusal raises ``ValidationError`` (French
message) or ``PermissionDenied`` and writes nothing (each runs in one transaction, the
synthèse row locked). A signed synthèse is immutable: a correction is a new version, the
signed document and its version are kept.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.models import Bilan, Notification, StatutBilan
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.audit import ClientInfo
from bilan.core.models import SignatureRole, SignedDocument, User
from bilan.core.signatures import (
    MethodeAuthentification,
    document_annuler,
    document_emettre,
    document_signer,
)
from exploration.selectors.pistes import enquetes_metier_resume, piste_cible
from exploration.selectors.rome import fiche_savoir_faire_coeur_items
from seances.services.phases import bilan_remettre_synthese
from syntheses import selectors
from syntheses.models import (
    SECTIONS,
    Commentaire,
    Critere,
    EcartCompetence,
    EtapePlanAction,
    NoteScenario,
    Scenario,
    Synthese,
    SyntheseVersion,
)
from syntheses.pdf import synthese_contexte

SECTION_KEYS = selectors.SECTION_KEYS
LETTRES = string.ascii_uppercase[:3]  # scenarios A, B, C
PDF_TEMPLATE = "pdf/synthese.html"

# A number as typed in a form (parsed and bounded by the service) or already an int.
Saisie = int | str | None


class ConflitRevision(ValidationError):
    """The editor saved with an older revision: newer text exists (another tab, another
    person, a lost connection). Carries the stored synthèse and the submitted sections so the
    page can show both texts for every section that differs."""

    def __init__(self, *, actuelle: Synthese, soumises: dict):
        super().__init__(
            _(
                "Le texte a été modifié ailleurs depuis que vous l'avez ouvert (révision "
                "%(r)s) : rien n'a été enregistré. Comparez les deux textes ci-dessous, "
                "reprenez ce que vous voulez garder, puis enregistrez à nouveau."
            )
            % {"r": actuelle.revision}
        )
        self.actuelle = actuelle
        self.soumises = soumises
        self.differences = [
            {
                "key": key,
                "label": label,
                "votre_texte": soumises[key],
                "texte_enregistre": getattr(actuelle, key),
            }
            for key, label in SECTIONS
            if key in soumises and soumises[key] != getattr(actuelle, key)
        ]


# --- Checks -----------------------------------------------------------------------------------


def _peut_travailler(par: User | None, bilan: Bilan) -> bool:
    """Working on the synthèse: reading it (confidential) and writing it (accompaniment)."""
    droits = acces.acces_bilan_de(user=par, bilan=bilan)
    return droits.lire_confidentiel and droits.accompagner


def _exiger_acces(par: User, bilan: Bilan) -> None:
    if not _peut_travailler(par, bilan):
        raise PermissionDenied(
            _("Seul·es les consultant·es du bilan et les administrateur·rices y ont accès.")
        )


def _lock(synthese: Synthese) -> Synthese:
    locked = (
        Synthese.objects.select_for_update(of=("self",)).select_related("bilan").get(pk=synthese.pk)
    )
    return locked


def synthese_constater_signature(*, document: SignedDocument) -> None:
    """The synthèse's issued document got its last signature (wherever it was signed): the
    synthèse becomes signée. Run by the signed-documents engine after each signature of a
    ``synthese`` document (registered in ``syntheses/signatures.py``), in its transaction."""
    if document.status != SignedDocument.Status.SIGNE:
        return
    Synthese.objects.filter(document_id=document.pk, statut=Synthese.Statut.VALIDEE).update(
        statut=Synthese.Statut.SIGNEE, updated_at=timezone.now()
    )


def _exiger_modifiable(synthese: Synthese) -> None:
    if synthese.statut in selectors.STATUTS_IMMUABLES:
        raise ValidationError(
            _(
                "La synthèse est signée : elle ne se modifie plus. Pour la corriger, créez "
                "une nouvelle version, qui devra être validée et signée à nouveau."
            )
        )


def _refresh(synthese: Synthese, locked: Synthese) -> Synthese:
    """Copy the locked row's state onto the caller's instance (its bilan kept in cache)."""
    synthese.refresh_from_db()
    synthese.bilan = locked.bilan
    return synthese


def _nouvelle_version(
    synthese: Synthese,
    *,
    motif: str,
    par: User | None,
    document: SignedDocument | None = None,
) -> SyntheseVersion:
    last = SyntheseVersion.objects.filter(synthese=synthese).aggregate(m=Max("numero"))["m"]
    return SyntheseVersion.objects.create(
        organisation_id=synthese.organisation_id,
        synthese=synthese,
        numero=(last or 0) + 1,
        contenu=selectors.synthese_contenu_actuel(synthese=synthese),
        motif=motif,
        cree_par=par,
        document=document,
    )


# --- Creation and sections --------------------------------------------------------------------


@transaction.atomic
def synthese_obtenir_ou_creer(*, bilan: Bilan, par: User) -> Synthese:
    """The bilan's synthèse, created (brouillon) when the consultant starts it (a POST), from
    the investigation phase on (drafting starts early; sharing waits for the conclusion
    phase); never on a closed, abandoned or refused bilan."""
    _exiger_acces(par, bilan)
    existante = selectors.bilan_synthese_obtenir(bilan=bilan)
    if existante is not None:
        return existante
    bilan = Bilan.objects.select_for_update().get(pk=bilan.pk)
    existante = selectors.bilan_synthese_obtenir(bilan=bilan)
    if existante is not None:
        return existante
    refus = selectors.synthese_refus_commencer(bilan=bilan)
    if refus is not None:
        raise ValidationError(refus)
    return Synthese.objects.create(organisation_id=bilan.organisation_id, bilan=bilan)


# The editor's allow-list (static/js/synthese-editeur.js offers exactly these): paragraphs, line
# breaks, bold, italic, two heading levels, bulleted and numbered lists, quotes. No link, no
# attribute. Browsers' execCommand writes <b>, <i> and <div>: renamed before the allow-list.
BALISES_SYNTHESE = frozenset(
    {"p", "br", "strong", "em", "h3", "h4", "ul", "ol", "li", "blockquote"}
)
_RENOMMER = {"b": "strong", "i": "em", "div": "p", "h1": "h3", "h2": "h3", "h5": "h4", "h6": "h4"}
_VIDE_RE = re.compile(r"<(p|h3|h4)>(?:\s|<br>|&nbsp;)*</\1>")
_RENOMMER_RE = re.compile(r"<(/?)(b|i|div|h1|h2|h5|h6)(\s[^>]*)?>", re.IGNORECASE)


def section_nettoyer(*, html: str) -> str:
    """One section through the editor's allow-list (nh3): what is not allowed is dropped
    (script and style with their content), the text is kept and escaped."""
    renomme = _RENOMMER_RE.sub(lambda m: f"<{m.group(1)}{_RENOMMER[m.group(2).lower()]}>", html)
    propre = nh3.clean(
        renomme,
        tags=set(BALISES_SYNTHESE),
        clean_content_tags={"script", "style"},
        attributes={},
        strip_comments=True,
    )
    return _VIDE_RE.sub("", propre).strip()


def sections_nettoyer(*, sections: dict) -> dict:
    """Only the 7 known sections, each through the editor's allow-list."""
    return {
        key: section_nettoyer(html=str(sections[key] or ""))
        for key in SECTION_KEYS
        if key in sections
    }


@transaction.atomic
def synthese_enregistrer(
    *, synthese: Synthese, revision: int, sections: dict[str, str], par: User, page: str = ""
) -> Synthese:
    """Save the sections if ``revision`` is still the stored one; revision + 1.

    Raises ``ConflitRevision`` (nothing written) when newer text exists, and
    ``ValidationError`` when the synthèse is signed. Not a conflict (the autosave racing the
    save button of the same page): the submitted text is the stored one (nothing to lose), or
    the stored revision is the one the same person produced from ``revision`` on the same
    editor ``page`` (a second tab has its own page token: its stale save stays a conflict).
    """
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    propres = sections_nettoyer(sections=sections)
    try:
        revision = int(revision)
    except (TypeError, ValueError):
        revision = -1
    if revision != locked.revision:
        identique = all(getattr(locked, key) == value for key, value in propres.items())
        sa_revision = (
            bool(page)
            and revision == locked.revision - 1
            and locked.modifie_par_id == par.pk
            and locked.edition_page == page
        )
        if identique:
            return _refresh(synthese, locked)
        if not sa_revision:
            raise ConflitRevision(actuelle=locked, soumises=propres)
    for key, value in propres.items():
        setattr(locked, key, value)
    locked.revision += 1
    locked.modifie_par = par
    locked.edition_page = page[:64]
    locked.save(
        update_fields=[*propres.keys(), "revision", "modifie_par", "edition_page", "updated_at"]
    )
    return _refresh(synthese, locked)


# --- Action plan ------------------------------------------------------------------------------

ETAPE_CHAMPS = ("intitule", "echeance", "responsable", "ressource_type", "ressource", "statut")


def _valider_etape(data: dict) -> dict:
    propres = {k: data.get(k) for k in ETAPE_CHAMPS if k in data}
    erreurs = {}
    if "intitule" in propres:
        propres["intitule"] = (propres["intitule"] or "").strip()
        if not propres["intitule"]:
            erreurs["intitule"] = _("Décrivez l'étape.")
        elif len(propres["intitule"]) > 300:
            erreurs["intitule"] = _("300 caractères au plus.")
    for champ in ("responsable", "ressource"):
        if champ in propres:
            propres[champ] = (propres[champ] or "").strip()[:300]
    if propres.get("ressource_type") and propres["ressource_type"] not in (
        EtapePlanAction.Ressource.values
    ):
        erreurs["ressource_type"] = _("Type de ressource inconnu.")
    if "statut" in propres and propres["statut"] not in EtapePlanAction.Statut.values:
        erreurs["statut"] = _("Statut inconnu.")
    if propres.get("echeance") is not None and not isinstance(propres["echeance"], dt.date):
        erreurs["echeance"] = _("Date invalide.")
    if erreurs:
        raise ValidationError(erreurs)
    propres["ressource_type"] = propres.get("ressource_type") or ""
    return propres


@transaction.atomic
def etape_ajouter(
    *,
    synthese: Synthese,
    par: User,
    intitule: str,
    echeance: dt.date | None = None,
    responsable: str = "",
    ressource_type: str = "",
    ressource: str = "",
    statut: str = EtapePlanAction.Statut.A_FAIRE,
) -> EtapePlanAction:
    """Add a step at the end of the action plan of a synthèse still being written."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    propres = _valider_etape(
        {
            "intitule": intitule,
            "echeance": echeance,
            "responsable": responsable,
            "ressource_type": ressource_type,
            "ressource": ressource,
            "statut": statut,
        }
    )
    dernier = EtapePlanAction.objects.filter(synthese=locked).aggregate(m=Max("ordre"))["m"]
    return EtapePlanAction.objects.create(
        organisation_id=locked.organisation_id, synthese=locked, ordre=(dernier or 0) + 1, **propres
    )


@transaction.atomic
def etape_modifier(
    *,
    etape: EtapePlanAction,
    par: User,
    intitule: str,
    echeance: dt.date | None,
    responsable: str,
    ressource_type: str,
    ressource: str,
    statut: str,
) -> EtapePlanAction:
    """Replace every field of an action plan step."""
    _exiger_acces(par, etape.synthese.bilan)
    _exiger_modifiable(_lock(etape.synthese))
    propres = _valider_etape(
        {
            "intitule": intitule,
            "echeance": echeance,
            "responsable": responsable,
            "ressource_type": ressource_type,
            "ressource": ressource,
            "statut": statut,
        }
    )
    for key, value in propres.items():
        setattr(etape, key, value)
    etape.save()
    return etape


def _renumeroter(synthese: Synthese) -> None:
    for ordre, etape in enumerate(selectors.plan_action_lister(synthese=synthese), start=1):
        if etape.ordre != ordre:
            etape.ordre = ordre
            etape.save(update_fields=["ordre", "updated_at"])


@transaction.atomic
def etape_supprimer(*, etape: EtapePlanAction, par: User) -> None:
    _exiger_acces(par, etape.synthese.bilan)
    locked = _lock(etape.synthese)
    _exiger_modifiable(locked)
    etape.delete()
    _renumeroter(locked)


@transaction.atomic
def etape_deplacer(*, etape: EtapePlanAction, vers: str, par: User) -> None:
    """Move a step one place up (``vers="haut"``) or down (``"bas"``)."""
    _exiger_acces(par, etape.synthese.bilan)
    locked = _lock(etape.synthese)
    _exiger_modifiable(locked)
    etapes = list(selectors.plan_action_lister(synthese=locked))
    index = next(i for i, e in enumerate(etapes) if e.pk == etape.pk)
    cible = index - 1 if vers == "haut" else index + 1
    if vers not in ("haut", "bas") or not 0 <= cible < len(etapes):
        raise ValidationError(_("Cette étape ne peut pas aller plus loin dans ce sens."))
    etapes[index], etapes[cible] = etapes[cible], etapes[index]
    for ordre, e in enumerate(etapes, start=1):
        if e.ordre != ordre:
            e.ordre = ordre
            e.save(update_fields=["ordre", "updated_at"])


# --- Scenario comparison ----------------------------------------------------------------------


def _entier(valeur: Saisie, *, champ: str, mini: int, maxi: int, message: str) -> int:
    try:
        nombre = int(valeur)  # type: ignore[arg-type]  # None: TypeError, refused below
    except (TypeError, ValueError):
        raise ValidationError({champ: message}) from None
    if not mini <= nombre <= maxi:
        raise ValidationError({champ: message})
    return nombre


def _valider_critere(libelle: str | None, poids: Saisie) -> tuple[str, int]:
    libelle = (libelle or "").strip()
    if not libelle:
        raise ValidationError({"libelle": _("Nommez le critère.")})
    if len(libelle) > 200:
        raise ValidationError({"libelle": _("200 caractères au plus.")})
    poids = _entier(
        poids, champ="poids", mini=1, maxi=5, message=_("Le poids va de 1 (faible) à 5 (fort).")
    )
    return libelle, poids


@transaction.atomic
def critere_ajouter(*, synthese: Synthese, libelle: str, poids: Saisie, par: User) -> Critere:
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    libelle, poids = _valider_critere(libelle, poids)
    return Critere.objects.create(
        organisation_id=locked.organisation_id, synthese=locked, libelle=libelle, poids=poids
    )


@transaction.atomic
def critere_modifier(*, critere: Critere, libelle: str, poids: Saisie, par: User) -> Critere:
    _exiger_acces(par, critere.synthese.bilan)
    _exiger_modifiable(_lock(critere.synthese))
    critere.libelle, critere.poids = _valider_critere(libelle, poids)
    critere.save()
    return critere


@transaction.atomic
def critere_supprimer(*, critere: Critere, par: User) -> None:
    _exiger_acces(par, critere.synthese.bilan)
    _exiger_modifiable(_lock(critere.synthese))
    critere.delete()


def _valider_scenario(
    intitule: str | None, avantages: str | None, risques: str | None
) -> dict[str, str]:
    intitule = (intitule or "").strip()
    if not intitule:
        raise ValidationError({"intitule": _("Donnez un intitulé au scénario.")})
    if len(intitule) > 200:
        raise ValidationError({"intitule": _("200 caractères au plus.")})
    return {
        "intitule": intitule,
        "avantages": (avantages or "").strip(),
        "risques": (risques or "").strip(),
    }


@transaction.atomic
def scenario_ajouter(
    *, synthese: Synthese, intitule: str, par: User, avantages: str = "", risques: str = ""
) -> Scenario:
    """A new scenario, lettered A, B then C (three at most)."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    propres = _valider_scenario(intitule, avantages, risques)
    prises = set(Scenario.objects.filter(synthese=locked).values_list("lettre", flat=True))
    libres = [lettre for lettre in LETTRES if lettre not in prises]
    if not libres:
        raise ValidationError(_("La comparaison porte sur trois scénarios au plus (A, B, C)."))
    return Scenario.objects.create(
        organisation_id=locked.organisation_id, synthese=locked, lettre=libres[0], **propres
    )


@transaction.atomic
def scenario_modifier(
    *, scenario: Scenario, intitule: str, par: User, avantages: str = "", risques: str = ""
) -> Scenario:
    _exiger_acces(par, scenario.synthese.bilan)
    _exiger_modifiable(_lock(scenario.synthese))
    for key, value in _valider_scenario(intitule, avantages, risques).items():
        setattr(scenario, key, value)
    scenario.save()
    return scenario


@transaction.atomic
def scenario_supprimer(*, scenario: Scenario, par: User) -> None:
    _exiger_acces(par, scenario.synthese.bilan)
    _exiger_modifiable(_lock(scenario.synthese))
    scenario.delete()


@transaction.atomic
def scenario_noter(
    *, scenario: Scenario, notes: Mapping[Critere | str, Saisie], par: User
) -> Scenario:
    """Score the scenario on criteria: ``notes`` maps a criterion (object or public id) to a
    score from 0 to 5; ``None`` or ``""`` removes the score. All or nothing."""
    _exiger_acces(par, scenario.synthese.bilan)
    locked = _lock(scenario.synthese)
    _exiger_modifiable(locked)
    crits = {str(c.public_id): c for c in selectors.criteres_lister(synthese=locked)}
    propres: dict[Critere, int | None] = {}
    for cle, valeur in notes.items():
        critere = crits.get(str(getattr(cle, "public_id", cle)))
        if critere is None:
            raise ValidationError(_("Ce critère n'appartient pas à cette synthèse."))
        if valeur in (None, ""):
            propres[critere] = None
            continue
        propres[critere] = _entier(
            valeur,
            champ="notes",
            mini=0,
            maxi=5,
            message=_("Chaque note va de 0 à 5 (critère « %(c)s »).") % {"c": critere.libelle},
        )
    for critere, note in propres.items():
        if note is None:
            NoteScenario.objects.filter(scenario=scenario, critere=critere).delete()
        else:
            NoteScenario.objects.update_or_create(
                organisation_id=locked.organisation_id,
                scenario=scenario,
                critere=critere,
                defaults={"note": note},
            )
    return scenario


# --- Competency gaps --------------------------------------------------------------------------


def _valider_ecart(
    competence: str | None, cible: str | None, niveau_actuel: Saisie, niveau_requis: Saisie
) -> dict[str, Any]:
    competence = (competence or "").strip()
    if not competence:
        raise ValidationError({"competence": _("Nommez la compétence.")})
    message = _("Le niveau va de 0 (non acquis) à 4 (expert).")
    return {
        "competence": competence[:200],
        "cible": (cible or "").strip()[:200],
        "niveau_actuel": _entier(
            niveau_actuel, champ="niveau_actuel", mini=0, maxi=4, message=message
        ),
        "niveau_requis": _entier(
            niveau_requis, champ="niveau_requis", mini=0, maxi=4, message=message
        ),
    }


@transaction.atomic
def ecart_ajouter(
    *,
    synthese: Synthese,
    competence: str,
    niveau_actuel: Saisie,
    niveau_requis: Saisie,
    par: User,
    cible: str = "",
) -> EcartCompetence:
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    propres = _valider_ecart(competence, cible, niveau_actuel, niveau_requis)
    return EcartCompetence.objects.create(
        organisation_id=locked.organisation_id, synthese=locked, **propres
    )


@transaction.atomic
def ecart_modifier(
    *,
    ecart: EcartCompetence,
    competence: str,
    niveau_actuel: Saisie,
    niveau_requis: Saisie,
    par: User,
    cible: str = "",
) -> EcartCompetence:
    _exiger_acces(par, ecart.synthese.bilan)
    _exiger_modifiable(_lock(ecart.synthese))
    for key, value in _valider_ecart(competence, cible, niveau_actuel, niveau_requis).items():
        setattr(ecart, key, value)
    ecart.save()
    return ecart


@transaction.atomic
def ecart_supprimer(*, ecart: EcartCompetence, par: User) -> None:
    _exiger_acces(par, ecart.synthese.bilan)
    _exiger_modifiable(_lock(ecart.synthese))
    ecart.delete()


# Pre-filled lines: the consultant and the beneficiary then rate the current level together.
NIVEAU_REQUIS_ROME = 3


@transaction.atomic
def ecarts_preremplir_depuis_rome(*, synthese: Synthese, par: User) -> int:
    """Add to the gap matrix the core savoir-faire of the bilan's projet cible (a piste
    métier): the consultant's current level 0 to rate, required level 3, and the
    beneficiary's own rating of the line (from the portal) when they gave one. Lines already
    there (same wording) keep the consultant's levels; only the beneficiary's rating is
    refreshed. Returns the number of lines added."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    piste = piste_cible(bilan=locked.bilan)
    if piste is None:
        raise ValidationError(
            _("Choisissez d'abord un projet cible parmi les pistes métier du bilan.")
        )
    existantes = {
        e.competence.casefold(): e for e in EcartCompetence.objects.filter(synthese=locked)
    }
    nouvelles = []
    for code, libelle in fiche_savoir_faire_coeur_items(fiche=piste.fiche):
        auto = piste.auto_evaluation.get(str(code))
        ligne = existantes.get(libelle[:200].casefold())
        if ligne is not None:
            if auto is not None and ligne.niveau_beneficiaire != auto:
                ligne.niveau_beneficiaire = auto
                ligne.save(update_fields=["niveau_beneficiaire", "updated_at"])
            continue
        nouvelles.append(
            EcartCompetence(
                organisation_id=locked.organisation_id,
                synthese=locked,
                competence=libelle[:200],
                cible=piste.fiche.libelle[:200],
                niveau_actuel=0,
                niveau_requis=NIVEAU_REQUIS_ROME,
                niveau_beneficiaire=auto,
            )
        )
    EcartCompetence.objects.bulk_create(nouvelles)
    return len(nouvelles)


@transaction.atomic
def synthese_inserer_enquetes_metier(*, synthese: Synthese, par: User) -> Synthese:
    """Append the summary of the bilan's enquêtes métier to the section "Projet(s)
    professionnel(s)", as paragraphs the consultant then edits (revision + 1)."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    resume = enquetes_metier_resume(bilan=locked.bilan)
    if not resume:
        raise ValidationError(_("Le ou la bénéficiaire n'a noté aucune enquête métier."))
    titre = "<h3>" + escape(_("Enquêtes métier")) + "</h3>"
    paragraphes = "".join(
        "<p>" + "<br>".join(escape(ligne) for ligne in bloc.split("\n")) + "</p>"
        for bloc in resume.split("\n\n")
    )
    locked.projets = section_nettoyer(html=(locked.projets or "") + titre + paragraphes)
    locked.revision += 1
    locked.modifie_par = par
    locked.save(update_fields=["projets", "revision", "modifie_par", "updated_at"])
    return _refresh(synthese, locked)


# --- Workflow ---------------------------------------------------------------------------------


def _contenu_vide(synthese: Synthese) -> bool:
    return not any((getattr(synthese, key) or "").strip() for key in SECTION_KEYS)


def _notifier_partage(locked: Synthese, version: SyntheseVersion) -> None:
    """The beneficiary is told (portal and e-mail, once per version) that a version awaits
    their reading; the notice names no content."""
    notification_envoyer(
        beneficiaire=locked.bilan.beneficiaire,
        bilan=locked.bilan,
        sujet=Notification.Sujet.SYNTHESE_PARTAGEE,
        texte=_("Votre consultant·e a partagé une version de votre synthèse : à lire."),
        lien=reverse("portail_synthese:lire"),
        cle=f"synthese_partagee:{locked.public_id}:{version.numero}",
    )


@transaction.atomic
def synthese_partager(*, synthese: Synthese, par: User) -> SyntheseVersion:
    """brouillon or révisée → partagée: the beneficiary can read this version (snapshot)."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    if locked.statut not in (Synthese.Statut.BROUILLON, Synthese.Statut.REVISEE):
        raise ValidationError(
            _("Seule une synthèse en brouillon ou révisée se partage (elle est « %(s)s »).")
            % {"s": locked.get_statut_display()}
        )
    refus = selectors.synthese_refus_partage(bilan=locked.bilan)
    if refus is not None:
        raise ValidationError(refus)
    if _contenu_vide(locked):
        raise ValidationError(_("La synthèse est vide : rédigez-la avant de la partager."))
    version = _nouvelle_version(locked, motif=selectors.MOTIF_PARTAGEE, par=par)
    locked.statut = Synthese.Statut.PARTAGEE
    locked.validee_beneficiaire_le = None
    locked.validee_consultant_le = None
    locked.save(
        update_fields=["statut", "validee_beneficiaire_le", "validee_consultant_le", "updated_at"]
    )
    _notifier_partage(locked, version)
    _refresh(synthese, locked)
    return version


@transaction.atomic
def commentaire_ajouter(*, synthese: Synthese, section: str, texte: str, par: User) -> Commentaire:
    """A comment on one section of the shared version, by the beneficiary (portal) or one of
    the bilan's staff."""
    locked = _lock(synthese)
    if not (
        selectors.est_beneficiaire(user=par, synthese=locked) or _peut_travailler(par, locked.bilan)
    ):
        raise PermissionDenied(_("Vous ne pouvez pas commenter cette synthèse."))
    if locked.statut not in (Synthese.Statut.PARTAGEE, Synthese.Statut.REVISEE):
        raise ValidationError(
            _("Les commentaires se font sur une synthèse partagée, avant sa validation.")
        )
    if section not in SECTION_KEYS:
        raise ValidationError({"section": _("Choisissez une section de la synthèse.")})
    texte = (texte or "").strip()
    if not texte:
        raise ValidationError({"texte": _("Écrivez votre commentaire.")})
    if len(texte) > 5000:
        raise ValidationError({"texte": _("5 000 caractères au plus.")})
    return Commentaire.objects.create(
        organisation_id=locked.organisation_id,
        synthese=locked,
        version=selectors.derniere_version_partagee_obtenir(synthese=locked),
        section=section,
        auteur=par,
        texte=texte,
    )


@transaction.atomic
def synthese_reviser(*, synthese: Synthese, par: User) -> SyntheseVersion:
    """The consultant publishes a revision after comments: partagée/révisée/validée →
    révisée, a new version the beneficiary reads; validations start again."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    if locked.statut not in (
        Synthese.Statut.PARTAGEE,
        Synthese.Statut.REVISEE,
        Synthese.Statut.VALIDEE,
    ):
        raise ValidationError(_("On révise une synthèse déjà partagée avec le ou la bénéficiaire."))
    if not selectors.synthese_modifiee_depuis_partage(synthese=locked):
        raise ValidationError(
            _("Aucune modification depuis la dernière version partagée : rien à réviser.")
        )
    if locked.document is not None and locked.document.status == SignedDocument.Status.EMIS:
        document_annuler(document=locked.document)
    version = _nouvelle_version(locked, motif=selectors.MOTIF_REVISEE, par=par)
    Commentaire.objects.filter(synthese=locked, traite=False).update(traite=True)
    _rouvrir(locked)
    _notifier_partage(locked, version)
    _refresh(synthese, locked)
    return version


def _rouvrir(locked: Synthese) -> None:
    """Back to « révisée »: both validations and the issued document no longer hold."""
    locked.statut = Synthese.Statut.REVISEE
    locked.validee_beneficiaire_le = None
    locked.validee_consultant_le = None
    locked.document = None
    locked.save(
        update_fields=[
            "statut",
            "validee_beneficiaire_le",
            "validee_consultant_le",
            "document",
            "updated_at",
        ]
    )


@transaction.atomic
def synthese_valider(*, synthese: Synthese, role: str, par: User) -> Synthese:
    """Validation of the shared text by ``role`` (``beneficiaire`` or ``consultant``); when
    both have validated → validée (a version « Validée » is kept)."""
    locked = _lock(synthese)
    if role == SignatureRole.BENEFICIAIRE:
        if not selectors.est_beneficiaire(user=par, synthese=locked):
            raise PermissionDenied(_("Seul·e le ou la bénéficiaire valide en cette qualité."))
        champ = "validee_beneficiaire_le"
    elif role == SignatureRole.CONSULTANT:
        _exiger_acces(par, locked.bilan)
        champ = "validee_consultant_le"
    else:
        raise ValidationError(_("Qualité de validation inconnue."))
    _exiger_modifiable(locked)
    if locked.statut not in (Synthese.Statut.PARTAGEE, Synthese.Statut.REVISEE):
        raise ValidationError(
            _("La validation porte sur une synthèse partagée ou révisée (elle est « %(s)s »).")
            % {"s": locked.get_statut_display()}
        )
    if selectors.synthese_modifiee_depuis_partage(synthese=locked):
        raise ValidationError(
            _(
                "Le texte a été modifié depuis la dernière version partagée : partagez ou "
                "révisez d'abord, pour que la validation porte sur ce que le ou la "
                "bénéficiaire a lu."
            )
        )
    if getattr(locked, champ) is not None:
        raise ValidationError(_("Cette validation est déjà enregistrée."))
    setattr(locked, champ, timezone.now())
    champs = [champ]
    if locked.validee_beneficiaire_le and locked.validee_consultant_le:
        locked.statut = Synthese.Statut.VALIDEE
        champs.append("statut")
        locked.save(update_fields=[*champs, "updated_at"])
        _nouvelle_version(locked, motif=selectors.MOTIF_VALIDEE, par=par)
    else:
        locked.save(update_fields=[*champs, "updated_at"])
    return _refresh(synthese, locked)


@transaction.atomic
def synthese_emettre_pour_signature(*, synthese: Synthese, par: User) -> SignedDocument:
    """Issue the PDF of the validated synthèse (stored once, SHA-256) for the beneficiary's
    and the consultant's signatures; kept on the synthèse and on its validated version."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    _exiger_modifiable(locked)
    if locked.statut != Synthese.Statut.VALIDEE:
        raise ValidationError(
            _("La synthèse s'émet pour signature une fois validée par les deux parties.")
        )
    if locked.document is not None and locked.document.status == SignedDocument.Status.EMIS:
        raise ValidationError(_("La synthèse est déjà émise : elle attend les signatures."))
    if selectors.synthese_modifiee_depuis_partage(synthese=locked):
        raise ValidationError(
            _("Le texte a changé depuis sa validation : révisez-le et faites-le valider à nouveau.")
        )
    bilan = locked.bilan
    document = document_emettre(
        organisation=locked.organisation,
        kind=selectors.KIND,
        title=_("Document de synthèse du bilan de compétences"),
        subject_id=locked.public_id,
        beneficiaire=bilan.beneficiaire,
        html_template=PDF_TEMPLATE,
        context=synthese_contexte(synthese=locked),
        required_roles=[SignatureRole.BENEFICIAIRE, SignatureRole.CONSULTANT],
        created_by=par,
    )
    locked.document = document
    locked.save(update_fields=["document", "updated_at"])
    version = selectors.derniere_version_obtenir(synthese=locked)
    if version is not None and version.document_id is None:
        version.document = document
        version.save(update_fields=["document", "updated_at"])
    _refresh(synthese, locked)
    return document


@transaction.atomic
def synthese_signer(
    *,
    synthese: Synthese,
    role: SignatureRole,
    user: User,
    client: ClientInfo | None,
    methode: MethodeAuthentification,
) -> SignedDocument:
    """Sign the issued document in session: ``consultant`` (staff, a consultant of the bilan)
    or ``beneficiaire`` (the beneficiary, in the portal). When the document is fully signed,
    the synthèse becomes signée (``synthese_constater_signature``, run by the engine)."""
    locked = _lock(synthese)
    if role == SignatureRole.CONSULTANT:
        if not selectors.peut_signer_consultant(user=user, bilan=locked.bilan):
            raise PermissionDenied(_("Seul·e un·e consultant·e du bilan signe en cette qualité."))
    elif role == SignatureRole.BENEFICIAIRE:
        if not selectors.est_beneficiaire(user=user, synthese=locked):
            raise PermissionDenied(_("Seul·e le ou la bénéficiaire signe en cette qualité."))
    else:
        raise ValidationError(_("Qualité de signataire inconnue."))
    document = locked.document
    if (
        locked.statut != Synthese.Statut.VALIDEE
        or document is None
        or document.status != SignedDocument.Status.EMIS
    ):
        raise ValidationError(_("Aucun document de synthèse n'attend de signature."))
    document_signer(document=document, role=role, user=user, client=client, methode=methode)
    _refresh(synthese, locked)
    return document


@transaction.atomic
def synthese_nouvelle_version(*, synthese: Synthese, par: User) -> SyntheseVersion:
    """Correct a signed synthèse: it reopens as révisée (to be validated and signed again);
    the signed document and its version are kept unchanged."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    if locked.statut != Synthese.Statut.SIGNEE:
        raise ValidationError(
            _("Une nouvelle version se crée à partir d'une synthèse signée et pas encore remise.")
        )
    version = _nouvelle_version(locked, motif=selectors.MOTIF_CORRECTION, par=par)
    _rouvrir(locked)
    _refresh(synthese, locked)
    return version


@transaction.atomic
def synthese_remettre(*, synthese: Synthese, mode: str, par: User) -> Synthese:
    """Record the handover (date, mode) of the signed synthèse; the bilan still in progress
    moves to « synthèse remise » (its own conditions apply, refusal writes nothing)."""
    _exiger_acces(par, synthese.bilan)
    locked = _lock(synthese)
    if locked.statut != Synthese.Statut.SIGNEE:
        raise ValidationError(_("La synthèse se remet une fois signée par les deux parties."))
    mode = (mode or "").strip()
    if not mode:
        raise ValidationError({"mode": _("Indiquez le mode de remise (en main propre, …).")})
    if len(mode) > 100:
        raise ValidationError({"mode": _("100 caractères au plus.")})
    bilan = locked.bilan
    if bilan.statut == StatutBilan.EN_COURS:
        try:
            bilan_remettre_synthese(bilan=bilan, par=par)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
    locked.remise_le = timezone.now()
    locked.remise_mode = mode
    locked.statut = Synthese.Statut.REMISE
    locked.save(update_fields=["remise_le", "remise_mode", "statut", "updated_at"])
    return _refresh(synthese, locked)
