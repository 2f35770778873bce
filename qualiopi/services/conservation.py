"""The evidence store (domain rule 15): index the administrative and quality evidence, apply the
organisation's retention schedule, and destroy what has passed it.

The evidence stays where it was recorded (signed documents, attendance signatures, payments,
answered surveys, administrative files of the dossier); the store (``PiecePreuve``) is its index,
with the kind, the dossier number and the day until which it is kept, never a title or a text.
Only these sources are indexed: the synthèse (a signed document of its own kind), the work
files of the dossier, séance notes and submissions are bilan content, destroyed at the end of
the bilan by ``syntheses.services.retention`` (R6313-7), and never enter the store.

The daily task (``qualiopi.tasks.purger_preuves``) indexes, then claims the pieces past their
day (``SELECT … FOR UPDATE SKIP LOCKED``) and destroys each one in its own savepoint; the index
row stays as the log (``purgee_le``, ``purge_motif``). Files go after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.conventions import TypeDocument
from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import Bilan, Document, Paiement
from bilan.core.formatting import date_fr
from bilan.core.models import Organisation, SignedDocument, User
from enquetes.models import Reponse
from qualiopi.conservation import PLANCHERS_ANS, conserver_jusqu_au
from qualiopi.models import (
    NaturePreuve,
    PiecePreuve,
    PointDepart,
    Reclamation,
    RegleConservation,
)
from qualiopi.selectors.conservation import regles_lire
from seances.models import Emargement
from syntheses.services.documents_fin import KIND_ATTESTATION, KIND_CERTIFICAT

logger = logging.getLogger(__name__)

Source = PiecePreuve.Source
KINDS_CONTRATS = {TypeDocument.CONVENTION, TypeDocument.CONVENTION_TRIPARTITE, TypeDocument.CONTRAT}
KINDS_ATTESTATIONS = {KIND_ATTESTATION, KIND_CERTIFICAT}
TAILLE_LOT = 100


@dataclass(frozen=True)
class Element:
    """One piece of evidence as its source describes it (no title, no text)."""

    source: str
    source_id: int
    nature: str
    bilan_id: int | None
    date_piece: dt.date


def regle_conservation_modifier(
    *,
    organisation: Organisation,
    nature: str,
    duree_ans: int,
    point_depart: str,
    par: User,
) -> RegleConservation:
    """Set how long one kind of evidence is kept. Refused (at the field) below the legal floor
    (``PLANCHERS_ANS``), above 30 years, or for an unknown kind or starting point. The new
    dates apply at the next indexing (daily, or « Mettre à jour » on the page)."""
    erreurs = {}
    if nature not in NaturePreuve.values:
        erreurs["nature"] = _("Nature de pièce inconnue.")
    if point_depart not in PointDepart.values:
        erreurs["point_depart"] = _("Choisissez le point de départ dans la liste.")
    plancher = PLANCHERS_ANS.get(nature, 1)
    if not plancher <= duree_ans <= 30:
        erreurs["duree_ans"] = _(
            "La durée va de %(min)s à 30 ans pour cette nature de pièce (durée minimale "
            "exigée par les contrôles)."
        ) % {"min": plancher}
    if erreurs:
        raise ValidationError(erreurs)
    with transaction.atomic():
        regle, _cree = RegleConservation.objects.update_or_create(
            organisation=organisation,
            nature=nature,
            defaults={"duree_ans": duree_ans, "point_depart": point_depart, "modifiee_par": par},
        )
    return regle


def _documents_signes() -> Iterator[Element]:
    documents = SignedDocument.objects.filter(
        kind__in=[*KINDS_CONTRATS, *KINDS_ATTESTATIONS],
        status__in=[SignedDocument.Status.SIGNE, SignedDocument.Status.EMIS],
    ).only("id", "kind", "status", "subject_id", "signed_at", "issued_at", "created_at")
    bilans = dict(
        Bilan.objects.filter(public_id__in=[d.subject_id for d in documents]).values_list(
            "public_id", "id"
        )
    )
    for document in documents:
        contrat = document.kind in KINDS_CONTRATS
        if contrat and document.status != SignedDocument.Status.SIGNE:
            continue  # a convention is evidence once signed
        quand = document.signed_at or document.issued_at or document.created_at
        yield Element(
            Source.DOCUMENT_SIGNE,
            document.pk,
            NaturePreuve.CONTRATS if contrat else NaturePreuve.ATTESTATIONS,
            bilans.get(document.subject_id),
            timezone.localtime(quand).date(),
        )


def _emargements() -> Iterator[Element]:
    for pk, bilan_id, signe_le in Emargement.objects.values_list(
        "id", "seance__bilan_id", "signe_le"
    ):
        yield Element(
            Source.EMARGEMENT,
            pk,
            NaturePreuve.EMARGEMENTS,
            bilan_id,
            timezone.localtime(signe_le).date(),
        )


def _paiements() -> Iterator[Element]:
    for pk, bilan_id, date in Paiement.objects.values_list("id", "bilan_id", "date"):
        yield Element(Source.PAIEMENT, pk, NaturePreuve.PAIEMENTS, bilan_id, date)


def _enquetes() -> Iterator[Element]:
    for pk, bilan_id, repondu_le in Reponse.objects.filter(repondu_le__isnull=False).values_list(
        "id", "bilan_id", "repondu_le"
    ):
        yield Element(
            Source.ENQUETE,
            pk,
            NaturePreuve.ENQUETES,
            bilan_id,
            timezone.localtime(repondu_le).date(),
        )


def _documents_administratifs() -> Iterator[Element]:
    # A file belongs to the person, not to one bilan: its "end" is the end of their last bilan.
    documents = list(
        Document.objects.filter(categorie=Document.Categorie.ADMINISTRATIF).values_list(
            "id", "beneficiaire_id", "created_at"
        )
    )
    derniers: dict[int, int] = {}
    for bilan_id, beneficiaire_id in (
        Bilan.objects.filter(beneficiaire_id__in={d[1] for d in documents})
        .order_by("created_at", "pk")
        .values_list("id", "beneficiaire_id")
    ):
        derniers[beneficiaire_id] = bilan_id  # the latest wins
    for pk, beneficiaire_id, created_at in documents:
        yield Element(
            Source.DOCUMENT,
            pk,
            NaturePreuve.PIECES_ADMINISTRATIVES,
            derniers.get(beneficiaire_id),
            timezone.localtime(created_at).date(),
        )


def _reclamations() -> Iterator[Element]:
    # Only a closed complaint is evidence to keep then destroy; an open one is work in progress.
    for pk, cloture_le in Reclamation.objects.filter(cloture_le__isnull=False).values_list(
        "id", "cloture_le"
    ):
        yield Element(Source.RECLAMATION, pk, NaturePreuve.REGISTRES, None, cloture_le)


SOURCES: tuple[Callable[[], Iterator[Element]], ...] = (
    _documents_signes,
    _emargements,
    _paiements,
    _enquetes,
    _documents_administratifs,
    _reclamations,
)


def preuves_indexer(*, organisation: Organisation) -> int:
    """Bring the bound organisation's store up to date with its sources and its schedule (new
    pieces added, kept-until days recomputed); returns the number of pieces added.
    Idempotent; never touches a purged row (the log)."""
    regles = regles_lire(organisation=organisation)
    elements = [e for source in SOURCES for e in source()]
    bilan_ids = {e.bilan_id for e in elements if e.bilan_id}
    bilans = {
        b.pk: b
        for b in Bilan.objects.filter(pk__in=bilan_ids).only(
            "id", "numero", "statut", "termine_le", "date_fin_reelle"
        )
    }
    paiements = dict(
        Paiement.objects.filter(bilan_id__in=bilan_ids)
        .values("bilan_id")
        .annotate(dernier=Max("date"))
        .values_list("bilan_id", "dernier")
    )
    with transaction.atomic():
        existantes = {
            (p.source, p.source_id): p
            for p in PiecePreuve.objects.select_for_update().filter(organisation_id=organisation.pk)
        }
        nouvelles, changees = [], []
        for element in elements:
            bilan = bilans.get(element.bilan_id) if element.bilan_id else None
            fin = None
            if bilan is not None and bilan.statut in TERMINAUX:
                fin = bilan.termine_le or bilan.date_fin_reelle or element.date_piece
            jusqu_au = conserver_jusqu_au(
                regle=regles[element.nature],
                date_piece=element.date_piece,
                lie_a_un_bilan=bilan is not None,
                fin_bilan=fin,
                dernier_paiement=paiements.get(element.bilan_id),
            )
            piece = existantes.get((element.source, element.source_id))
            if piece is None:
                nouvelles.append(
                    PiecePreuve(
                        organisation=organisation,
                        nature=element.nature,
                        source=element.source,
                        source_id=element.source_id,
                        bilan=bilan,
                        bilan_numero=bilan.numero if bilan else "",
                        date_piece=element.date_piece,
                        conserver_jusqu_au=jusqu_au,
                    )
                )
            elif piece.purgee_le is None and piece.conserver_jusqu_au != jusqu_au:
                piece.conserver_jusqu_au = jusqu_au
                changees.append(piece)
        PiecePreuve.objects.bulk_create(nouvelles)
        PiecePreuve.objects.bulk_update(changees, ["conserver_jusqu_au", "updated_at"])
    return len(nouvelles)


def _detruire(piece: PiecePreuve) -> list[tuple[Storage, str]]:
    """Delete the piece's source row; returns its files, removed after the commit."""
    fichiers: list[tuple[Storage, str]] = []
    if piece.source == Source.DOCUMENT_SIGNE:
        for document in SignedDocument.objects.filter(pk=piece.source_id):
            for champ in (document.issued_pdf, document.signed_pdf):
                if champ:
                    fichiers.append((champ.storage, champ.name))
            document.delete()
    elif piece.source == Source.DOCUMENT:
        for fichier in Document.objects.filter(pk=piece.source_id):
            fichiers.append((fichier.fichier.storage, fichier.fichier.name))
            fichier.delete()
    elif piece.source == Source.EMARGEMENT:
        Emargement.objects.filter(pk=piece.source_id).delete()
    elif piece.source == Source.PAIEMENT:
        Paiement.objects.filter(pk=piece.source_id).delete()
    elif piece.source == Source.ENQUETE:
        Reponse.objects.filter(pk=piece.source_id).delete()
    elif piece.source == Source.RECLAMATION:
        # Its improvement actions stay (their link is emptied): they are the organisation's.
        Reclamation.objects.filter(pk=piece.source_id).delete()
    return fichiers


def _supprimer_apres_commit(fichiers: list[tuple[Storage, str]]) -> None:
    def supprimer() -> None:
        for storage, nom in fichiers:
            try:
                storage.delete(nom)
            except OSError:
                logger.exception("Fichier de preuve %s non supprimé", nom)

    if fichiers:
        transaction.on_commit(supprimer)


def preuves_purger(*, organisation: Organisation, aujourdhui: dt.date) -> int:
    """Index, then destroy every piece of the bound organisation kept until before
    ``aujourdhui``; returns how many went. Pieces are claimed in batches under
    ``FOR UPDATE SKIP LOCKED`` (a second worker takes others or none) and each is destroyed in
    its own savepoint: a failure is logged and leaves the piece for the next run."""
    preuves_indexer(organisation=organisation)
    regles = regles_lire(organisation=organisation)
    faites = 0
    echecs: set[int] = set()
    maintenant = timezone.now()
    while True:
        with transaction.atomic():
            lot = list(
                PiecePreuve.objects.select_for_update(skip_locked=True)
                .filter(
                    organisation_id=organisation.pk,
                    purgee_le__isnull=True,
                    conserver_jusqu_au__lt=aujourdhui,
                )
                .exclude(pk__in=echecs)
                .order_by("pk")[:TAILLE_LOT]
            )
            if not lot:
                return faites
            for piece in lot:
                regle = regles[piece.nature]
                try:
                    with transaction.atomic():
                        fichiers = _detruire(piece)
                        piece.purgee_le = maintenant
                        assert piece.conserver_jusqu_au is not None
                        piece.purge_motif = _(
                            "Durée de conservation écoulée (%(duree)s ans à compter de la "
                            "%(depart)s) : conservée jusqu'au %(jusqu)s."
                        ) % {
                            "duree": regle.duree_ans,
                            "depart": PointDepart(regle.point_depart).label,
                            "jusqu": date_fr(jour=piece.conserver_jusqu_au),
                        }
                        piece.save(update_fields=["purgee_le", "purge_motif", "updated_at"])
                except Exception:
                    logger.exception("Preuve %s non détruite", piece.pk)
                    echecs.add(piece.pk)
                    continue
                _supprimer_apres_commit(fichiers)
                faites += 1
                logger.info(
                    "Preuve détruite : %s %s (%s)", piece.source, piece.source_id, piece.nature
                )
