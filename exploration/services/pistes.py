"""Writes of the pistes métier of a bilan, and the purge of the exploration content.

Two sides write: the beneficiary from the portal, the bilan's consultants from the dossier.
Each side has its own note; both notes are shown to both sides (documented in the README).
Every service checks who acts (second line behind the view) and writes nothing on refusal.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaires import acces
from beneficiaires.models import Bilan, PortalAccess
from bilan.core.models import User
from exploration.models import EnqueteMetier, Fiche, Piste
from exploration.selectors.rome import fiche_savoir_faire_coeur_items

Auteur = Piste.Auteur
NOTE_MAX = 4000


def exiger_auteur(*, par: User, bilan: Bilan, auteur: str) -> None:
    """The beneficiary of the bilan (an active portal access), or a member who accompanies
    it (``beneficiaires.acces``). PermissionDenied otherwise."""
    if auteur == Auteur.BENEFICIAIRE:
        if not PortalAccess.objects.filter(
            user=par,
            beneficiaire_id=bilan.beneficiaire_id,
            organisation_id=bilan.organisation_id,
            is_active=True,
        ).exists():
            raise PermissionDenied(_("Ce bilan n'est pas le vôtre."))
    elif auteur == Auteur.CONSULTANT:
        acces.verifier_bilan(user=par, bilan=bilan, droit=acces.Droit.ACCOMPAGNER)
    else:
        raise PermissionDenied(_("Auteur inconnu."))


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("La note est limitée à 4 000 caractères.")})
    return note


@transaction.atomic
def piste_ajouter(*, bilan: Bilan, fiche: Fiche, auteur: str, par: User, note: str = "") -> Piste:
    """Shortlist ``fiche`` on the bilan (once per fiche)."""
    exiger_auteur(par=par, bilan=bilan, auteur=auteur)
    if Piste.objects.filter(bilan=bilan, fiche=fiche).exists():
        raise ValidationError(_("Ce métier est déjà dans les pistes du bilan."))
    champ = "note_beneficiaire" if auteur == Auteur.BENEFICIAIRE else "note_consultant"
    return Piste.objects.create(
        organisation_id=bilan.organisation_id,
        bilan=bilan,
        fiche=fiche,
        ajoutee_par=auteur,
        **{champ: _note(note)},
    )


@transaction.atomic
def piste_noter(*, piste: Piste, auteur: str, par: User, note: str) -> Piste:
    """Each side edits its own note only."""
    exiger_auteur(par=par, bilan=piste.bilan, auteur=auteur)
    champ = "note_beneficiaire" if auteur == Auteur.BENEFICIAIRE else "note_consultant"
    setattr(piste, champ, _note(note))
    piste.save(update_fields=[champ, "updated_at"])
    return piste


@transaction.atomic
def piste_retirer(*, piste: Piste, auteur: str, par: User) -> None:
    """Remove a piste; its enquêtes métier stay, unlinked."""
    exiger_auteur(par=par, bilan=piste.bilan, auteur=auteur)
    piste.delete()


@transaction.atomic
def piste_choisir_cible(*, piste: Piste, auteur: str, par: User, cible: bool = True) -> Piste:
    """Mark (or unmark) the piste as the bilan's projet cible; the previous one is unmarked."""
    exiger_auteur(par=par, bilan=piste.bilan, auteur=auteur)
    # Lock the bilan's pistes: two tabs choosing two targets serialise here.
    list(Piste.objects.select_for_update().filter(bilan_id=piste.bilan_id))
    if cible:
        Piste.objects.filter(bilan_id=piste.bilan_id, projet_cible=True).exclude(
            pk=piste.pk
        ).update(projet_cible=False)
    piste.projet_cible = cible
    piste.save(update_fields=["projet_cible", "updated_at"])
    return piste


@transaction.atomic
def piste_auto_evaluer(*, piste: Piste, niveaux: dict[int, int | None], par: User) -> Piste:
    """The beneficiary rates their current level (0 to 4, or nothing) on each core
    savoir-faire of their projet cible. Only the beneficiary, only on the projet cible, only
    savoir-faire of the fiche's core."""
    exiger_auteur(par=par, bilan=piste.bilan, auteur=Auteur.BENEFICIAIRE)
    if not piste.projet_cible:
        raise ValidationError(_("L'auto-évaluation se fait sur votre projet cible."))
    permis = {code for code, _libelle in fiche_savoir_faire_coeur_items(fiche=piste.fiche)}
    evaluation: dict[str, int] = {}
    for code, niveau in niveaux.items():
        if code not in permis:
            raise ValidationError(_("Ce savoir-faire n'est pas au cœur de ce métier."))
        if niveau is None:
            continue
        if not 0 <= niveau <= 4:
            raise ValidationError(_("Le niveau va de 0 (non acquis) à 4 (expert)."))
        evaluation[str(code)] = niveau
    piste.auto_evaluation = evaluation
    piste.save(update_fields=["auto_evaluation", "updated_at"])
    return piste


def exploration_purger(*, bilan: Bilan) -> dict[str, int]:
    """Delete the bilan's enquêtes métier and pistes (R6313-7), in the caller's transaction
    (``syntheses.services.retention``). Returns the counts by kind."""
    enquetes = EnqueteMetier.objects.filter(bilan=bilan)
    pistes = Piste.objects.filter(bilan=bilan)
    comptes = {"enquetes_metier": enquetes.count(), "pistes": pistes.count()}
    enquetes.delete()
    pistes.delete()
    return comptes
