"""Providers of the evidence export for the results (indicators 2, 10, 11, 12) and the BPF.

- ``resultats_rapport``: the figures of the audit window (CSV) and an HTML report of the period
  stating the referential version;
- ``abandons``: the abandoned dossiers of the window with their coded cause. The free text of the
  reason is left out: it may say something confidential (health, family) and the coded cause is
  what the results publish;
- ``suivi_six_mois``: the follow-ups due or held in the window with their coded outcome and
  whether they fell in the expected window, never the consultant's comment;
- ``seances_prevues_realisees``: per dossier, planned / realised / unperformed hours and the
  completion rate (rule 24);
- ``administratif``: the BPF figures of each calendar year the window touches.

Per-dossier files cover the dossiers in scope (``ContexteExport.bilan_ids``: every bilan that
overlaps the window, or the sample). Files are small: each is rendered once and yielded as one
chunk.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from beneficiaires.models import Bilan, StatutBilan
from qualiopi.export.pieces import ContexteExport, Fournisseur, Piece, piece_csv
from qualiopi.referentiel import PREUVE_ADMINISTRATIVE, referentiel_courant
from qualiopi.selectors.bpf import bpf_annee, bpf_lignes_csv
from qualiopi.selectors.resultats import (
    realisation_des_bilans,
    realisation_lignes_csv,
    resultats_lignes_csv,
    resultats_periode,
    suivi_dans_la_fenetre,
)
from seances.models import EntretienSuivi


def _jour(valeur) -> str:
    return valeur.isoformat() if valeur else ""


def _bilans(ctx: ContexteExport):
    return Bilan.objects.filter(organisation_id=ctx.organisation.pk, pk__in=ctx.bilan_ids)


def resultats_rapport(ctx: ContexteExport) -> Iterator[Piece]:
    r = resultats_periode(organisation=ctx.organisation, debut=ctx.debut, fin=ctx.fin)
    entetes, lignes = resultats_lignes_csv(r=r)
    yield piece_csv(
        nom="indicateurs_resultats.csv",
        titre=_("Indicateurs de résultats de la période (CSV)"),
        entetes=entetes,
        lignes=lignes,
    )
    html = render_to_string(
        "qualiopi/resultats/rapport.html",
        {"r": r, "organisation": ctx.organisation, "referentiel": referentiel_courant()},
    )
    yield Piece(
        nom="rapport_resultats.html",
        titre=_("Rapport des indicateurs de résultats de la période"),
        contenu=lambda: [html.encode("utf-8")],
    )


def abandons(ctx: ContexteExport) -> Iterator[Piece]:
    bilans = list(
        _bilans(ctx)
        .filter(statut=StatutBilan.ABANDONNE, termine_le__gte=ctx.debut, termine_le__lte=ctx.fin)
        .order_by("termine_le", "numero")
    )
    if not bilans:
        return
    yield piece_csv(
        nom="abandons.csv",
        titre=_("Abandons de la période et leurs causes codées"),
        entetes=[_("Dossier"), _("Début"), _("Abandon le"), _("Code de la cause"), _("Cause")],
        lignes=[
            [
                b.numero,
                _jour(b.date_debut_reelle),
                _jour(b.termine_le),
                b.cause_abandon,
                b.get_cause_abandon_display() if b.cause_abandon else _("Non renseignée"),
            ]
            for b in bilans
        ],
    )


def suivi_six_mois(ctx: ContexteExport) -> Iterator[Piece]:
    suivis = list(
        EntretienSuivi.objects.filter(bilan__in=_bilans(ctx))
        .exclude(statut=EntretienSuivi.Statut.ANNULE)
        .filter(date_prevue__date__gte=ctx.debut, date_prevue__date__lte=ctx.fin)
        .select_related("bilan", "bilan__programme", "bilan__organisation")
        .order_by("date_prevue", "pk")
    )
    if not suivis:
        return
    yield piece_csv(
        nom="suivis_six_mois.csv",
        titre=_("Entretiens de suivi et situation des personnes (codée)"),
        entetes=[
            _("Dossier"),
            _("Fin du bilan"),
            _("Prévu le"),
            _("Statut"),
            _("Réalisé le"),
            _("Dans la fenêtre prévue"),
            _("Code de la situation"),
            _("Situation"),
        ],
        lignes=[
            [
                s.bilan.numero,
                _jour(s.bilan.date_fin_reelle),
                _jour(s.date_prevue.date()),
                s.get_statut_display(),
                _jour(s.realise_le.date()) if s.realise_le else "",
                _("oui") if suivi_dans_la_fenetre(bilan=s.bilan, suivi=s) else _("non"),
                s.resultat,
                s.get_resultat_display() if s.resultat else "",
            ]
            for s in suivis
        ],
    )


def seances_prevues_realisees(ctx: ContexteExport) -> Iterator[Piece]:
    bilans = list(_bilans(ctx).exclude(date_debut_reelle__isnull=True).order_by("numero"))
    if not bilans:
        return
    lignes = realisation_des_bilans(bilans=bilans)
    entetes, rangees = realisation_lignes_csv(lignes=lignes)
    yield piece_csv(
        nom="heures_prevues_realisees.csv",
        titre=_("Heures prévues, réalisées et non réalisées par dossier, taux de réalisation"),
        entetes=entetes,
        lignes=rangees,
    )


def administratif(ctx: ContexteExport) -> Iterator[Piece]:
    for annee in range(ctx.debut.year, ctx.fin.year + 1):
        entetes, lignes = bpf_lignes_csv(bpf=bpf_annee(organisation=ctx.organisation, annee=annee))
        yield piece_csv(
            nom=f"bpf_bilans_{annee}.csv",
            titre=_("Bilan pédagogique et financier %(annee)s : bilans de compétences")
            % {"annee": annee},
            entetes=entetes,
            lignes=lignes,
        )


FOURNISSEURS: list[Fournisseur] = [
    Fournisseur(
        preuve="resultats_rapport",
        titre=_l("Indicateurs de résultats de la période"),
        pieces=resultats_rapport,
        absence=_l("Aucun indicateur calculable sur la période."),
    ),
    Fournisseur(
        preuve="abandons",
        titre=_l("Abandons et leurs causes"),
        pieces=abandons,
        absence=_l("Aucun abandon sur la période."),
    ),
    Fournisseur(
        preuve="suivi_six_mois",
        titre=_l("Entretiens de suivi à six mois"),
        pieces=suivi_six_mois,
        absence=_l("Aucun entretien de suivi prévu sur la période."),
    ),
    Fournisseur(
        preuve="seances_prevues_realisees",
        titre=_l("Heures prévues et réalisées par dossier"),
        pieces=seances_prevues_realisees,
        absence=_l("Aucun dossier commencé parmi les dossiers de la période."),
    ),
    Fournisseur(
        preuve=PREUVE_ADMINISTRATIVE,
        titre=_l("Bilan pédagogique et financier (bilans de compétences)"),
        pieces=administratif,
        absence=_l("Aucune année à déclarer sur la période."),
    ),
]
