"""Guided personal work (travail personnel guidé): the consultant's consigne, the beneficiary's
submission and the consultant's feedback: the writes. The reads (lists, states, accessors) are
in ``seances.selectors.travail``.

The time of guided personal work counts in the 24 hours (L6313-4): the séance of type
"travail personnel guidé" holds it, and a PostgreSQL trigger keeps ``Bilan.minutes_comptees``
(capped at 24 h by a CHECK). It is guided work, never work done alone: a formal consigne,
resources, a due date, the beneficiary's submission and the consultant's feedback are kept.

Submission rules (a choice, documented in the README of the lead):

- one submission per consigne, editable by the beneficiary until the consultant gives feedback;
  after the feedback it is locked;
- a new submission replaces the text and the declared time; files are added to the earlier
  ones (at most ``MAX_FICHIERS`` in all), never silently dropped;
- submitting sets the séance's realised duration to the declared time and marks it realised
  (it keeps its due date and stays « en autonomie »: no place, and attendance is never asked
  for personal work); if that would take the bilan over 24 hours, nothing is written (no
  submission, no file), and the message names the time left.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Sequence

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.budget import Demande, message_depassement
from beneficiaires.cycle import TERMINAUX
from beneficiaires.documents import validate_document
from beneficiaires.models import Bilan, PortalAccess, TypeSeance
from bilan.core.models import User
from seances.models import STATUTS_COMPTES, Consigne, Rendu, RenduFichier, Seance
from seances.selectors.seances import bilan_minutes_comptees
from seances.services.seances import bilan_heures_synchroniser, budget_verifier

MAX_FICHIERS = 5
CONTRAINTE_24H = "bilan_24_heures_au_plus"


# --- Helpers ------------------------------------------------------------------------------


def texte_brut(*, texte: str | None) -> str:
    """User text reduced to plain text: no tag survives (templates escape it again on output)."""
    cleaned = nh3.clean(texte or "", tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(cleaned).replace("\r\n", "\n").replace("\r", "\n").strip()


def _exiger_ecriture(par: User, bilan: Bilan) -> None:
    """Consignes and feedback: the bilan's consultants and admins (``beneficiaires.acces``)."""
    acces.verifier_bilan(user=par, bilan=bilan, droit=acces.Droit.ACCOMPAGNER)


def _verifier_temps(minutes: int | str, *, champ: str, minimum: int) -> int:
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise ValidationError(
            {champ: _("Indiquez une durée en minutes.")}, code="invalid"
        ) from None
    if not minimum <= minutes <= 480:
        raise ValidationError(
            {
                champ: _("La durée doit être comprise entre %(min)s et 480 minutes (8 h).")
                % {"min": minimum}
            },
            code="range",
        )
    return minutes


# --- Consignes (consultant) -------------------------------------------------------------------


def _verifier_seance(seance: Seance) -> None:
    if seance.type != TypeSeance.TRAVAIL_PERSONNEL:
        raise ValidationError(
            _("Une consigne ne s'attache qu'à une séance de travail personnel guidé."),
            code="type",
        )
    if seance.bilan.statut in TERMINAUX:
        raise ValidationError(
            _("Le bilan est %(statut)s : plus de consigne possible.")
            % {"statut": seance.bilan.get_statut_display().lower()},
            code="bilan_termine",
        )
    if seance.statut not in STATUTS_COMPTES:
        raise ValidationError(
            _("La séance est %(statut)s : plus de consigne possible.")
            % {"statut": seance.get_statut_display().lower()},
            code="seance_annulee",
        )


def _champs_consigne(
    *,
    titre: str,
    consignes: str,
    ressources: str,
    echeance: dt.date | None,
    temps_attendu_minutes: int,
) -> dict[str, object]:
    titre = texte_brut(texte=titre)[:200]
    consignes = texte_brut(texte=consignes)
    errors: dict[str, str] = {}
    if not titre:
        errors["titre"] = _("Donnez un titre à la consigne.")
    if not consignes:
        errors["consignes"] = _("Écrivez la consigne : ce qui est demandé et comment.")
    if errors:
        raise ValidationError(errors, code="required")
    return {
        "titre": titre,
        "consignes": consignes,
        "ressources": texte_brut(texte=ressources),
        "echeance": echeance or None,
        "temps_attendu_minutes": _verifier_temps(
            temps_attendu_minutes, champ="temps_attendu_minutes", minimum=15
        ),
    }


@transaction.atomic
def consigne_creer(
    *,
    seance: Seance,
    titre: str,
    consignes: str,
    ressources: str = "",
    echeance: dt.date | None = None,
    temps_attendu_minutes: int,
    par: User | None = None,
) -> Consigne:
    """Attach the consigne of a guided personal work séance (one per séance).

    ``par``, when given, must be one of the bilan's consultants or an admin.
    """
    _verifier_seance(seance)
    if par is not None:
        _exiger_ecriture(par, seance.bilan)
    if Consigne.objects.filter(seance_id=seance.pk).exists():
        raise ValidationError(_("Cette séance a déjà une consigne."), code="doublon")
    champs = _champs_consigne(
        titre=titre,
        consignes=consignes,
        ressources=ressources,
        echeance=echeance,
        temps_attendu_minutes=temps_attendu_minutes,
    )
    return Consigne.objects.create(organisation_id=seance.organisation_id, seance=seance, **champs)


@transaction.atomic
def consigne_modifier(
    *,
    consigne: Consigne,
    titre: str,
    consignes: str,
    ressources: str = "",
    echeance: dt.date | None = None,
    temps_attendu_minutes: int,
    par: User | None = None,
) -> Consigne:
    """Edit a consigne while nothing has been submitted (the beneficiary answers what they read)."""
    _verifier_seance(consigne.seance)
    if par is not None:
        _exiger_ecriture(par, consigne.seance.bilan)
    if Rendu.objects.filter(consigne_id=consigne.pk).exists():
        raise ValidationError(
            _("Le travail a déjà été rendu : la consigne ne peut plus être modifiée."),
            code="rendu",
        )
    champs = _champs_consigne(
        titre=titre,
        consignes=consignes,
        ressources=ressources,
        echeance=echeance,
        temps_attendu_minutes=temps_attendu_minutes,
    )
    for name, value in champs.items():
        setattr(consigne, name, value)
    consigne.save(update_fields=[*champs, "updated_at"])
    return consigne


# --- Submission (beneficiary) -------------------------------------------------------------


def _beneficiaire_de(user: User, bilan: Bilan) -> bool:
    return PortalAccess.objects.filter(
        user=user,
        organisation_id=bilan.organisation_id,
        beneficiaire_id=bilan.beneficiaire_id,
        is_active=True,
    ).exists()


def _empreinte(fichier: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in fichier.chunks():
        digest.update(chunk)
    fichier.seek(0)
    return digest.hexdigest()


def _valider_fichiers(
    fichiers: Sequence[UploadedFile], *, deja: int
) -> list[tuple[UploadedFile, str]]:
    fichiers = [f for f in fichiers if f]
    if deja + len(fichiers) > MAX_FICHIERS:
        raise ValidationError(
            {
                "fichiers": _(
                    "%(max)s fichiers au plus par travail rendu (déjà joints : %(deja)s)."
                )
                % {"max": MAX_FICHIERS, "deja": deja}
            },
            code="trop_de_fichiers",
        )
    valides: list[tuple[UploadedFile, str]] = []
    erreurs: list[str] = []
    for fichier in fichiers:
        try:
            valides.append((fichier, validate_document(fichier)))
        except ValidationError as exc:
            erreurs.extend(f"{fichier.name} : {m}" for m in exc.messages)
    if erreurs:
        raise ValidationError({"fichiers": erreurs}, code="fichier")
    return valides


def _depasse_24h(exc: IntegrityError) -> bool:
    return CONTRAINTE_24H in str(exc)


def _refus_24h(seance: Seance, *, temps_minutes: int) -> ValidationError:
    message = message_depassement(
        deja_minutes=bilan_minutes_comptees(bilan=seance.bilan, sauf=seance),
        demande_minutes=temps_minutes,
        demande=Demande.TRAVAIL,
    )
    return ValidationError({"temps_declare_minutes": message}, code="24h")


def rendu_soumettre(
    *,
    consigne: Consigne,
    texte: str,
    temps_declare_minutes: int,
    fichiers: Sequence[UploadedFile] = (),
    par: User,
) -> Rendu:
    """The beneficiary submits (or updates, until feedback) their work for a consigne.

    Validates every file (type, size, content), then in one transaction: counts the declared
    time on the séance (refused with the hours left if over 24 h), writes the submission, and
    stores the files last. On any failure nothing is written and no file stays on disk.
    """
    seance = consigne.seance
    bilan = seance.bilan
    if not _beneficiaire_de(par, bilan):
        raise PermissionDenied(_("Ce travail n'est pas le vôtre."))
    if bilan.statut in TERMINAUX:
        raise ValidationError(
            _("Le bilan est %(statut)s : le travail ne peut plus être rendu.")
            % {"statut": bilan.get_statut_display().lower()},
            code="bilan_termine",
        )
    if seance.statut not in STATUTS_COMPTES:
        raise ValidationError(
            _("La séance de travail personnel a été %(statut)s.")
            % {"statut": seance.get_statut_display().lower()},
            code="seance_annulee",
        )
    existant = Rendu.objects.filter(consigne_id=consigne.pk).first()
    if existant is not None and existant.retour_le is not None:
        raise ValidationError(
            _("Votre consultant·e a fait son retour : le travail rendu ne peut plus changer."),
            code="verrouille",
        )
    texte = texte_brut(texte=texte)
    temps = _verifier_temps(temps_declare_minutes, champ="temps_declare_minutes", minimum=1)
    deja = existant.fichiers.count() if existant is not None else 0
    valides = _valider_fichiers(fichiers, deja=deja)
    if not texte and not valides and deja == 0:
        raise ValidationError(
            {"texte": _("Écrivez votre réponse ou joignez au moins un fichier.")},
            code="vide",
        )

    stockes: list[RenduFichier] = []
    try:
        with transaction.atomic():
            # Same lock order as the séance services: the bilan, then the séance.
            verrou = Bilan.objects.select_for_update().get(pk=bilan.pk)
            seance = Seance.objects.select_for_update().select_related("bilan").get(pk=seance.pk)
            if seance.statut not in STATUTS_COMPTES:
                raise ValidationError(_("La séance de travail personnel a été annulée."))
            # The declared time on its own séance: no date, place or attendance invented (the
            # séance keeps its due date, « en autonomie »); it counts in the 24 hours.
            seance.duree_realisee_minutes = temps
            seance.statut = Seance.Statut.REALISEE
            try:
                budget_verifier(
                    bilan=verrou,
                    demande_minutes=seance.minutes_comptees,
                    sauf=seance,
                    demande=Demande.TRAVAIL,
                    champ="temps_declare_minutes",
                )
            except ValidationError:
                raise _refus_24h(seance, temps_minutes=temps) from None
            try:
                with transaction.atomic():
                    seance.save(update_fields=["duree_realisee_minutes", "statut", "updated_at"])
            except IntegrityError as exc:
                if _depasse_24h(exc):
                    raise _refus_24h(seance, temps_minutes=temps) from None
                raise
            maintenant = timezone.now()
            if existant is None:
                rendu = Rendu.objects.create(
                    organisation_id=consigne.organisation_id,
                    consigne=consigne,
                    texte=texte,
                    temps_declare_minutes=temps,
                    soumis_le=maintenant,
                )
            else:
                rendu = Rendu.objects.select_for_update().get(pk=existant.pk)
                if rendu.retour_le is not None:
                    raise ValidationError(
                        _("Votre consultant·e a fait son retour : le travail est verrouillé.")
                    )
                rendu.texte = texte
                rendu.temps_declare_minutes = temps
                rendu.soumis_le = maintenant
                rendu.save(
                    update_fields=["texte", "temps_declare_minutes", "soumis_le", "updated_at"]
                )
            for fichier, type_mime in valides:
                item = RenduFichier(
                    organisation_id=consigne.organisation_id,
                    rendu=rendu,
                    fichier=fichier,
                    nom_original=(fichier.name or "")[:255],
                    type_mime=type_mime,
                    taille=fichier.size or 0,
                    sha256=_empreinte(fichier),
                )
                stockes.append(item)
                item.save()
            bilan_heures_synchroniser(bilan=verrou)
    except BaseException:
        # The rows are rolled back; the stored bytes are not: remove them.
        for item in stockes:
            if getattr(item.fichier, "_committed", False) and item.fichier.name:
                item.fichier.storage.delete(item.fichier.name)
        raise
    seance.bilan.refresh_from_db(fields=["minutes_comptees"])
    return rendu


# --- Feedback (consultant) ----------------------------------------------------------------


@transaction.atomic
def rendu_retour_enregistrer(*, rendu: Rendu, retour: str, par: User) -> Rendu:
    """The consultant's feedback on the submission. Given once; it locks the submission."""
    rendu = (
        Rendu.objects.select_for_update().select_related("consigne__seance__bilan").get(pk=rendu.pk)
    )
    _exiger_ecriture(par, rendu.consigne.seance.bilan)
    if rendu.retour_le is not None:
        raise ValidationError(_("Le retour a déjà été donné."), code="deja")
    retour = texte_brut(texte=retour)
    if not retour:
        raise ValidationError({"retour": _("Écrivez votre retour.")}, code="required")
    rendu.retour = retour
    rendu.retour_le = timezone.now()
    rendu.retour_par = par
    rendu.save(update_fields=["retour", "retour_le", "retour_par", "updated_at"])
    return rendu
