"""Writes of the enquêtes métier: interviews with professionals that the beneficiary logs
from the portal, commented by the consultant. Confidential bilan content (like séance
notes): only the beneficiary and the members with ``lire_confidentiel`` read them; purged with
the bilan. Not the questionnaire de satisfaction (``enquetes`` app)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Bilan
from bilan.core.models import User
from exploration.models import EnqueteMetier, Piste
from exploration.services.pistes import Auteur, exiger_auteur

TEXTE_MAX = 6000


def _valider(
    *,
    bilan: Bilan,
    interlocuteur: str,
    fonction: str,
    type_organisation: str,
    modalite: str,
    rencontre_le: dt.date | None,
    questions: str,
    apprentissages: str,
    effet_projet: str,
    piste: Piste | None,
) -> dict:
    erreurs: dict[str, str] = {}
    interlocuteur = (interlocuteur or "").strip()
    fonction = (fonction or "").strip()
    if not interlocuteur:
        erreurs["interlocuteur"] = _("Indiquez qui vous avez rencontré (un prénom suffit).")
    if not fonction:
        erreurs["fonction"] = _("Indiquez le métier ou la fonction de la personne.")
    if type_organisation not in EnqueteMetier.TypeOrganisation.values:
        erreurs["type_organisation"] = _("Choisissez le type d'organisation.")
    if modalite not in EnqueteMetier.Modalite.values:
        erreurs["modalite"] = _("Choisissez la modalité de l'échange.")
    if rencontre_le is None:
        erreurs["rencontre_le"] = _("Indiquez la date de l'échange.")
    elif rencontre_le > timezone.localdate():
        erreurs["rencontre_le"] = _("La date de l'échange ne peut pas être dans le futur.")
    textes = {
        "questions": questions,
        "apprentissages": apprentissages,
        "effet_projet": effet_projet,
    }
    for champ, valeur in textes.items():
        if len(valeur or "") > TEXTE_MAX:
            erreurs[champ] = _("Ce texte est limité à 6 000 caractères.")
    if piste is not None and piste.bilan_id != bilan.pk:
        erreurs["piste"] = _("Cette piste n'est pas celle de ce bilan.")
    if erreurs:
        raise ValidationError(erreurs)
    return {
        "interlocuteur": interlocuteur[:200],
        "fonction": fonction[:200],
        "type_organisation": type_organisation,
        "modalite": modalite,
        "rencontre_le": rencontre_le,
        "piste": piste,
        **{k: (v or "").strip() for k, v in textes.items()},
    }


@transaction.atomic
def enquete_metier_enregistrer(
    *,
    bilan: Bilan,
    par: User,
    interlocuteur: str,
    fonction: str,
    type_organisation: str,
    rencontre_le: dt.date | None,
    modalite: str = EnqueteMetier.Modalite.RENCONTRE,
    questions: str = "",
    apprentissages: str = "",
    effet_projet: str = "",
    piste: Piste | None = None,
    enquete: EnqueteMetier | None = None,
) -> EnqueteMetier:
    """The beneficiary logs (or corrects) an enquête métier on their bilan."""
    exiger_auteur(par=par, bilan=bilan, auteur=Auteur.BENEFICIAIRE)
    valeurs = _valider(
        bilan=bilan,
        interlocuteur=interlocuteur,
        fonction=fonction,
        type_organisation=type_organisation,
        modalite=modalite,
        rencontre_le=rencontre_le,
        questions=questions,
        apprentissages=apprentissages,
        effet_projet=effet_projet,
        piste=piste,
    )
    if enquete is None:
        return EnqueteMetier.objects.create(
            organisation_id=bilan.organisation_id, bilan=bilan, **valeurs
        )
    if enquete.bilan_id != bilan.pk:
        raise ValidationError(_("Cette enquête métier n'est pas celle de ce bilan."))
    for champ, valeur in valeurs.items():
        setattr(enquete, champ, valeur)
    enquete.save()
    return enquete


@transaction.atomic
def enquete_metier_commenter(
    *, enquete: EnqueteMetier, par: User, commentaire: str
) -> EnqueteMetier:
    """The consultant's comment on an enquête métier (shown to the beneficiary)."""
    exiger_auteur(par=par, bilan=enquete.bilan, auteur=Auteur.CONSULTANT)
    commentaire = (commentaire or "").strip()
    if len(commentaire) > TEXTE_MAX:
        raise ValidationError({"commentaire": _("Ce texte est limité à 6 000 caractères.")})
    enquete.commentaire_consultant = commentaire
    enquete.commente_par = par
    enquete.commente_le = timezone.now()
    enquete.save(
        update_fields=["commentaire_consultant", "commente_par", "commente_le", "updated_at"]
    )
    return enquete
