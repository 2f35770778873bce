"""The evidence export's writes: request an archive, build it, expire it.

``export_demander`` validates the window and the sample, records the row and the access journal
entry (an export of the organisation's evidence), and after the commit hands the build over:
to the Celery task ``qualiopi.tasks.construire_export`` when a broker is configured, or, on the
embedded default (``CELERY_TASK_ALWAYS_EAGER``, no Redis), to a **background thread** of the
web process, so that the request returns at once and the page polls the same progress row
either way (an eager task would run inside the request and the bar would never be seen).

``export_construire`` claims the row (``en_attente`` → ``en_cours`` under a lock: a redelivered
message finds it taken and does nothing), lists the dossiers in scope (all of the window, or
the reproducible sample), and writes the ZIP in the private storage under the organisation's
folder with ``qualiopi.export.archive.archive_ecrire``, the progress committed in short
transactions of its own. It must run outside any transaction (task, thread, command).
``exports_expirer`` (beat, hourly) claims the rows whose expiry has come, marks them expired
and deletes their files once that is committed.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from bilan.core.audit import ClientInfo, TypeObjet, audit_enregistrer
from bilan.core.models import AuditEvent, Organisation, User, private_storage
from bilan.core.tenancy import tenant_context
from qualiopi.export.archive import Progression, ResultatArchive, archive_ecrire
from qualiopi.export.catalogue import FOURNISSEURS
from qualiopi.export.pieces import ContexteExport
from qualiopi.models import ExportQualiopi
from qualiopi.referentiel import referentiel_courant
from qualiopi.selectors.exports import bilans_du_perimetre, echantillon_tirer

logger = logging.getLogger(__name__)

EXPORT_QUALIOPI = TypeObjet("export_qualiopi", gettext_lazy("Export des preuves Qualiopi"))
NOM_TACHE = "qualiopi.tasks.construire_export"
FENETRE_MAX_JOURS = 4 * 366
# A build whose progress row has not moved for this long lost its worker (killed, restarted):
# a redelivered message may take it again; after a day the hourly task marks it failed.
BUILD_ABANDONNE = timedelta(minutes=15)
BUILD_PERIME = timedelta(days=1)
GRAINE_MAX = 2**31 - 1
S = ExportQualiopi.Statut


def duree_conservation() -> timedelta:
    """How long a built archive stays downloadable (``QUALIOPI_EXPORT_EXPIRATION_JOURS``)."""
    return timedelta(days=settings.QUALIOPI_EXPORT_EXPIRATION_JOURS)


def periode_valider(
    *, debut: date | None, fin: date | None, echantillon: int | None, graine: int | None
) -> None:
    """French errors at the field: the window's order and length, the sample's size, the seed."""
    erreurs: dict[str, list[str]] = {}
    if debut is None:
        erreurs.setdefault("debut", []).append(_("Indiquez le début de la période."))
    if fin is None:
        erreurs.setdefault("fin", []).append(_("Indiquez la fin de la période."))
    if debut is not None and fin is not None:
        if fin < debut:
            erreurs.setdefault("fin", []).append(_("La fin de la période précède son début."))
        elif (fin - debut).days > FENETRE_MAX_JOURS:
            erreurs.setdefault("fin", []).append(
                _("La période dépasse quatre ans : un audit porte au plus sur un cycle.")
            )
    if echantillon is not None and echantillon < 1:
        erreurs.setdefault("echantillon", []).append(_("L'échantillon compte au moins un dossier."))
    if graine is not None and not 0 <= graine <= GRAINE_MAX:
        erreurs.setdefault("graine", []).append(
            _("La graine est un nombre entier entre 0 et %(max)s.") % {"max": GRAINE_MAX}
        )
    if graine is not None and echantillon is None:
        erreurs.setdefault("graine", []).append(
            _("Une graine ne sert qu'avec un échantillon : indiquez sa taille.")
        )
    if erreurs:
        raise ValidationError(erreurs)


def export_demander(
    *,
    organisation: Organisation,
    demandeur: User,
    debut: date,
    fin: date,
    echantillon: int | None,
    graine: int | None,
    client: ClientInfo | None,
) -> ExportQualiopi:
    """Record an export request (the seed drawn here when a sample has none), journal it, and
    start the build once committed. The caller has checked that ``demandeur`` is an
    administrator of ``organisation``."""
    periode_valider(debut=debut, fin=fin, echantillon=echantillon, graine=graine)
    if echantillon is not None and graine is None:
        graine = secrets.randbelow(GRAINE_MAX + 1)
    with transaction.atomic():
        export = ExportQualiopi.objects.create(
            organisation=organisation,
            demande_par=demandeur,
            debut=debut,
            fin=fin,
            echantillon=echantillon,
            graine=graine,
            statut=S.EN_ATTENTE,
            etape=_("En attente de démarrage"),
        )
        audit_enregistrer(
            organisation=organisation,
            acteur=demandeur,
            client=client,
            action=AuditEvent.Action.EXPORT,
            objet=EXPORT_QUALIOPI,
            object_id=export.public_id,
        )
        transaction.on_commit(partial(export_lancer, organisation.pk, export.pk))
    return export


def _construire_dans_un_fil(organisation_id: int, export_id: int) -> None:
    try:
        export_construire(organisation_id=organisation_id, export_id=export_id)
    finally:
        # The thread's own connections (Django's are per thread): closed, never left to leak.
        connections.close_all()


def export_lancer(organisation_id: int, export_id: int) -> None:
    """Hand the build over (after the request's commit): the Celery task, or a background
    thread on the embedded default (see the module docstring). An unreachable broker marks the
    export failed with a French message instead of failing the page."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        fil = threading.Thread(
            target=_construire_dans_un_fil,
            args=(organisation_id, export_id),
            name=f"export-qualiopi-{export_id}",
            daemon=True,
        )
        fil.start()
        return
    try:
        # By name: the web process need not import the task module (the worker has it).
        current_app.send_task(NOM_TACHE, args=[organisation_id, export_id])
    except (ConnectionError, TimeoutError, OSError, OperationalError) as exc:
        logger.warning("Export %s : file des tâches injoignable (%s)", export_id, exc)
        _terminer_en_echec(
            organisation_id=organisation_id,
            export_id=export_id,
            message=_("La file des tâches est injoignable : relancez l'export plus tard."),
        )


@dataclass(frozen=True)
class ArchiveProduite:
    resultat: ResultatArchive
    references: list[str]
    graine: int | None


def archive_produire(
    *,
    organisation: Organisation,
    debut: date,
    fin: date,
    echantillon: int | None,
    graine: int | None,
    sortie: IO[bytes],
    progression: Progression,
) -> ArchiveProduite:
    """List the dossiers in scope (drawing the sample with ``graine``) and write the archive
    into ``sortie``. Shared by the task and the ``export_qualiopi`` command. Runs outside any
    transaction (it opens its own, see ``archive_ecrire``)."""
    with tenant_context(organisation):
        perimetre = list(bilans_du_perimetre(debut=debut, fin=fin).values_list("pk", "numero"))
    if echantillon is not None:
        if graine is None:
            graine = secrets.randbelow(GRAINE_MAX + 1)
        tires = set(
            echantillon_tirer(ids=[pk for pk, _n in perimetre], taille=echantillon, graine=graine)
        )
        perimetre = [(pk, numero) for pk, numero in perimetre if pk in tires]
    contexte = ContexteExport(
        organisation=organisation,
        debut=debut,
        fin=fin,
        bilan_ids=tuple(pk for pk, _n in perimetre),
        echantillon=echantillon is not None,
    )
    references = [numero for _pk, numero in perimetre]
    resultat = archive_ecrire(
        sortie=sortie,
        contexte=contexte,
        referentiel=referentiel_courant(),
        fournisseurs=FOURNISSEURS,
        references=references,
        graine=graine,
        progression=progression,
    )
    return ArchiveProduite(resultat=resultat, references=references, graine=graine)


def _progression_enregistrer(
    organisation: Organisation, export_id: int, faites: int, total: int, etape: str
) -> None:
    with tenant_context(organisation):
        ExportQualiopi.objects.filter(pk=export_id, statut=S.EN_COURS).update(
            progression_faite=min(faites, total),
            progression_totale=total,
            etape=etape[:200],
            updated_at=timezone.now(),
        )


def _terminer_en_echec(*, organisation_id: int, export_id: int, message: str) -> None:
    organisation = Organisation.objects.get(pk=organisation_id)
    with tenant_context(organisation):
        ExportQualiopi.objects.filter(pk=export_id).exclude(statut__in=[S.PRET, S.EXPIRE]).update(
            statut=S.ECHEC,
            erreur=message[:2000],
            etape=_("Échec"),
            termine_le=timezone.now(),
            updated_at=timezone.now(),
        )


def export_construire(*, organisation_id: int, export_id: int) -> str:
    """Build one requested export (task, thread). Idempotent: only a waiting row is built.
    Returns the final status. Never raises for a build error: the row says what failed."""
    organisation = Organisation.objects.get(pk=organisation_id, is_active=True)
    with tenant_context(organisation):
        export = ExportQualiopi.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            return "introuvable"
        abandonne = (
            export.statut == S.EN_COURS and export.updated_at < timezone.now() - BUILD_ABANDONNE
        )
        if export.statut != S.EN_ATTENTE and not abandonne:
            return export.statut
        export.statut = S.EN_COURS
        export.etape = _("Recherche des dossiers")
        export.save(update_fields=["statut", "etape", "updated_at"])
    nom = f"org-{organisation.pk}/exports/preuves-qualiopi-{uuid.uuid4().hex}.zip"
    stockage = private_storage()
    chemin = Path(stockage.path(nom))
    chemin.parent.mkdir(parents=True, exist_ok=True)
    try:
        with chemin.open("wb") as sortie:
            archive_produire(
                organisation=organisation,
                debut=export.debut,
                fin=export.fin,
                echantillon=export.echantillon,
                graine=export.graine,
                sortie=sortie,
                progression=partial(_progression_enregistrer, organisation, export.pk),
            )
    except Exception as exc:  # noqa: BLE001  (the row must say the build failed, whatever broke)
        logger.exception("Export Qualiopi %s : échec de la construction", export.public_id)
        chemin.unlink(missing_ok=True)
        message = (
            " ".join(exc.messages)
            if isinstance(exc, ValidationError)
            else _(
                "La construction de l'archive a échoué ; l'erreur est dans le journal du serveur."
            )
        )
        _terminer_en_echec(organisation_id=organisation.pk, export_id=export.pk, message=message)
        return S.ECHEC
    maintenant = timezone.now()
    with tenant_context(organisation):
        ExportQualiopi.objects.filter(pk=export.pk, statut=S.EN_COURS).update(
            statut=S.PRET,
            fichier=nom,
            taille=chemin.stat().st_size,
            etape=_("Archive prête"),
            termine_le=maintenant,
            expire_le=maintenant + duree_conservation(),
            updated_at=maintenant,
        )
    return S.PRET


def export_telecharger(
    *, export: ExportQualiopi, acteur: User, client: ClientInfo | None
) -> IO[bytes]:
    """Open a ready, unexpired archive for download and journal the download. The caller has
    checked that ``acteur`` is an administrator of the export's organisation."""
    if export.statut != S.PRET or not export.fichier:
        raise ValidationError(_("Cette archive n'est pas disponible."))
    if export.expire_le is not None and export.expire_le <= timezone.now():
        raise ValidationError(_("Cette archive a expiré : demandez un nouvel export."))
    try:
        fichier = private_storage().open(export.fichier, "rb")
    except OSError:
        raise ValidationError(_("Le fichier de cette archive est introuvable.")) from None
    audit_enregistrer(
        organisation=export.organisation,
        acteur=acteur,
        client=client,
        action=AuditEvent.Action.DOWNLOAD,
        objet=EXPORT_QUALIOPI,
        object_id=export.public_id,
    )
    return fichier


def exports_expirer(*, organisation: Organisation, maintenant: datetime) -> int:
    """Claim the bound organisation's ready exports whose expiry has come (``SKIP LOCKED``: two
    runs never take the same row), mark them expired, and delete their files after the commit.
    Builds left waiting or running for a day (their worker or thread is gone) are marked
    failed. Returns the number of rows expired."""
    ExportQualiopi.objects.filter(
        statut__in=[S.EN_ATTENTE, S.EN_COURS], updated_at__lt=maintenant - BUILD_PERIME
    ).update(
        statut=S.ECHEC,
        erreur=_("La préparation a été interrompue : demandez un nouvel export."),
        etape=_("Échec"),
        updated_at=timezone.now(),
    )
    lignes = list(
        ExportQualiopi.objects.select_for_update(skip_locked=True)
        .filter(statut=S.PRET, expire_le__lte=maintenant)
        .values_list("pk", "fichier")
    )
    if not lignes:
        return 0
    ExportQualiopi.objects.filter(pk__in=[pk for pk, _f in lignes]).update(
        statut=S.EXPIRE,
        fichier="",
        taille=0,
        etape=_("Archive expirée et supprimée"),
        updated_at=timezone.now(),
    )
    noms = [nom for _pk, nom in lignes if nom]
    transaction.on_commit(partial(_fichiers_supprimer, noms))
    return len(lignes)


def _fichiers_supprimer(noms: list[str]) -> None:
    stockage = private_storage()
    for nom in noms:
        try:
            stockage.delete(nom)
        except OSError:
            logger.warning("Export Qualiopi : fichier %s déjà absent", nom)
