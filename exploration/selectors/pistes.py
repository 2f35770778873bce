"""Reads of the pistes métier and enquêtes métier of a bilan, the Qualiopi count (ind. 2) and
the summary the synthèse can take in."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from beneficiaires.models import Bilan
from bilan.core.formatting import date_fr
from bilan.core.models import Organisation
from bilan.core.tenancy import get_for_organisation
from exploration.models import EnqueteMetier, Piste
from exploration.selectors.rome import fiche_savoir_faire_coeur_items


def pistes_du_bilan(*, bilan: Bilan) -> QuerySet[Piste]:
    return Piste.objects.filter(bilan=bilan).select_related("fiche")


def piste_obtenir(*, bilan: Bilan, public_id: uuid.UUID | str) -> Piste:
    """A piste of this bilan by public id, or 404 (another bilan, another organisation)."""
    return get_for_organisation(
        Piste,
        organisation=bilan.organisation,
        public_id=public_id,
        queryset=Piste.objects.filter(bilan=bilan).select_related("fiche", "bilan"),
    )


def piste_cible(*, bilan: Bilan) -> Piste | None:
    """The piste marked projet cible, if any."""
    return Piste.objects.filter(bilan=bilan, projet_cible=True).select_related("fiche").first()


def auto_evaluation_lignes(*, piste: Piste) -> list[dict]:
    """The core savoir-faire of the piste's fiche with the beneficiary's level (or None)."""
    return [
        {"code": code, "libelle": libelle, "niveau": piste.auto_evaluation.get(str(code))}
        for code, libelle in fiche_savoir_faire_coeur_items(fiche=piste.fiche)
    ]


def fiches_en_piste(*, bilan: Bilan) -> set[int]:
    return set(Piste.objects.filter(bilan=bilan).values_list("fiche_id", flat=True))


def enquetes_metier_du_bilan(*, bilan: Bilan) -> QuerySet[EnqueteMetier]:
    return EnqueteMetier.objects.filter(bilan=bilan).select_related("piste__fiche")


def enquete_metier_obtenir(*, bilan: Bilan, public_id: uuid.UUID | str) -> EnqueteMetier:
    return get_for_organisation(
        EnqueteMetier,
        organisation=bilan.organisation,
        public_id=public_id,
        queryset=EnqueteMetier.objects.filter(bilan=bilan).select_related("bilan", "piste"),
    )


def bilan_exploration_resume(*, bilan: Bilan) -> dict:
    """The dossier page's section: the pistes and the number of enquêtes métier."""
    return {
        "pistes": list(pistes_du_bilan(bilan=bilan)),
        "enquetes": EnqueteMetier.objects.filter(bilan=bilan).count(),
    }


def enquetes_metier_compter(
    *,
    organisation: Organisation,
    debut: dt.date,
    fin: dt.date,
    consultant_id: int | None = None,
) -> dict:
    """Qualiopi results (ind. 2): the enquêtes métier held between ``debut`` and ``fin``
    (inclusive), in total and by type of organisation and by modality, optionally for the
    bilans of one referent consultant. Counts only, never a content. Call inside the
    organisation's tenant context."""
    qs = EnqueteMetier.objects.filter(
        organisation=organisation, rencontre_le__gte=debut, rencontre_le__lte=fin
    )
    if consultant_id is not None:
        qs = qs.filter(bilan__consultant_id=consultant_id)
    par_type = dict(
        qs.values_list("type_organisation")
        .annotate(n=Count("id"))
        .values_list("type_organisation", "n")
    )
    par_modalite = dict(
        qs.values_list("modalite").annotate(n=Count("id")).values_list("modalite", "n")
    )
    return {
        "total": sum(par_type.values()),
        "bilans": qs.values("bilan_id").distinct().count(),
        "par_type_organisation": {
            code: par_type.get(code, 0) for code in EnqueteMetier.TypeOrganisation.values
        },
        "par_modalite": {code: par_modalite.get(code, 0) for code in EnqueteMetier.Modalite.values},
    }


def enquetes_metier_resume(*, bilan: Bilan) -> str:
    """A plain-text summary of the bilan's enquêtes métier for the synthèse (one paragraph
    each: who, when, what was learned, the effect on the project)."""
    paragraphes = []
    for enquete in enquetes_metier_du_bilan(bilan=bilan).order_by("rencontre_le", "created_at"):
        entete = _("Enquête métier du %(date)s auprès d'un·e %(fonction)s (%(type)s)") % {
            "date": date_fr(jour=enquete.rencontre_le),
            "fonction": enquete.fonction,
            "type": enquete.get_type_organisation_display().lower(),
        }
        lignes = [entete + " :"]
        if enquete.apprentissages:
            lignes.append(_("ce qui a été appris : %(t)s") % {"t": enquete.apprentissages})
        if enquete.effet_projet:
            lignes.append(_("effet sur le projet : %(t)s") % {"t": enquete.effet_projet})
        paragraphes.append("\n".join(lignes))
    return "\n\n".join(paragraphes)
