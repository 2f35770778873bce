"""Providers of the dossiers' evidence (issue 15, part 6): what proves, bilan by bilan, that the
organisation contracted, planned, convened, accompanied, certified and followed up.

Each provider declares the evidence kind it proves (a code of the referential, see
``qualiopi/referentiel.py``) and yields its files for the dossiers in scope
(``ContexteExport.bilan_ids``). Signed PDFs are streamed from the private storage in chunks of
``TAILLE_MORCEAU`` bytes and their SHA-256 checked on the way; registers are CSV written in
batches (``bilan.core.exports.csv_morceaux``). The engine (``qualiopi.export.archive``) binds
the organisation before it asks a provider for its pieces and before it reads each piece.

**Confidentiality (domain.md §3.3, R6313-7, L6313-4).** Nothing here reads a séance's notes or
objectives, a synthèse's sections or its PDF, a personal work (consigne, rendu), the answers of
the entretien préalable (demande, contexte, contraintes, attentes, commentaire, questions) or of
a questionnaire (free text or choice): only dates, statuses, durations, modalities, counts,
signers and signed administrative documents. The objectives of a bilan are not copied either:
they are printed in the signed convention or contract (R6313-8 mention), which is the dated
proof of their co-definition; the CSV says whether they were recorded and when that document
was signed. Free-text reasons (cancellation, abandonment) stay out: the status says enough.
Rows name the dossier by its number, never the beneficiary.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from beneficiaires.conventions import TypeDocument
from beneficiaires.models import (
    Bilan,
    EntretienPrealable,
    Notification,
    Phase,
    Programme,
    ProgrammeEtape,
    TypeSeance,
)
from beneficiaires.sous_traitance import bilan_contrat_sous_traitance
from bilan.core.formatting import moment_fr
from bilan.core.models import Membership, Signature, SignedDocument, private_storage
from enquetes.models import KindEnquete, Question, Reponse, ReponseItem
from enquetes.selectors import satisfaction_calculer
from qualiopi.export.pieces import (
    TAILLE_MORCEAU,
    ContexteExport,
    Fournisseur,
    Piece,
    piece_csv,
)
from qualiopi.referentiel import PREUVE_ADMINISTRATIVE
from relances.models import Relance
from seances.models import Emargement, Seance
from syntheses.models import Synthese
from syntheses.selectors import KIND as KIND_SYNTHESE
from syntheses.services.documents_fin import KIND_ATTESTATION, KIND_CERTIFICAT

KINDS_CONVENTION = (
    TypeDocument.CONVENTION.value,
    TypeDocument.CONVENTION_TRIPARTITE.value,
    TypeDocument.CONTRAT.value,
)
KINDS_FIN = (KIND_CERTIFICAT, KIND_ATTESTATION)
NOMS_KIND = {
    TypeDocument.CONVENTION.value: "convention",
    TypeDocument.CONVENTION_TRIPARTITE.value: "convention-tripartite",
    TypeDocument.CONTRAT.value: "contrat",
    KIND_CERTIFICAT: "certificat-realisation",
    KIND_ATTESTATION: "attestation-fin",
}
LOT_REQUETE = 500


# --- Helpers ----------------------------------------------------------------------------------


def nom_de_fichier(texte: str) -> str:
    """A safe file name part: letters, digits, dash, dot and underscore only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", texte).strip("-.") or "sans-nom"


def _moment(valeur: datetime | None) -> str:
    return moment_fr(moment=valeur) if valeur is not None else ""


def _jour(valeur: date | None) -> str:
    return valeur.strftime("%d/%m/%Y") if valeur is not None else ""


def _libelle(choices: Iterable[tuple[str, object]], valeur: str) -> str:
    return str(dict(choices).get(valeur, valeur))


def _flux_fichier(*, nom: str, empreinte: str, reference: str) -> Iterator[bytes]:
    """The stored file ``nom`` in chunks, its SHA-256 checked against ``empreinte`` at the end:
    an altered document fails the export instead of reaching the auditor unnoticed."""
    calcul = hashlib.sha256()
    with private_storage().open(nom, "rb") as fichier:
        while morceau := fichier.read(TAILLE_MORCEAU):
            calcul.update(morceau)
            yield morceau
    if empreinte and calcul.hexdigest() != empreinte:
        raise ValidationError(
            _("Le document %(ref)s ne correspond plus à son empreinte : il a été altéré.")
            % {"ref": reference}
        )


def _bilans(ctx: ContexteExport):
    return Bilan.objects.filter(pk__in=ctx.bilan_ids)


def _numeros(ctx: ContexteExport) -> dict[int, str]:
    return dict(_bilans(ctx).values_list("pk", "numero"))


def _publics(ctx: ContexteExport) -> dict[object, str]:
    """Bilan public id -> number: signed documents point at their bilan by public id."""
    return dict(_bilans(ctx).values_list("public_id", "numero"))


def _documents(
    ctx: ContexteExport, kinds: Sequence[str], statuts: Sequence[str]
) -> Iterator[Piece]:
    """The stored PDFs of ``kinds`` about the dossiers in scope, one piece per version (signed
    bytes when signed, else the issued ones)."""
    publics = _publics(ctx)
    if not publics:
        return
    ordre = sorted(publics, key=lambda public_id: publics[public_id])
    # By dossier number, LOT_REQUETE dossiers per query: ordered for the auditor, bounded.
    for debut in range(0, len(ordre), LOT_REQUETE):
        lot = ordre[debut : debut + LOT_REQUETE]
        documents = sorted(
            SignedDocument.objects.filter(
                kind__in=kinds, subject_id__in=lot, status__in=statuts
            ).values_list(
                "subject_id",
                "kind",
                "version",
                "status",
                "signed_pdf",
                "signed_sha256",
                "issued_pdf",
                "issued_sha256",
                "title",
            ),
            key=lambda ligne: (publics[ligne[0]], kinds.index(ligne[1]), ligne[2]),
        )
        yield from _pieces_pdf(documents, publics)


def _pieces_pdf(documents: list[tuple], publics: dict[object, str]) -> Iterator[Piece]:
    for (
        subject_id,
        kind,
        version,
        status,
        signe,
        empreinte_s,
        emis,
        empreinte_e,
        titre,
    ) in documents:
        nom, empreinte = (
            (signe, empreinte_s) if status == "signe" and signe else (emis, empreinte_e)
        )
        if not nom:
            continue
        numero = publics[subject_id]
        reference = f"{numero} {NOMS_KIND.get(kind, kind)} v{version}"
        yield Piece(
            nom=f"{nom_de_fichier(numero)}-{NOMS_KIND.get(kind, kind)}-v{version}.pdf",
            titre=f"{numero} — {titre} (v{version})",
            contenu=partial(_flux_fichier, nom=nom, empreinte=empreinte, reference=reference),
        )


# --- Providers --------------------------------------------------------------------------------


def conventions_signees(ctx: ContexteExport) -> Iterator[Piece]:
    """The signed conventions, tripartite conventions and contracts (sealed PDFs, as stored)."""
    yield from _documents(ctx, KINDS_CONVENTION, ["signe"])


def emargements(ctx: ContexteExport) -> Iterator[Piece]:
    """Certificats de réalisation and attestations de fin (issued by the organisation), then
    the attendance signatures of every séance (who signed, how, when; never the drawing)."""
    yield from _documents(ctx, KINDS_FIN, ["emis", "signe"])
    qs = Emargement.objects.filter(seance__bilan_id__in=ctx.bilan_ids)
    if not qs.exists():
        return
    numeros = _numeros(ctx)

    def lignes() -> Iterator[Sequence[object]]:
        for e in (
            Emargement.objects.filter(seance__bilan_id__in=ctx.bilan_ids)
            .select_related("seance")
            .order_by("seance__bilan_id", "seance__debut", "role")
            .iterator(chunk_size=LOT_REQUETE)
        ):
            s = e.seance
            yield (
                numeros.get(s.bilan_id, ""),
                _moment(s.debut),
                _libelle(Phase.choices, s.phase),
                _libelle(TypeSeance.choices, s.type),
                _libelle(Seance.Modalite.choices, s.modalite),
                s.duree_realisee_minutes
                if s.duree_realisee_minutes is not None
                else s.duree_minutes,
                _libelle(Emargement.Role.choices, e.role),
                e.signataire,
                _libelle(Emargement.Methode.choices, e.methode),
                _moment(e.signe_le),
            )

    yield piece_csv(
        nom="emargements-seances.csv",
        titre=_("Émargements des séances (signataires, méthode, date)"),
        entetes=[
            _("Dossier"),
            _("Séance le"),
            _("Phase"),
            _("Type"),
            _("Modalité"),
            _("Durée réalisée (min)"),
            _("Qualité"),
            _("Signataire"),
            _("Méthode"),
            _("Signé le"),
        ],
        lignes=lignes,
    )


def objectifs(ctx: ContexteExport) -> Iterator[Piece]:
    """Per dossier: objectives recorded or not, dated by the signed document that carries them
    and by the end of the preliminary phase, and the outcome at closure (no objective text)."""
    if not ctx.bilan_ids:
        return

    def lignes() -> Iterator[Sequence[object]]:
        publics = _publics(ctx)
        signes: dict[object, datetime] = {}
        for subject_id, signe_le in (
            SignedDocument.objects.filter(
                kind__in=KINDS_CONVENTION, subject_id__in=list(publics), status="signe"
            )
            .order_by("signed_at")
            .values_list("subject_id", "signed_at")
        ):
            signes.setdefault(subject_id, signe_le)
        investigation: dict[int, datetime] = {}
        for bilan_id, debut in (
            Seance.objects.filter(bilan_id__in=ctx.bilan_ids, phase=Phase.INVESTIGATION)
            .order_by("debut")
            .values_list("bilan_id", "debut")
        ):
            investigation.setdefault(bilan_id, debut)
        for b in (
            _bilans(ctx)
            .order_by("numero")
            .only(
                "pk",
                "public_id",
                "numero",
                "statut",
                "objectifs",
                "date_debut_reelle",
                "termine_le",
            )
        ):
            yield (
                b.numero,
                _("oui") if b.objectifs.strip() else _("non"),
                _moment(signes.get(b.public_id)),
                _jour(b.date_debut_reelle),
                _moment(investigation.get(b.pk)),
                b.get_statut_display(),
                _jour(b.termine_le),
            )

    yield piece_csv(
        nom="objectifs-dates.csv",
        titre=_("Objectifs définis en phase préliminaire : datation et issue du dossier"),
        entetes=[
            _("Dossier"),
            _("Objectifs enregistrés"),
            _("Convention ou contrat signé le"),
            _("Début du bilan"),
            _("Fin de la phase préliminaire (1re séance d'investigation)"),
            _("Statut"),
            _("Fin du bilan"),
        ],
        lignes=lignes,
    )


def entretiens_prealables(ctx: ContexteExport) -> Iterator[Piece]:
    """Date, consultant and outcome of each prior interview (never the answers)."""
    beneficiaires = _bilans(ctx).values("beneficiaire_id")
    filtre = Q(beneficiaire_id__in=beneficiaires)
    if not ctx.echantillon:
        filtre |= Q(date__date__gte=ctx.debut, date__date__lte=ctx.fin)
    qs = EntretienPrealable.objects.filter(filtre)
    if not qs.exists():
        return

    def lignes() -> Iterator[Sequence[object]]:
        dossiers: dict[int, list[str]] = defaultdict(list)
        for beneficiaire_id, numero in _bilans(ctx).values_list("beneficiaire_id", "numero"):
            dossiers[beneficiaire_id].append(numero)
        for e in (
            EntretienPrealable.objects.filter(filtre)
            .select_related("consultant")
            .order_by("date")
            .only(
                "date",
                "issue",
                "beneficiaire_id",
                "consultant__first_name",
                "consultant__last_name",
                "consultant__email",
            )
            .iterator(chunk_size=LOT_REQUETE)
        ):
            yield (
                ", ".join(dossiers.get(e.beneficiaire_id, [])) or _("(aucun bilan ouvert)"),
                _moment(e.date),
                e.consultant.get_full_name() if e.consultant_id else "",
                e.get_issue_display(),
            )

    yield piece_csv(
        nom="entretiens-prealables.csv",
        titre=_("Entretiens préalables : date, consultant·e, suite donnée"),
        entetes=[_("Dossier"), _("Entretien le"), _("Consultant·e"), _("Suite donnée")],
        lignes=lignes,
    )


def _lignes_seances(ctx: ContexteExport, numeros: dict[int, str]) -> Iterator[Seance]:
    return (
        Seance.objects.filter(bilan_id__in=ctx.bilan_ids)
        .order_by("bilan_id", "debut", "pk")
        .only(
            "pk",
            "public_id",
            "bilan_id",
            "phase",
            "type",
            "intitule",
            "debut",
            "duree_minutes",
            "duree_realisee_minutes",
            "modalite",
            "statut",
            "sequence",
        )
        .iterator(chunk_size=LOT_REQUETE)
    )


def programmes_personnalises(ctx: ContexteExport) -> Iterator[Piece]:
    """Per dossier, the séances planned by phase (the personalised programme), with their
    status: the plan and what became of it."""
    if not Seance.objects.filter(bilan_id__in=ctx.bilan_ids).exists():
        return

    def lignes() -> Iterator[Sequence[object]]:
        numeros = _numeros(ctx)
        ordre_phase = {p: i for i, p in enumerate(Phase.values, start=1)}
        for s in _lignes_seances(ctx, numeros):
            yield (
                numeros.get(s.bilan_id, ""),
                ordre_phase.get(s.phase, ""),
                _libelle(Phase.choices, s.phase),
                _libelle(TypeSeance.choices, s.type),
                s.intitule,
                _moment(s.debut),
                s.duree_minutes,
                _libelle(Seance.Modalite.choices, s.modalite),
                _libelle(Seance.Statut.choices, s.statut),
            )

    yield piece_csv(
        nom="programmes-personnalises.csv",
        titre=_("Programmes personnalisés : séances prévues par phase et par dossier"),
        entetes=[
            _("Dossier"),
            _("N° de phase"),
            _("Phase"),
            _("Type"),
            _("Intitulé"),
            _("Prévue le"),
            _("Durée prévue (min)"),
            _("Modalité"),
            _("Statut"),
        ],
        lignes=lignes,
    )


def validation_synthese(ctx: ContexteExport) -> Iterator[Piece]:
    """Receipts of the synthèse: validation by both, signatures (who, when, how), handover
    date and mode. Never its PDF, never its text."""
    qs = Synthese.objects.filter(bilan_id__in=ctx.bilan_ids)
    if not qs.exists():
        return

    def lignes() -> Iterator[Sequence[object]]:
        numeros = _numeros(ctx)
        for synthese in (
            qs.order_by("bilan_id")
            .only(
                "pk",
                "bilan_id",
                "statut",
                "validee_beneficiaire_le",
                "validee_consultant_le",
                "remise_le",
                "remise_mode",
                "document_id",
            )
            .iterator(chunk_size=LOT_REQUETE)
        ):
            signatures = []
            version = ""
            if synthese.document_id:
                document = (
                    SignedDocument.objects.filter(pk=synthese.document_id, kind=KIND_SYNTHESE)
                    .only("version")
                    .first()
                )
                version = document.version if document is not None else ""
                signatures = [
                    f"{_libelle(Signature._meta.get_field('role').choices or (), s.role)} : "
                    f"{s.signer_name} ({_moment(s.signed_at)}, {s.auth_method})"
                    for s in Signature.objects.filter(document_id=synthese.document_id)
                    .order_by("signed_at")
                    .only("role", "signer_name", "signed_at", "auth_method")
                ]
            yield (
                numeros.get(synthese.bilan_id, ""),
                synthese.get_statut_display(),
                _moment(synthese.validee_beneficiaire_le),
                _moment(synthese.validee_consultant_le),
                version,
                " | ".join(signatures),
                _moment(synthese.remise_le),
                synthese.remise_mode,
            )

    yield piece_csv(
        nom="accuses-synthese.csv",
        titre=_("Validation, signature et remise de la synthèse (sans son contenu)"),
        entetes=[
            _("Dossier"),
            _("Statut de la synthèse"),
            _("Validée par le ou la bénéficiaire le"),
            _("Validée par le ou la consultant·e le"),
            _("Version signée"),
            _("Signatures"),
            _("Remise le"),
            _("Mode de remise"),
        ],
        lignes=lignes,
    )


STATUTS_ABSENCE = (
    Seance.Statut.ANNULEE,
    Seance.Statut.ABSENCE_EXCUSEE,
    Seance.Statut.ABSENCE_NON_EXCUSEE,
)


def relances_absences(ctx: ContexteExport) -> Iterator[Piece]:
    """Absences, cancellations and reschedulings of séances, and the reminders sent per
    dossier (kind, due, sent): no message content, no free-text reason."""
    deplacees = Notification.objects.filter(
        bilan_id__in=ctx.bilan_ids, sujet=Notification.Sujet.SEANCE_DEPLACEE
    )
    absences = Seance.objects.filter(bilan_id__in=ctx.bilan_ids).filter(
        Q(statut__in=STATUTS_ABSENCE) | Q(sequence__gt=0)
    )
    relances = Relance.objects.filter(bilan_id__in=ctx.bilan_ids).exclude(
        kind=Relance.Kind.NOTIFICATION_BENEFICIAIRE
    )
    if absences.exists() or deplacees.exists():

        def lignes_absences() -> Iterator[Sequence[object]]:
            numeros = _numeros(ctx)
            reports: dict[str, int] = defaultdict(int)
            for cle in deplacees.values_list("cle", flat=True).iterator(chunk_size=LOT_REQUETE):
                parts = cle.split(":")
                if len(parts) >= 2:
                    reports[parts[1]] += 1
            for s in (
                absences.order_by("bilan_id", "debut")
                .only("public_id", "bilan_id", "debut", "phase", "type", "statut", "sequence")
                .iterator(chunk_size=LOT_REQUETE)
            ):
                yield (
                    numeros.get(s.bilan_id, ""),
                    _moment(s.debut),
                    _libelle(Phase.choices, s.phase),
                    _libelle(TypeSeance.choices, s.type),
                    _libelle(Seance.Statut.choices, s.statut),
                    s.sequence,
                    reports.get(str(s.public_id), 0),
                )

        yield piece_csv(
            nom="absences-annulations-reports.csv",
            titre=_("Absences, annulations et reports de séances"),
            entetes=[
                _("Dossier"),
                _("Séance le"),
                _("Phase"),
                _("Type"),
                _("Statut"),
                _("Modifications de la séance"),
                _("Avis de déplacement envoyés"),
            ],
            lignes=lignes_absences,
        )
    if relances.exists():

        def lignes_relances() -> Iterator[Sequence[object]]:
            numeros = _numeros(ctx)
            for r in (
                relances.order_by("bilan_id", "due_le")
                .only("bilan_id", "kind", "due_le", "envoyee_le", "statut", "tentatives")
                .iterator(chunk_size=LOT_REQUETE)
            ):
                yield (
                    numeros.get(r.bilan_id or 0, ""),
                    r.get_kind_display(),
                    _moment(r.due_le),
                    _moment(r.envoyee_le),
                    r.get_statut_display(),
                    r.tentatives,
                )

        yield piece_csv(
            nom="relances-envoyees.csv",
            titre=_("Relances et rappels par dossier"),
            entetes=[
                _("Dossier"),
                _("Relance"),
                _("Prévue le"),
                _("Envoyée le"),
                _("Statut"),
                _("Tentatives"),
            ],
            lignes=lignes_relances,
        )


KINDS_RAPPEL_ENQUETE = {
    KindEnquete.CHAUD.value: Relance.Kind.ENQUETE_CHAUD_RAPPEL,
    KindEnquete.FROID.value: Relance.Kind.ENQUETE_FROID_RAPPEL,
}


def enquetes_satisfaction(ctx: ContexteExport) -> Iterator[Piece]:
    """The survey figures of the window (sent, answered, satisfaction rate), then per dossier:
    sent, reminded, answered, average score. Scores only: no free text, no choice."""
    reponses = Reponse.objects.filter(bilan_id__in=ctx.bilan_ids)
    if not reponses.exists():
        return

    def lignes_synthese() -> Iterator[Sequence[object]]:
        for kind, taux in satisfaction_calculer(debut=ctx.debut, fin=ctx.fin).items():
            yield (
                _libelle(KindEnquete.choices, kind),
                taux.envoyees,
                taux.repondues,
                "" if taux.taux_reponse is None else f"{taux.taux_reponse} %",
                taux.notes,
                "" if taux.taux is None else f"{taux.taux} %",
                "" if taux.note_moyenne is None else taux.note_moyenne,
            )

    yield piece_csv(
        nom="satisfaction-periode.csv",
        titre=_("Satisfaction de la période : envois, réponses, taux"),
        entetes=[
            _("Enquête"),
            _("Envoyées"),
            _("Répondues"),
            _("Taux de réponse"),
            _("Notes comptées"),
            _("Taux de satisfaction (4 ou 5 sur 5)"),
            _("Note moyenne"),
        ],
        lignes=lignes_synthese,
    )

    def lignes_dossiers() -> Iterator[Sequence[object]]:
        numeros = _numeros(ctx)
        rappels: dict[tuple[int, str], list[datetime]] = defaultdict(list)
        for bilan_id, kind, envoyee_le in Relance.objects.filter(
            bilan_id__in=ctx.bilan_ids,
            kind__in=list(KINDS_RAPPEL_ENQUETE.values()),
            statut=Relance.Statut.ENVOYEE,
        ).values_list("bilan_id", "kind", "envoyee_le"):
            rappels[(bilan_id, kind)].append(envoyee_le)
        for r in (
            reponses.order_by("bilan_id", "kind")
            .only("pk", "bilan_id", "kind", "envoyee_le", "repondu_le")
            .iterator(chunk_size=LOT_REQUETE)
        ):
            notes = list(
                ReponseItem.objects.filter(
                    reponse_id=r.pk,
                    question__type=Question.Type.NOTE,
                    note__isnull=False,
                ).values_list("note", flat=True)
            )
            envois_rappel = rappels.get((r.bilan_id, KINDS_RAPPEL_ENQUETE[r.kind]), [])
            yield (
                numeros.get(r.bilan_id, ""),
                _libelle(KindEnquete.choices, r.kind),
                _moment(r.envoyee_le),
                len(envois_rappel),
                _moment(max(envois_rappel)) if envois_rappel else "",
                _moment(r.repondu_le),
                len(notes),
                round(sum(notes) / len(notes), 2) if notes else "",
            )

    yield piece_csv(
        nom="enquetes-par-dossier.csv",
        titre=_("Questionnaires par dossier : envoi, rappels, réponse, note moyenne"),
        entetes=[
            _("Dossier"),
            _("Enquête"),
            _("Envoyée le"),
            _("Rappels envoyés"),
            _("Dernier rappel le"),
            _("Répondue le"),
            _("Notes données"),
            _("Note moyenne"),
        ],
        lignes=lignes_dossiers,
    )


def _contrats_sous_traitance(ctx: ContexteExport):
    return Membership.objects.filter(
        organisation=ctx.organisation,
        sous_traitant=True,
        st_debut__lte=ctx.fin,
        st_fin__gte=ctx.debut,
    ).select_related("user")


def contrats_sous_traitance(ctx: ContexteExport) -> Iterator[Piece]:
    """The sub-contracting contracts in force during the window (their R6333-6-2 mentions) and
    the dossiers in scope run under one of them."""
    contrats = _contrats_sous_traitance(ctx)
    if not contrats.exists():
        return

    def lignes_contrats() -> Iterator[Sequence[object]]:
        for m in contrats.order_by("st_debut", "pk"):
            yield (
                m.st_reference,
                m.user.get_full_name() or m.user.email,
                _jour(m.st_debut),
                _jour(m.st_fin),
                m.st_missions,
                m.st_contenu_sanction,
                m.st_moyens,
                m.st_conditions,
                m.st_prix,
                _jour(m.st_communique_cdc_le),
            )

    yield piece_csv(
        nom="contrats-sous-traitance.csv",
        titre=_("Contrats de sous-traitance en vigueur sur la période"),
        entetes=[
            _("Référence"),
            _("Sous-traitant·e"),
            _("Début"),
            _("Fin"),
            _("Missions confiées"),
            _("Contenu et sanction de la prestation"),
            _("Moyens mobilisés"),
            _("Conditions de réalisation et de suivi"),
            _("Prix"),
            _("Communiqué à la CDC le"),
        ],
        lignes=lignes_contrats,
    )

    def lignes_dossiers() -> Iterator[Sequence[object]]:
        for bilan in _bilans(ctx).order_by("numero").iterator(chunk_size=LOT_REQUETE):
            contrat = bilan_contrat_sous_traitance(bilan=bilan)
            if contrat is not None:
                yield (bilan.numero, contrat.st_reference)

    yield piece_csv(
        nom="dossiers-sous-traites.csv",
        titre=_("Dossiers réalisés en sous-traitance"),
        entetes=[_("Dossier"), _("Contrat")],
        lignes=lignes_dossiers,
    )


def conception_offre(ctx: ContexteExport) -> Iterator[Piece]:
    """The programme templates: phases, steps, durations and séance types."""
    if not Programme.objects.exists():
        return

    def lignes() -> Iterator[Sequence[object]]:
        for etape in ProgrammeEtape.objects.select_related("programme").order_by(
            "programme__nom", "programme_id", "ordre"
        ):
            programme = etape.programme
            yield (
                programme.nom,
                _("oui") if programme.actif else _("non"),
                etape.ordre,
                _libelle(Phase.choices, etape.phase),
                _libelle(TypeSeance.choices, etape.type),
                etape.intitule,
                etape.duree_minutes,
                etape.ecart_jours,
                programme.suivi_mois,
            )

    yield piece_csv(
        nom="programmes-types.csv",
        titre=_("Programmes types : phases, étapes, durées, modalités"),
        entetes=[
            _("Programme"),
            _("Proposé"),
            _("Étape"),
            _("Phase"),
            _("Type de séance"),
            _("Intitulé"),
            _("Durée (min)"),
            _("Jours après l'étape précédente"),
            _("Entretien de suivi après (mois)"),
        ],
        lignes=lignes,
    )


SUJETS_CONVOCATION = (
    Notification.Sujet.SEANCE_PLANIFIEE,
    Notification.Sujet.SEANCES_PLANIFIEES,
    Notification.Sujet.SEANCE_DEPLACEE,
)


def convocations(ctx: ContexteExport) -> Iterator[Piece]:
    """Per séance: when the beneficiary was convened (portal and e-mail notice) and reminded."""
    if not Seance.objects.filter(bilan_id__in=ctx.bilan_ids).exists():
        return

    def lignes() -> Iterator[Sequence[object]]:
        numeros = _numeros(ctx)
        avis: dict[str, datetime] = {}
        for cle, cree_le in (
            Notification.objects.filter(bilan_id__in=ctx.bilan_ids, sujet__in=SUJETS_CONVOCATION)
            .order_by("created_at")
            .values_list("cle", "created_at")
            .iterator(chunk_size=LOT_REQUETE)
        ):
            parts = cle.split(":")
            if len(parts) >= 2:
                avis.setdefault(parts[1], cree_le)
        rappels: dict[int, datetime] = {}
        for seance_id, envoyee_le in (
            Relance.objects.filter(
                bilan_id__in=ctx.bilan_ids,
                kind=Relance.Kind.RAPPEL_SEANCE_BENEFICIAIRE,
                envoyee_le__isnull=False,
            )
            .values_list("seance_id", "envoyee_le")
            .iterator(chunk_size=LOT_REQUETE)
        ):
            if seance_id is not None:
                rappels[seance_id] = envoyee_le
        for s in _lignes_seances(ctx, numeros):
            yield (
                numeros.get(s.bilan_id, ""),
                _moment(s.debut),
                _libelle(Phase.choices, s.phase),
                _libelle(TypeSeance.choices, s.type),
                _libelle(Seance.Modalite.choices, s.modalite),
                _moment(avis.get(str(s.public_id))),
                _moment(rappels.get(s.pk)),
            )

    yield piece_csv(
        nom="convocations.csv",
        titre=_("Convocations et rappels des séances"),
        entetes=[
            _("Dossier"),
            _("Séance le"),
            _("Phase"),
            _("Type"),
            _("Modalité"),
            _("Convocation envoyée le"),
            _("Rappel envoyé le"),
        ],
        lignes=lignes,
    )


def administratif(ctx: ContexteExport) -> Iterator[Piece]:
    """The organisation's administrative identity: NDA, SIRET, Qualiopi certificate, référent
    handicap, and the places where séances were held in person during the window."""
    organisation = ctx.organisation

    def lignes() -> Iterator[Sequence[object]]:
        yield (_("Raison sociale"), organisation.raison_sociale)
        yield (_("SIRET"), organisation.siret)
        yield (
            _("Numéro de déclaration d'activité (NDA)"),
            organisation.numero_declaration_activite,
        )
        yield (_("Certificat Qualiopi : numéro"), organisation.qualiopi_numero_certificat)
        yield (_("Certificat Qualiopi : délivré le"), _jour(organisation.qualiopi_date_emission))
        yield (_("Certificat Qualiopi : expire le"), _jour(organisation.qualiopi_date_expiration))
        yield (
            _("Le certificat couvre les bilans de compétences (L6313-1 2°)"),
            _("oui") if organisation.qualiopi_couvre_bilans else _("non"),
        )
        yield (_("Référent·e handicap"), organisation.referent_handicap_nom)
        yield (_("Contact du ou de la référent·e handicap"), organisation.referent_handicap_contact)
        lieux = (
            Seance.objects.filter(
                modalite=Seance.Modalite.PRESENTIEL,
                debut__date__gte=ctx.debut,
                debut__date__lte=ctx.fin,
            )
            .exclude(lieu="")
            .values_list("lieu", flat=True)
            .distinct()
            .order_by("lieu")
        )
        for lieu in lieux[:100]:
            yield (_("Lieu d'accueil en présentiel"), lieu)
        yield (_("Données extraites le"), _moment(timezone.now()))

    yield piece_csv(
        nom="organisme.csv",
        titre=_("Organisme : NDA, SIRET, certificat Qualiopi, référent·e handicap, lieux"),
        entetes=[_("Rubrique"), _("Valeur")],
        lignes=lignes,
    )


FOURNISSEURS: list[Fournisseur] = [
    Fournisseur(
        preuve="conventions_signees",
        titre=_l("Conventions et contrats signés"),
        pieces=conventions_signees,
        absence=_l("Aucune convention ni aucun contrat signé pour les dossiers de la période."),
    ),
    Fournisseur(
        preuve="emargements",
        titre=_l("Émargements, certificats de réalisation et attestations de fin"),
        pieces=emargements,
        absence=_l(
            "Aucun émargement, certificat de réalisation ni attestation de fin pour les "
            "dossiers de la période."
        ),
    ),
    Fournisseur(
        preuve="objectifs",
        titre=_l("Objectifs datés"),
        pieces=objectifs,
        absence=_l("Aucun dossier sur la période : aucun objectif à dater."),
    ),
    Fournisseur(
        preuve="entretiens_prealables",
        titre=_l("Entretiens préalables"),
        pieces=entretiens_prealables,
        absence=_l("Aucun entretien préalable enregistré pour les dossiers de la période."),
    ),
    Fournisseur(
        preuve="programmes_personnalises",
        titre=_l("Programmes personnalisés"),
        pieces=programmes_personnalises,
        absence=_l("Aucune séance planifiée pour les dossiers de la période."),
    ),
    Fournisseur(
        preuve="validation_synthese",
        titre=_l("Accusés de validation et de remise de la synthèse"),
        pieces=validation_synthese,
        absence=_l("Aucune synthèse validée ni remise pour les dossiers de la période."),
    ),
    Fournisseur(
        preuve="relances_absences",
        titre=_l("Relances, absences et reports"),
        pieces=relances_absences,
        absence=_l(
            "Aucune absence, aucun report ni aucune relance sur les dossiers de la période."
        ),
    ),
    Fournisseur(
        preuve="enquetes_satisfaction",
        titre=_l("Questionnaires de satisfaction"),
        pieces=enquetes_satisfaction,
        absence=_l("Aucun questionnaire de satisfaction envoyé pour les dossiers de la période."),
    ),
    Fournisseur(
        preuve="contrats_sous_traitance",
        titre=_l("Contrats de sous-traitance"),
        pieces=contrats_sous_traitance,
        absence=_l(
            "Aucun contrat de sous-traitance en vigueur sur la période : l'organisme n'a pas "
            "sous-traité de bilan."
        ),
    ),
    Fournisseur(
        preuve="conception_offre",
        titre=_l("Programmes types"),
        pieces=conception_offre,
        absence=_l("Aucun programme type n'est enregistré dans l'application."),
    ),
    Fournisseur(
        preuve="convocations",
        titre=_l("Convocations"),
        pieces=convocations,
        absence=_l("Aucune séance planifiée, donc aucune convocation, sur la période."),
    ),
    Fournisseur(
        preuve=PREUVE_ADMINISTRATIVE,
        titre=_l("Pièces administratives de l'organisme"),
        pieces=administratif,
        absence=_l("Aucune donnée administrative n'est renseignée pour l'organisme."),
    ),
]
