"""Retention of bilan documents (R6313-7; domain.md §4.1, §8 rules 14-15).

The provider destroys the documents produced for the bilan **as soon as the action ends**. Two
exceptions allow keeping some of them for **3 years at most**:

a) the synthèse, when the beneficiary asked for it to be sent to the CEP operator (here: an
   active ``synthese_cep`` consent **and** an active share of the synthèse under it);
b) documents covered by the beneficiary's written agreement for the follow-up of their situation
   (an active ``conservation_suivi`` consent). The consent model has no list of documents: we
   keep the signed synthèse and the files of the dossier (``beneficiaires.Document``), nothing
   else (notes, submissions, drafts, prior-interview texts always go).

End of the action = ``Bilan.termine_le``, the day the dossier entered an end state, written once
by the transition (``bilan_changer_statut``: closure, abandonment, refusal) and never derived
afterwards (least of all from the last update, which would move the 3-year limit each time the
row is touched). A refused dossier never started: what was produced for it (the prior
interview, files, needs) has no purpose left either, and goes the same way (R6313-7, and data
minimisation, RGPD art. 5-1 c and e). Kept items go at the latest on that date + 3 years, or
earlier when the consent is revoked (the next run purges). An ended dossier without a recorded
date (none since migration ``beneficiaires.0011``) is purged as due, and its exceptions are not
applied: keeping is only lawful within 3 years of a known end.

What is destroyed (``bilan_purger``): séance notes (blanked), submissions of guided personal work
and their files, questionnaire answers and results (``exploration``), the dossier's files, the
synthèse's drafts (versions without a signed document) and comments, and, without a live
exception, the synthèse's text and structured parts and its signed PDF (rows and files).
Also, with the work documents:

- the **prior interview**'s texts (request, context, constraints, expectations, comment) are
  blanked. Its row stays with its date, consultant and outcome: the fact and date of the free
  prior interview (which opens the reflection period before confirming) are what the file must
  still show, e.g. for Qualiopi indicator 4 (a prior-interview record per beneficiary; the
  co-defined objectives stay on the dossier), and audit evidence rests on such records, never
  on what the person said (domain.md §3.3). Interviews of the beneficiary up to the end of the
  dossier go, not one still linked to an open dossier, nor one held after the end (a new
  request);
- the **accessibility needs** (health data kept under an explicit consent for this bilan's
  arrangements, RGPD art. 9) are erased, unless another open dossier of the person still
  needs them. The consent itself stays as recorded (its history is evidence).

What is kept: administrative and quality evidence with its own retention (conventions and
contracts, attendance signatures, attestations and certificates, surveys, the Purge journal
itself), the séance rows (dates, durations, attendance) without their notes, and the access
journal, which holds kinds and ids only, never a title (``bilan.core.audit``), so nothing of
a destroyed document stays readable there.

Every kind destroyed gets a ``Purge`` row (what, how many, why, by whom or by the nightly task).
A second run finds nothing left and writes nothing: the purge is idempotent. Files are removed
from the private storage **after** the transaction commits, so a rollback never leaves rows
pointing to deleted files; a simulation (``simuler=True``, ``conservation_purger --dry-run``)
runs the same code and rolls back, so it lists exactly what a real run would destroy.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    Consentement,
    Document,
    EntretienPrealable,
    ReponseEntretien,
    StatutBilan,
)
from bilan.core.formatting import date_fr
from bilan.core.models import SignedDocument
from exploration.services.pistes import exploration_purger
from exploration.services.questionnaires import passations_purger
from seances.models import Rendu, RenduFichier, Seance
from syntheses.models import (
    Commentaire,
    Critere,
    EcartCompetence,
    EtapePlanAction,
    Purge,
    Scenario,
    Synthese,
    SyntheseVersion,
)
from syntheses.services.partage import partages_actifs_lister

if TYPE_CHECKING:
    from bilan.core.models import Organisation, User

logger = logging.getLogger(__name__)

DUREE_EXCEPTION_ANS = 3
SECTIONS_TEXTE = (
    "circonstances",
    "competences",
    "interets",
    "projets",
    "scenarios",
    "facteurs",
    "etapes",
)
KIND_SYNTHESE = "synthese"
TEXTES_ENTRETIEN = ("demande", "contexte", "contraintes", "attentes", "commentaire")

OBJETS = {
    "notes": gettext_lazy("Notes confidentielles de séance"),
    "rendus": gettext_lazy("Rendus de travail personnel guidé"),
    "rendus_fichiers": gettext_lazy("Fichiers des rendus de travail personnel"),
    "questionnaires": gettext_lazy("Réponses et résultats de questionnaires"),
    "documents": gettext_lazy("Documents du dossier"),
    "entretiens": gettext_lazy("Textes de l'entretien préalable"),
    "besoins": gettext_lazy("Besoins d'aménagement (accessibilité)"),
    "brouillons": gettext_lazy("Versions de travail de la synthèse"),
    "commentaires": gettext_lazy("Commentaires sur la synthèse"),
    "synthese_texte": gettext_lazy("Texte et éléments de travail de la synthèse"),
    "synthese_signee": gettext_lazy("Synthèse signée (PDF)"),
    "enquetes_metier": gettext_lazy("Enquêtes métier"),
    "pistes": gettext_lazy("Pistes métier et leurs notes"),
}
BASE_SUIVI = gettext_lazy(
    "R6313-7 b) : accord écrit du ou de la bénéficiaire pour le suivi de sa situation"
)
BASE_CEP = gettext_lazy(
    "R6313-7 a) et L6313-4 : synthèse transmise au conseil en évolution professionnelle "
    "à la demande du ou de la bénéficiaire"
)


def _plus_annees(jour: dt.date, annees: int) -> dt.date:
    try:
        return jour.replace(year=jour.year + annees)
    except ValueError:  # 29 February
        return jour.replace(year=jour.year + annees, day=28)


def bilan_date_cloture(*, bilan: Bilan) -> dt.date | None:
    """The day the dossier ended (closure, abandonment or refusal), as the transition recorded
    it; None while it runs, or for an ended dossier whose day was never recorded."""
    if bilan.statut in TERMINAUX:
        return bilan.termine_le
    return None


def _synthese(bilan: Bilan) -> Synthese | None:
    try:
        return Synthese.objects.get(bilan=bilan)
    except ObjectDoesNotExist:
        return None


def _exceptions(bilan: Bilan, synthese: Synthese | None, limite: dt.date | None) -> list[dict]:
    exceptions = []
    suivi = (
        Consentement.objects.filter(
            beneficiaire_id=bilan.beneficiaire_id,
            type=Consentement.Type.CONSERVATION_SUIVI,
            revoque_le__isnull=True,
        )
        .order_by("accorde_le")
        .first()
    )
    if suivi is not None:
        exceptions.append(
            {
                "type": Consentement.Type.CONSERVATION_SUIVI,
                "libelle": _("Conservation pour le suivi"),
                "base_legale": BASE_SUIVI,
                "consentement": suivi,
                "garde": _("la synthèse signée et les documents du dossier"),
                "jusqu_au": limite,
            }
        )
    if synthese is not None:
        partage = (
            partages_actifs_lister(synthese=synthese)
            .filter(consentement__type=Consentement.Type.SYNTHESE_CEP)
            .first()
        )
        if partage is not None:
            exceptions.append(
                {
                    "type": Consentement.Type.SYNTHESE_CEP,
                    "libelle": _("Synthèse transmise au CEP"),
                    "base_legale": BASE_CEP,
                    "consentement": partage.consentement,
                    "partage": partage,
                    "garde": _("la synthèse signée"),
                    "jusqu_au": limite,
                }
            )
    return exceptions


def bilan_statut_conservation(*, bilan: Bilan, aujourdhui: dt.date | None = None) -> dict:
    """Where ``bilan`` stands with R6313-7.

    ``{"termine", "cloture_le", "purge_le", "limite_exceptions", "exceptions" (list of dicts:
    type, libelle, base_legale, consentement, garde, jusqu_au), "exceptions_en_vigueur",
    "garder_synthese", "garder_documents", "purge_due", "journal"}``. ``purge_le`` is the
    closure date; ``limite_exceptions`` = closure + 3 years, never beyond.
    """
    aujourdhui = aujourdhui or timezone.localdate()
    termine = bilan.statut in TERMINAUX
    cloture = bilan_date_cloture(bilan=bilan)
    limite = _plus_annees(cloture, DUREE_EXCEPTION_ANS) if cloture else None
    synthese = _synthese(bilan)
    exceptions = _exceptions(bilan, synthese, limite)
    # Running: the exceptions will apply. Ended: only within 3 years of a known end.
    en_vigueur = bool(exceptions) and (not termine or (limite is not None and aujourdhui < limite))
    types = {e["type"] for e in exceptions} if en_vigueur else set()
    return {
        "termine": termine,
        "date_inconnue": termine and cloture is None,
        "cloture_le": cloture,
        "purge_le": cloture,
        "limite_exceptions": limite,
        "exceptions": exceptions,
        "exceptions_en_vigueur": en_vigueur,
        "garder_synthese": bool(types),
        "garder_documents": Consentement.Type.CONSERVATION_SUIVI in types,
        "purge_due": termine and (cloture is None or aujourdhui >= cloture),
        "synthese": synthese,
        "journal": list(Purge.objects.filter(bilan=bilan).select_related("par")),
    }


# --- Purge ------------------------------------------------------------------------------------


def _supprimer_fichiers_apres_commit(fichiers: list[tuple[Storage, str]]) -> None:
    """Delete (storage, name) pairs once the transaction has committed."""
    fichiers = [(storage, name) for storage, name in fichiers if name]
    if not fichiers:
        return

    def supprimer() -> None:
        for storage, name in fichiers:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Purge : fichier %s non supprimé", name)

    transaction.on_commit(supprimer)


def _documents_synthese(bilan: Bilan, synthese: Synthese | None) -> list[SignedDocument]:
    condition = Q(kind=KIND_SYNTHESE, subject_id=bilan.public_id)
    if synthese is not None:
        condition |= Q(kind=KIND_SYNTHESE, subject_id=synthese.public_id)
        ids = set(
            SyntheseVersion.objects.filter(synthese=synthese, document__isnull=False).values_list(
                "document_id", flat=True
            )
        )
        if synthese.document_id:
            ids.add(synthese.document_id)
        condition |= Q(pk__in=ids)
    return list(SignedDocument.objects.filter(condition))


def _autres_bilans_ouverts(bilan: Bilan) -> QuerySet[Bilan]:
    return (
        Bilan.objects.filter(beneficiaire_id=bilan.beneficiaire_id)
        .exclude(pk=bilan.pk)
        .exclude(statut__in=TERMINAUX)
    )


def _entretiens_a_vider(
    bilan: Bilan, *, cloture: dt.date | None, autre_ouvert: bool
) -> QuerySet[EntretienPrealable]:
    """The beneficiary's prior interviews whose texts go with this dossier: its own, and, when
    no other dossier is open, every earlier one up to the end day (not a later one: a new
    request); never one an open dossier still points to."""
    cible = Q(pk=bilan.entretien_prealable_id) if bilan.entretien_prealable_id else Q(pk__in=[])
    if not autre_ouvert and cloture is not None:
        lendemain = cloture + dt.timedelta(days=1)
        cible |= Q(date__lt=timezone.make_aware(dt.datetime.combine(lendemain, dt.time.min)))
    en_usage = (
        _autres_bilans_ouverts(bilan)
        .filter(entretien_prealable__isnull=False)
        .values("entretien_prealable_id")
    )
    # Nothing left to purge: texts empty and no answer to the organisation's questions.
    deja_vide = Q(**dict.fromkeys(TEXTES_ENTRETIEN, "")) & ~Exists(
        ReponseEntretien.objects.filter(entretien_id=OuterRef("pk"))
    )
    return (
        EntretienPrealable.objects.filter(beneficiaire_id=bilan.beneficiaire_id)
        .filter(cible)
        .exclude(pk__in=en_usage)
        .exclude(deja_vide)
    )


@transaction.atomic
def bilan_purger(
    *, bilan: Bilan, aujourdhui: dt.date, par: User | None = None, simuler: bool = False
) -> list[Purge]:
    """Destroy the work documents of an ended bilan whose purge date has come (R6313-7).

    Returns the ``Purge`` rows written (one per kind destroyed; none when there was nothing
    left: idempotent). Refused (``ValidationError``, nothing written) for a bilan still running
    or before its purge date. ``par`` None means the nightly task (or the command).

    ``simuler``: run everything, then roll it back (no file is touched: files go after the
    commit only) and return the ``Purge`` rows unsaved: what a real run would destroy now.
    """
    # The body is its own (undecorated) function so that mutation testing reaches it: mutmut
    # leaves decorated functions alone (tests/MUTATION.md). ``simuler`` rolls back this block.
    return _bilan_purger(bilan=bilan, aujourdhui=aujourdhui, par=par, simuler=simuler)


def _bilan_purger(
    *, bilan: Bilan, aujourdhui: dt.date, par: User | None, simuler: bool
) -> list[Purge]:
    """``bilan_purger``'s body, inside its atomic block."""
    bilan = (
        Bilan.objects.select_for_update(of=("self",))
        .select_related("beneficiaire")
        .get(pk=bilan.pk)
    )
    statut = bilan_statut_conservation(bilan=bilan, aujourdhui=aujourdhui)
    if not statut["termine"]:
        raise ValidationError(_("Ce bilan n'est pas terminé : rien n'est détruit avant sa fin."))
    if not statut["purge_due"]:
        raise ValidationError(_("La date de destruction de ce bilan n'est pas encore venue."))
    synthese = statut["synthese"]
    garder_synthese = statut["garder_synthese"]
    garder_documents = statut["garder_documents"]
    if statut["exceptions_en_vigueur"]:
        raison_base = _("Fin du bilan (R6313-7) ; exception en vigueur jusqu'au %(d)s") % {
            "d": date_fr(jour=statut["limite_exceptions"])
        }
    elif statut["date_inconnue"]:
        raison_base = _(
            "Fin du bilan (R6313-7) : date de fin non enregistrée, aucune exception applicable"
        )
    elif statut["exceptions"]:
        raison_base = _("Fin du délai de 3 ans de l'exception (R6313-7)")
    elif bilan.statut == StatutBilan.REFUSE:
        raison_base = _("Bilan refusé : fin de la démarche (R6313-7 ; RGPD, art. 5)")
    else:
        raison_base = _("Fin du bilan (R6313-7) : aucune exception")
    autre_ouvert = _autres_bilans_ouverts(bilan).exists()
    comptes: dict[str, int] = {}
    fichiers: list = []

    # 1. Séance notes.
    comptes["notes"] = Seance.objects.filter(bilan=bilan).exclude(notes="").update(notes="")

    # 2. Submissions of guided personal work and their files.
    rendus = Rendu.objects.filter(consigne__seance__bilan=bilan)
    pieces = list(RenduFichier.objects.filter(rendu__in=rendus))
    fichiers += [(p.fichier.storage, p.fichier.name) for p in pieces]
    comptes["rendus_fichiers"] = len(pieces)
    RenduFichier.objects.filter(pk__in=[p.pk for p in pieces]).delete()
    comptes["rendus"] = rendus.count()
    rendus.delete()

    # 2b. Questionnaires: answers and results (confidential bilan content), always destroyed;
    # a result the beneficiary agreed to print lives on only inside a kept synthèse.
    comptes["questionnaires"] = passations_purger(bilan=bilan)

    # 3. The dossier's files, unless kept for the follow-up or still used by an open bilan.
    if not garder_documents and not autre_ouvert:
        # Administrative evidence (e.g. a scanned signed convention) is kept (rule 15).
        documents = list(
            Document.objects.filter(beneficiaire_id=bilan.beneficiaire_id).exclude(
                categorie=Document.Categorie.ADMINISTRATIF
            )
        )
        fichiers += [(d.fichier.storage, d.fichier.name) for d in documents]
        comptes["documents"] = len(documents)
        Document.objects.filter(pk__in=[d.pk for d in documents]).delete()

    # 3b. The prior interview's texts (its date, consultant and outcome stay).
    maintenant = timezone.now()
    # The answers to the organisation's questions (rule 12) are bilan content too.
    entretiens = list(
        _entretiens_a_vider(
            bilan, cloture=statut["cloture_le"], autre_ouvert=autre_ouvert
        ).values_list("pk", flat=True)
    )
    ReponseEntretien.objects.filter(entretien_id__in=entretiens).delete()
    comptes["entretiens"] = EntretienPrealable.objects.filter(pk__in=entretiens).update(
        **dict.fromkeys(TEXTES_ENTRETIEN, ""), updated_at=maintenant
    )

    # 3c. The accessibility needs, unless another open dossier still needs them.
    if not autre_ouvert:
        comptes["besoins"] = (
            Beneficiaire.objects.filter(pk=bilan.beneficiaire_id)
            .exclude(besoins_accessibilite="")
            .update(besoins_accessibilite="", updated_at=maintenant)
        )

    # 3d. Exploration: enquêtes métier and pistes with their notes (bilan content).
    comptes.update(exploration_purger(bilan=bilan))

    if synthese is not None:
        signes = SignedDocument.Status.SIGNE
        # 4. Drafts: versions without a signed document, and the comments.
        comptes["commentaires"] = Commentaire.objects.filter(synthese=synthese).count()
        Commentaire.objects.filter(synthese=synthese).delete()
        brouillons = SyntheseVersion.objects.filter(synthese=synthese).filter(
            Q(document__isnull=True) | ~Q(document__status=signes)
        )
        comptes["brouillons"] = brouillons.count()
        brouillons_docs = list(
            SignedDocument.objects.filter(
                pk__in=brouillons.filter(document__isnull=False).values("document_id")
            ).exclude(pk=synthese.document_id or 0)
        )
        brouillons.delete()
        for document in brouillons_docs:  # unsigned PDFs of drafts
            fichiers += [(document.issued_pdf.storage, document.issued_pdf.name)]
            document.delete()

        if not garder_synthese:
            # 5. The text and the structured parts.
            texte = any(getattr(synthese, f) for f in SECTIONS_TEXTE)
            parts = 0
            for model in (EtapePlanAction, Critere, Scenario, EcartCompetence):
                qs = model.objects.filter(synthese=synthese)
                parts += qs.count()
                qs.delete()
            if texte:
                Synthese.objects.filter(pk=synthese.pk).update(
                    **dict.fromkeys(SECTIONS_TEXTE, ""), updated_at=timezone.now()
                )
            comptes["synthese_texte"] = (1 if texte else 0) + parts

            # 6. The signed synthèse: clear the references, then delete rows and files.
            documents = _documents_synthese(bilan, synthese)
            if documents:
                Synthese.objects.filter(pk=synthese.pk).update(document=None)
                SyntheseVersion.objects.filter(synthese=synthese).delete()
                for document in documents:
                    for field in (document.issued_pdf, document.signed_pdf):
                        if field:
                            fichiers.append((field.storage, field.name))
                    document.delete()
            comptes["synthese_signee"] = len(documents)

    purges = [
        Purge(
            organisation_id=bilan.organisation_id,
            bilan=bilan,
            objet=str(OBJETS[objet]),
            nombre=nombre,
            raison=str(raison_base)[:300],
            par=par,
        )
        for objet, nombre in comptes.items()
        if nombre
    ]
    if simuler:
        transaction.set_rollback(True)  # bilan_purger's own atomic block: nothing stays
        return purges
    _supprimer_fichiers_apres_commit(fichiers)
    for purge in purges:
        purge.save(force_insert=True)
    if purges:
        logger.info("Purge R6313-7 : bilan %s, %s objets", bilan.pk, len(purges))
    return purges


def bilans_a_purger_lister(*, aujourdhui: dt.date) -> QuerySet[Bilan]:
    """Ended dossiers (closed, abandoned, refused) of the bound organisation whose purge date
    has come, or whose end day was never recorded (purged as due, see the module docstring)."""
    return Bilan.objects.filter(
        Q(termine_le__lte=aujourdhui) | Q(termine_le__isnull=True), statut__in=TERMINAUX
    ).order_by("pk")


def bilans_purger(
    *, aujourdhui: dt.date, simuler: bool = False, par: User | None = None
) -> list[tuple[Bilan, list[Purge]]]:
    """Purge (or simulate, see ``bilan_purger``) every due dossier of the bound organisation;
    returns the dossiers where something went (or would go), with their ``Purge`` rows.

    One savepoint per dossier: a failure is logged and does not stop the others.
    """
    faits = []
    for bilan in bilans_a_purger_lister(aujourdhui=aujourdhui):
        try:
            with transaction.atomic():
                purges = bilan_purger(bilan=bilan, aujourdhui=aujourdhui, par=par, simuler=simuler)
        except ValidationError:
            continue
        except Exception:
            logger.exception("Purge du bilan %s impossible", bilan.pk)
            continue
        if purges:
            faits.append((bilan, purges))
    return faits


def organisation_purger(*, organisation: Organisation, aujourdhui: dt.date) -> int:
    """Purge every due dossier of the bound ``organisation``; returns the Purge rows written."""
    return sum(len(purges) for _bilan, purges in bilans_purger(aujourdhui=aujourdhui))
