"""Evidence providers of the quality registers, organisation documents and offer pages
(contract: ``qualiopi/export/pieces.py``). Each provider reads the bound organisation's rows
for the audit window and yields CSV registers and the stored files, streamed in chunks.

Nothing here reads bilan content: complaints and registers are quality records, the
acknowledgements name a document version and a dossier reference, never a person's name; the
anonymised handicap adaptations carry no link to a beneficiary."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from beneficiaires.models import Bilan
from bilan.core.exports import csv_morceaux
from bilan.core.models import Organisation
from qualiopi.export.pieces import (
    ContexteExport,
    Fournisseur,
    Piece,
    fichier_morceaux,
    piece_csv,
)
from qualiopi.models.documents import DocumentVersion, KindDocument
from qualiopi.models.offres import OffreVersion
from qualiopi.models.registres import KindVeille, PieceIntervenant
from qualiopi.selectors import documents as documents_selectors
from qualiopi.selectors import offres as offres_selectors
from qualiopi.selectors import registres as selectors


def _iso(valeur: dt.date | dt.datetime | None) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, dt.datetime):
        return timezone.localtime(valeur).isoformat(timespec="minutes")
    return valeur.isoformat()


def _html_morceaux(version: OffreVersion, organisation: Organisation) -> Iterator[bytes]:
    yield offres_selectors.offre_version_html(version=version, organisation=organisation).encode()


def _extension(nom: str) -> str:
    return nom.rsplit(".", 1)[-1].lower() if "." in nom else "bin"


# --- Offer pages (ind. 1) ------------------------------------------------------------------


def offre_versions_pieces(ctx: ContexteExport) -> Iterator[Piece]:
    versions = offres_selectors.offre_versions_periode(debut=ctx.debut, fin=ctx.fin)
    if not versions:
        return
    lignes = []
    for version in versions:
        nom = f"versions/{slugify(version.offre.programme.nom)[:60]}-v{version.numero}.html"
        lignes.append(
            [
                nom,
                version.offre.programme.nom,
                *offres_selectors.offre_versions_csv_lignes([version])[0],
            ]
        )
        yield Piece(
            nom=nom,
            titre=_("%(titre)s — version %(n)s") % {"titre": version.titre, "n": version.numero},
            contenu=functools.partial(_html_morceaux, version, ctx.organisation),
        )
    yield Piece(
        nom="index.csv",
        titre=_("Index des versions des pages d'offre"),
        contenu=lambda: csv_morceaux(
            entetes=["fichier", "programme", *offres_selectors.CHAMPS_CSV], lignes=lignes
        ),
    )


# --- Organisation documents (ind. 1, 9, 17, 18) --------------------------------------------


def _documents(kinds: Sequence[str]) -> Callable[[ContexteExport], Iterator[Piece]]:
    def pieces(ctx: ContexteExport) -> Iterator[Piece]:
        for version in documents_selectors.versions_en_vigueur(
            kinds=kinds, debut=ctx.debut, fin=ctx.fin
        ):
            yield _piece_document(version)

    return pieces


def _piece_document(version: DocumentVersion) -> Piece:
    return Piece(
        nom=(
            f"{version.kind}-v{version.numero}-{version.en_vigueur_le.isoformat()}."
            f"{_extension(version.nom_original)}"
        ),
        titre=_("%(kind)s — version %(n)s (en vigueur le %(jour)s)")
        % {
            "kind": version.get_kind_display(),
            "n": version.numero,
            "jour": f"{version.en_vigueur_le:%d/%m/%Y}",
        },
        contenu=functools.partial(fichier_morceaux, version.fichier),
    )


def accuses_lecture_pieces(ctx: ContexteExport) -> Iterator[Piece]:
    accuses = documents_selectors.accuses_lister().filter(
        lu_le__date__gte=ctx.debut, lu_le__date__lte=ctx.fin
    )
    numeros: dict[int, list[str]] = {}
    for beneficiaire_id, numero in Bilan.objects.filter(pk__in=ctx.bilan_ids).values_list(
        "beneficiaire_id", "numero"
    ):
        numeros.setdefault(beneficiaire_id, []).append(numero)
    if ctx.echantillon:
        accuses = accuses.filter(beneficiaire_id__in=list(numeros))
    if not accuses.exists():
        return

    def lignes() -> Iterator[list[object]]:
        for a in accuses.iterator(chunk_size=500):
            reference = " ".join(sorted(numeros.get(a.beneficiaire_id, []))) or str(
                a.beneficiaire.public_id
            )
            yield [a.version.get_kind_display(), a.version.numero, reference, _iso(a.lu_le)]

    yield piece_csv(
        nom="accuses-lecture.csv",
        titre=_("Accusés de lecture des documents de l'organisme"),
        entetes=["document", "version", "reference_beneficiaire", "lu_le"],
        lignes=lignes,
    )


# --- Registers -----------------------------------------------------------------------------


def _registre(
    *,
    nom: str,
    titre: str | Promise,
    entetes: Sequence[str],
    lister: Callable[[ContexteExport], QuerySet],
    ligne: Callable[[Any], Sequence[object]],
) -> Callable[[ContexteExport], Iterator[Piece]]:
    def pieces(ctx: ContexteExport) -> Iterator[Piece]:
        qs = lister(ctx)
        if not qs.exists():
            return
        yield piece_csv(
            nom=nom,
            titre=str(titre),
            entetes=entetes,
            lignes=lambda: (ligne(e) for e in qs.iterator(chunk_size=500)),
        )

    return pieces


def _reclamations(ctx: ContexteExport) -> QuerySet:
    # Received in the window, or still open when it started.
    return (
        selectors.reclamations_lister()
        .filter(
            Q(recue_le__lte=ctx.fin) & (Q(cloture_le__isnull=True) | Q(cloture_le__gte=ctx.debut))
        )
        .order_by("recue_le", "id")
    )


def _actions(ctx: ContexteExport) -> QuerySet:
    return (
        selectors.actions_lister()
        .filter(
            Q(ouverte_le__lte=ctx.fin)
            & (Q(realisee_le__isnull=True) | Q(realisee_le__gte=ctx.debut))
        )
        .order_by("ouverte_le", "id")
    )


def _veille(kind: str) -> Callable[[ContexteExport], QuerySet]:
    def lister(ctx: ContexteExport) -> QuerySet:
        return (
            selectors.veille_lister()
            .filter(kind=kind, date__gte=ctx.debut, date__lte=ctx.fin)
            .order_by("date", "id")
        )

    return lister


def _reclamation_ligne(r) -> list[object]:
    return [
        r.public_id,
        _iso(r.recue_le),
        r.get_canal_display(),
        r.get_nature_display(),
        r.objet,
        r.bilan.numero if r.bilan_id else "",
        _iso(r.accuse_le),
        _iso(r.reponse_le),
        r.reponse,
        _iso(r.cloture_le),
        " | ".join(str(a.public_id) for a in r.actions.all()),
    ]


def _action_ligne(a) -> list[object]:
    return [
        a.public_id,
        a.intitule,
        a.get_source_display(),
        a.source_precision,
        a.reclamation.public_id if a.reclamation_id else "",
        a.retour.public_id if a.retour_id else "",
        a.responsable,
        _iso(a.ouverte_le),
        _iso(a.echeance),
        a.get_statut_display(),
        _iso(a.realisee_le),
        a.resultat,
    ]


def _veille_ligne(v) -> list[object]:
    return [
        _iso(v.date),
        v.get_kind_display(),
        v.source,
        v.apprentissage,
        v.action_prise,
        v.action.public_id if v.action_id else "",
    ]


def _retours(ctx: ContexteExport) -> QuerySet:
    return (
        selectors.retours_lister()
        .filter(recu_le__gte=ctx.debut, recu_le__lte=ctx.fin)
        .order_by("recu_le", "id")
    )


def _retour_ligne(r) -> list[object]:
    return [
        _iso(r.recu_le),
        r.get_source_display(),
        r.organisme_nom,
        r.resume,
        " | ".join(str(a.public_id) for a in r.actions.all()),
    ]


VEILLE_ENTETES = ["date", "type", "source", "apprentissage", "action_menee", "action_amelioration"]


# --- Staff records (ind. 17, 21, 22) -------------------------------------------------------

KINDS_COMPETENCES = (
    PieceIntervenant.Kind.QUALIFICATION,
    PieceIntervenant.Kind.HABILITATION,
    PieceIntervenant.Kind.EXPERIENCE,
)
KINDS_FORMATIONS = (PieceIntervenant.Kind.FORMATION, PieceIntervenant.Kind.SUPERVISION)


def _pieces_intervenants(ctx: ContexteExport, kinds) -> QuerySet[PieceIntervenant]:
    return (
        selectors.pieces_intervenants_lister()
        .filter(
            Q(kind__in=kinds)
            & Q(date__lte=ctx.fin)
            & (Q(expire_le__isnull=True) | Q(expire_le__gte=ctx.debut))
        )
        .order_by("intervenant_id", "date", "id")
    )


def _fiches(nom: str, titre: str | Promise, kinds) -> Callable[[ContexteExport], Iterator[Piece]]:
    def pieces(ctx: ContexteExport) -> Iterator[Piece]:
        qs = _pieces_intervenants(ctx, kinds)
        if not qs.exists():
            return

        def lignes() -> Iterator[list[object]]:
            for p in qs.iterator(chunk_size=500):
                yield [
                    str(p.intervenant),
                    "oui" if p.intervenant.sous_traitant else "non",
                    p.get_kind_display(),
                    p.intitule,
                    p.organisme,
                    _iso(p.date),
                    _iso(p.expire_le),
                    p.heures if p.heures is not None else "",
                    f"justificatifs/{p.public_id}.{_extension(p.nom_original)}"
                    if p.fichier
                    else "",
                ]

        yield piece_csv(
            nom=nom,
            titre=str(titre),
            entetes=[
                "intervenant",
                "sous_traitance",
                "nature",
                "intitule",
                "organisme",
                "date",
                "fin_ou_expiration",
                "heures",
                "justificatif",
            ],
            lignes=lignes,
        )
        for p in qs.exclude(fichier=""):
            yield Piece(
                nom=f"justificatifs/{p.public_id}.{_extension(p.nom_original)}",
                titre=f"{p.intervenant} — {p.intitule}",
                contenu=functools.partial(fichier_morceaux, p.fichier),
            )

    return pieces


def handicap_pieces(ctx: ContexteExport) -> Iterator[Piece]:
    partenaires = selectors.partenaires_handicap_lister().order_by("nom", "id")
    adaptations = (
        selectors.adaptations_handicap_lister()
        .filter(date__gte=ctx.debut, date__lte=ctx.fin)
        .order_by("date", "id")
    )
    referent = [ctx.organisation.referent_handicap_nom, ctx.organisation.referent_handicap_contact]
    if not (partenaires.exists() or adaptations.exists() or any(referent)):
        return
    yield piece_csv(
        nom="referent-handicap.csv",
        titre=_("Référent·e handicap"),
        entetes=["nom", "contact"],
        lignes=[referent],
    )
    if partenaires.exists():
        yield piece_csv(
            nom="partenaires.csv",
            titre=_("Annuaire des partenaires handicap"),
            entetes=["nom", "type", "contact", "telephone", "courriel"],
            lignes=lambda: (
                [p.nom, p.get_kind_display(), p.contact, p.telephone, p.courriel]
                for p in partenaires
            ),
        )
    if adaptations.exists():
        yield piece_csv(
            nom="adaptations.csv",
            titre=_("Adaptations mises en place (anonymisées)"),
            entetes=["date", "besoin", "adaptation", "partenaire"],
            lignes=lambda: (
                [_iso(a.date), a.besoin, a.adaptation, a.partenaire.nom if a.partenaire else ""]
                for a in adaptations
            ),
        )


FOURNISSEURS: list[Fournisseur] = [
    Fournisseur(
        preuve="offre_versions",
        titre=_l("Pages publiques de l'offre : versions datées"),
        pieces=offre_versions_pieces,
        absence=_l("Aucune page d'offre publiée ni en vigueur sur la période."),
    ),
    Fournisseur(
        preuve="cgv",
        titre=_l("Conditions générales de vente en vigueur"),
        pieces=_documents([KindDocument.CGV]),
        absence=_l("Aucune version des conditions générales de vente déposée pour la période."),
    ),
    Fournisseur(
        preuve="cadre_legal",
        titre=_l("Cadre légal et financements du bilan"),
        pieces=_documents([KindDocument.CADRE_LEGAL]),
        absence=_l("Aucune fiche sur le cadre légal et les financements déposée pour la période."),
    ),
    Fournisseur(
        preuve="declaration_accessibilite",
        titre=_l("Déclaration d'accessibilité"),
        pieces=_documents([KindDocument.ACCESSIBILITE]),
        absence=_l("Aucune déclaration d'accessibilité déposée pour la période."),
    ),
    Fournisseur(
        preuve="documents_organisation",
        titre=_l(
            "Livret d'accueil, règlement intérieur, fiche déontologique, consignes à distance"
        ),
        pieces=_documents(
            [
                KindDocument.LIVRET_ACCUEIL,
                KindDocument.REGLEMENT_INTERIEUR,
                KindDocument.DEONTOLOGIE,
                KindDocument.CONSIGNES_DISTANCE,
            ]
        ),
        absence=_l("Aucun document d'information des bénéficiaires déposé pour la période."),
    ),
    Fournisseur(
        preuve="moyens_locaux",
        titre=_l("Description des locaux et des outils"),
        pieces=_documents([KindDocument.LOCAUX]),
        absence=_l("Aucune description des locaux et des outils déposée pour la période."),
    ),
    Fournisseur(
        preuve="organigramme",
        titre=_l("Organigramme"),
        pieces=_documents([KindDocument.ORGANIGRAMME]),
        absence=_l("Aucun organigramme déposé pour la période."),
    ),
    Fournisseur(
        preuve="accuses_lecture",
        titre=_l("Accusés de lecture des documents par les bénéficiaires"),
        pieces=accuses_lecture_pieces,
        absence=_l("Aucun accusé de lecture enregistré sur la période."),
    ),
    Fournisseur(
        preuve="reclamations",
        titre=_l("Registre des réclamations et incidents"),
        pieces=_registre(
            nom="reclamations.csv",
            titre=_l("Registre des réclamations et incidents"),
            entetes=[
                "reference",
                "recue_le",
                "canal",
                "nature",
                "objet",
                "dossier",
                "accuse_le",
                "reponse_le",
                "reponse",
                "cloture_le",
                "actions_amelioration",
            ],
            lister=_reclamations,
            ligne=_reclamation_ligne,
        ),
        absence=_l("Aucune réclamation ni incident reçu ou ouvert sur la période."),
    ),
    Fournisseur(
        preuve="actions_amelioration",
        titre=_l("Plan d'actions d'amélioration"),
        pieces=_registre(
            nom="actions-amelioration.csv",
            titre=_l("Plan d'actions d'amélioration"),
            entetes=[
                "reference",
                "intitule",
                "origine",
                "precision_origine",
                "reclamation",
                "retour",
                "responsable",
                "ouverte_le",
                "echeance",
                "statut",
                "realisee_le",
                "resultat",
            ],
            lister=_actions,
            ligne=_action_ligne,
        ),
        absence=_l("Aucune action d'amélioration ouverte ou en cours sur la période."),
    ),
    *[
        Fournisseur(
            preuve=preuve,
            titre=format_lazy(_l("Veille : {kind}"), kind=KindVeille(kind).label),
            pieces=_registre(
                nom=f"veille-{kind}.csv",
                titre=format_lazy(_l("Veille : {kind}"), kind=KindVeille(kind).label),
                entetes=VEILLE_ENTETES,
                lister=_veille(kind),
                ligne=_veille_ligne,
            ),
            absence=_l("Aucune entrée de veille de ce type sur la période."),
        )
        for preuve, kind in (
            ("veille_legale", KindVeille.LEGALE),
            ("veille_metiers", KindVeille.METIERS),
            ("veille_pedagogique", KindVeille.PEDAGOGIQUE),
        )
    ],
    Fournisseur(
        preuve="consultants",
        titre=_l("Intervenant·es : qualifications, diplômes, habilitations aux tests"),
        pieces=_fiches(
            "intervenants.csv",
            _l("Qualifications et habilitations des intervenant·es"),
            KINDS_COMPETENCES,
        ),
        absence=_l(
            "Aucune qualification ni habilitation d'intervenant·e enregistrée pour la période."
        ),
    ),
    Fournisseur(
        preuve="formations_supervision",
        titre=_l("Formations continues et supervision des intervenant·es"),
        pieces=_fiches(
            "formations-supervision.csv",
            _l("Formations et supervision des intervenant·es"),
            KINDS_FORMATIONS,
        ),
        absence=_l("Aucune formation ni supervision enregistrée sur la période."),
    ),
    Fournisseur(
        preuve="handicap",
        titre=_l("Handicap : référent·e, partenaires, adaptations anonymisées"),
        pieces=handicap_pieces,
        absence=_l("Aucun partenaire handicap, référent·e ni adaptation enregistré."),
    ),
    Fournisseur(
        preuve="retours_parties_prenantes",
        titre=_l("Retours des financeurs, employeurs, consultant·es et partenaires"),
        pieces=_registre(
            nom="retours-parties-prenantes.csv",
            titre=_l("Retours des parties prenantes"),
            entetes=["date", "origine", "organisme", "resume", "actions_amelioration"],
            lister=_retours,
            ligne=_retour_ligne,
        ),
        absence=_l("Aucun retour de partie prenante enregistré sur la période."),
    ),
]
