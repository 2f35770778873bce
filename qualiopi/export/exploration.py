"""Providers of the evidence export for the exploration tools (indicators 2, 12 and 19).

- ``enquetes_metier``: the enquêtes métier held in the window by the dossiers in scope, one row
  each with its date, the type of organisation met and the modality — the "nombre et nature"
  the guide asks for. Never who was met, the questions, what was learned nor the consultant's
  comment: that is the beneficiary's bilan content (R6313-7);
- ``ressources_pedagogiques``: the resources the organisation puts at the beneficiaries'
  disposal (ROME version loaded and its volume, the questionnaires with their origin and
  licence, the enquête métier kit) and how much they were used in the window: counts of pistes,
  questionnaires given and enquêtes, per dossier number, never an answer or a note.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from exploration.instruments import instruments
from exploration.models import Appellation, EnqueteMetier, Fiche, Passation, Piste, RomeVersion
from qualiopi.export.pieces import ContexteExport, Fournisseur, Piece, piece_csv


def enquetes_metier(ctx: ContexteExport) -> Iterator[Piece]:
    enquetes = list(
        EnqueteMetier.objects.filter(
            organisation_id=ctx.organisation.pk,
            bilan_id__in=ctx.bilan_ids,
            rencontre_le__gte=ctx.debut,
            rencontre_le__lte=ctx.fin,
        )
        .select_related("bilan")
        .order_by("rencontre_le", "bilan__numero", "pk")
    )
    if not enquetes:
        return
    yield piece_csv(
        nom="enquetes_metier.csv",
        titre=_("Enquêtes métier de la période : date, nature, modalité (sans leur contenu)"),
        entetes=[
            _("Dossier"),
            _("Date de l'échange"),
            _("Type d'organisation"),
            _("Modalité"),
            _("Liée à une piste"),
            _("Commentée par le ou la consultant·e"),
        ],
        lignes=[
            [
                e.bilan.numero,
                e.rencontre_le.isoformat(),
                e.get_type_organisation_display(),
                e.get_modalite_display(),
                _("oui") if e.piste_id else _("non"),
                _("oui") if e.commente_le else _("non"),
            ]
            for e in enquetes
        ],
    )
    par_nature = Counter(e.get_type_organisation_display() for e in enquetes)
    yield piece_csv(
        nom="enquetes_metier_par_nature.csv",
        titre=_("Enquêtes métier de la période par nature"),
        entetes=[_("Type d'organisation"), _("Enquêtes")],
        lignes=[[nature, nombre] for nature, nombre in sorted(par_nature.items())],
    )


def _par_dossier(modele: type[Piste] | type[Passation], ctx: ContexteExport) -> dict[str, int]:
    """How many rows of ``modele`` each dossier in scope created in the window, by number."""
    return dict(
        modele.objects.filter(
            organisation_id=ctx.organisation.pk,
            bilan_id__in=ctx.bilan_ids,
            created_at__date__gte=ctx.debut,
            created_at__date__lte=ctx.fin,
        )
        .values_list("bilan__numero")
        .annotate(n=Count("id"))
        .values_list("bilan__numero", "n")
    )


def ressources_pedagogiques(ctx: ContexteExport) -> Iterator[Piece]:
    version = RomeVersion.objects.order_by("-numero").first()
    lignes: list[list[object]] = []
    if version is not None:
        lignes.append(
            [
                _("Fiches métiers ROME (France Travail, licence ouverte)"),
                version.titre,
                _("%(f)s fiches, %(a)s appellations")
                % {"f": Fiche.objects.count(), "a": Appellation.objects.count()},
            ]
        )
    for instrument in instruments().values():
        source = instrument.source
        lignes.append(
            [
                _("Questionnaire : %(nom)s") % {"nom": instrument.nom},
                source.origine if source else "",
                source.licence if source else "",
            ]
        )
    lignes.append(
        [
            _("Kit d'enquête métier (portail)"),
            _("Fiche de préparation et de compte rendu des enquêtes métier"),
            _("personne rencontrée, fonction, organisation, questions, apprentissages, effet"),
        ]
    )
    yield piece_csv(
        nom="ressources_mises_a_disposition.csv",
        titre=_("Ressources pédagogiques mises à disposition des bénéficiaires"),
        entetes=[_("Ressource"), _("Origine ou version"), _("Détail")],
        lignes=lignes,
    )
    pistes = _par_dossier(Piste, ctx)
    passations = _par_dossier(Passation, ctx)
    numeros = sorted(set(pistes) | set(passations))
    if numeros:
        yield piece_csv(
            nom="utilisation_par_dossier.csv",
            titre=_("Utilisation des ressources par dossier (nombres seulement)"),
            entetes=[_("Dossier"), _("Pistes métiers"), _("Questionnaires proposés")],
            lignes=[[n, pistes.get(n, 0), passations.get(n, 0)] for n in numeros],
        )


FOURNISSEURS: list[Fournisseur] = [
    Fournisseur(
        preuve="enquetes_metier",
        titre=_l("Enquêtes métier : nombre et nature"),
        pieces=enquetes_metier,
        absence=_l("Aucune enquête métier enregistrée sur la période par les dossiers retenus."),
    ),
    Fournisseur(
        preuve="ressources_pedagogiques",
        titre=_l("Ressources pédagogiques et leur utilisation"),
        pieces=ressources_pedagogiques,
        absence=_l("Aucune ressource pédagogique n'est chargée dans l'application."),
    ),
]
