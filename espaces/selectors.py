"""Reads that gather several apps for one page: the portal home and the beneficiary's own data
(RGPD access and portability)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from beneficiaires import acces
from beneficiaires import financement as fin
from beneficiaires.acces import beneficiaires_visibles, bilans_visibles
from beneficiaires.budget import TYPES_COMPTES
from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    BilanEvenement,
    Financement,
    Phase,
    StatutBilan,
    TypeSeance,
)
from beneficiaires.selectors import bilan_courant_obtenir, documents_a_signer_lister
from bilan.core.models import Membership, Organisation, Role, SignatureRole, SignedDocument
from bilan.core.tenancy import indice_organisation, parmi
from espaces import charts
from exploration.selectors.questionnaires import passations_a_remplir
from relances.models import Relance
from seances.models import (
    STATUTS_COMPTES,
    Consigne,
    Emargement,
    EntretienSuivi,
    Rendu,
    RenduFichier,
    Seance,
)
from seances.selectors.emargement import seances_a_emarger_pour
from seances.selectors.seances import bilan_budget
from seances.selectors.travail import EtatConsigne, LigneConsigne, consignes_du_beneficiaire
from syntheses.models import Synthese
from syntheses.selectors import KIND as KIND_SYNTHESE
from syntheses.selectors import bilan_synthese_obtenir


def portail_accueil(*, beneficiaire: Beneficiaire) -> dict[str, Any]:
    """Everything the portal home needs, in one place: the current bilan, its hours, what is
    expected of the beneficiary now, the séances to come and the past ones (a fixed number of
    queries, whatever the number of séances)."""
    bilan = bilan_courant_obtenir(beneficiaire=beneficiaire)
    context: dict = {
        "bilan": bilan,
        "budget": None,
        "prochaine": None,
        "a_venir": [],
        "passees": [],
        "a_faire": [],
    }
    if bilan is None:
        return context
    context["budget"] = bilan_budget(bilan=bilan)
    maintenant = timezone.now()
    seances = list(
        Seance.objects.filter(bilan=bilan)
        .filter(~Q(type=TypeSeance.TRAVAIL_PERSONNEL))
        .order_by("debut")
    )
    context["a_venir"] = [
        s for s in seances if s.statut == Seance.Statut.PLANIFIEE and s.debut >= maintenant
    ]
    context["passees"] = [s for s in seances if s.debut < maintenant][::-1]
    context["prochaine"] = context["a_venir"][0] if context["a_venir"] else None
    context["a_faire"] = portail_a_faire(beneficiaire=beneficiaire, bilan=bilan)
    return context


def portail_a_faire(
    *, beneficiaire: Beneficiaire, bilan: Bilan | None = None
) -> list[tuple[str, object]]:
    """What is expected of the beneficiary now, as ``(kind, object)`` pairs: the home lists
    them first and the portal header counts them."""
    if bilan is None:
        bilan = bilan_courant_obtenir(beneficiaire=beneficiaire)
        if bilan is None:
            return []
    a_faire: list[tuple[str, object]] = []
    # A shared synthèse waits for the beneficiary's reading and validation before it is issued
    # for signature: the home says so (it used to say « Rien à faire »).
    synthese = bilan_synthese_obtenir(bilan=bilan)
    if (
        synthese is not None
        and synthese.statut in (Synthese.Statut.PARTAGEE, Synthese.Statut.REVISEE)
        and synthese.validee_beneficiaire_le is None
    ):
        a_faire.append(("synthese_valider", synthese))
    for document in documents_a_signer_lister(beneficiaire=beneficiaire):
        a_faire.append(("synthese" if document.kind == KIND_SYNTHESE else "signer", document.title))
    for seance in seances_a_emarger_pour(beneficiaire=beneficiaire):
        a_faire.append(("emarger", seance))
    for ligne in consignes_du_beneficiaire(beneficiaire=beneficiaire):
        if ligne.etat in {EtatConsigne.A_FAIRE, EtatConsigne.EN_RETARD}:
            a_faire.append(("travail", ligne))
    for passation in passations_a_remplir(beneficiaire=beneficiaire):
        a_faire.append(("questionnaire", passation))
    return a_faire


def donnees_personnelles(*, beneficiaire: Beneficiaire) -> dict[str, Any]:
    """Everything stored about the beneficiary that is theirs to read, as plain data (RGPD
    access and portability)."""

    def date(value: dt.date | dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    bilans = []
    for bilan in beneficiaire.bilans.all().order_by("created_at"):
        seances = Seance.objects.filter(bilan=bilan).order_by("debut")
        bilans.append(
            {
                "numero": bilan.numero,
                "statut": bilan.get_statut_display(),
                "phase": bilan.get_phase_display(),
                "financement": bilan.get_financement_display(),
                "objectifs": bilan.objectifs,
                "debut_prevu": date(bilan.date_debut_prevue),
                "fin_prevue": date(bilan.date_fin_prevue),
                "seances": [
                    {
                        "date": date(s.debut),
                        "type": s.get_type_display(),
                        "phase": s.get_phase_display(),
                        "duree_prevue_minutes": s.duree_minutes,
                        "duree_realisee_minutes": s.duree_realisee_minutes,
                        "statut": s.get_statut_display(),
                    }
                    for s in seances
                ],
                "travaux": [
                    {
                        "consigne": c.titre,
                        "reponse": getattr(getattr(c, "rendu", None), "texte", ""),
                        "retour": getattr(getattr(c, "rendu", None), "retour", ""),
                    }
                    for c in Consigne.objects.filter(seance__bilan=bilan)
                ],
            }
        )
    return {
        "exporte_le": timezone.now().isoformat(),
        "identite": {
            "civilite": beneficiaire.get_civilite_display(),
            "prenom": beneficiaire.prenom,
            "nom": beneficiaire.nom,
            "courriel": beneficiaire.email,
            "telephone": beneficiaire.telephone,
            "situation": beneficiaire.get_statut_display(),
            "employeur": beneficiaire.employeur_nom,
            "poste": beneficiaire.poste,
            "besoins_amenagement": beneficiaire.besoins_accessibilite,
        },
        "consentements": [
            {
                "objet": c.get_type_display(),
                "destinataire": c.destinataire,
                "accorde_le": date(c.accorde_le),
                "revoque_le": date(c.revoque_le),
            }
            for c in beneficiaire.consentements.all()
        ],
        "entretiens_prealables": [
            {"date": date(e.date), "demande": e.demande, "issue": e.get_issue_display()}
            for e in beneficiaire.entretiens_prealables.all()
        ],
        "bilans": bilans,
    }


def donnees_archive(*, beneficiaire: Beneficiaire) -> bytes:
    """A zip: donnees.json and the documents that are the beneficiary's (their dossier files,
    their signed documents, the files they submitted)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "donnees.json",
            json.dumps(
                donnees_personnelles(beneficiaire=beneficiaire), ensure_ascii=False, indent=2
            ),
        )
        for document in beneficiaire.documents.all():
            with document.fichier.open("rb") as handle:
                zf.writestr(
                    f"documents/{document.public_id}-{document.nom_original}", handle.read()
                )
        for signed in SignedDocument.objects.filter(beneficiaire=beneficiaire).exclude(
            status=SignedDocument.Status.ANNULE
        ):
            field = signed.signed_pdf if signed.signed_pdf else signed.issued_pdf
            with field.open("rb") as handle:
                zf.writestr(f"signes/{signed.kind}-v{signed.version}.pdf", handle.read())
        for fichier in RenduFichier.objects.filter(
            rendu__consigne__seance__bilan__beneficiaire=beneficiaire
        ):
            with fichier.fichier.open("rb") as handle:
                zf.writestr(f"travaux/{fichier.public_id}-{fichier.nom_original}", handle.read())
    return buffer.getvalue()


# --- Global search (the staff shell) --------------------------------------------------------


@dataclass(frozen=True)
class ResultatsRecherche:
    """What the shell's search found: beneficiaries and bilans the member may see, each list cut
    at ``limite``; ``plus_*`` says more rows matched (the page asks to refine the search)."""

    terme: str
    beneficiaires: list[Beneficiaire]
    bilans: list[Bilan]
    plus_beneficiaires: bool
    plus_bilans: bool

    @property
    def vide(self) -> bool:
        return not self.beneficiaires and not self.bilans

    @property
    def nombre(self) -> int:
        return len(self.beneficiaires) + len(self.bilans)


RECHERCHE_LONGUEUR_MIN = 2


def recherche_globale(*, membership: Membership, terme: str, limite: int) -> ResultatsRecherche:
    """Beneficiaries (name, e-mail) and bilans (number, or their beneficiary's name or e-mail)
    matching every word of ``terme``, within need-to-know (``beneficiaires.acces``): a
    consultant finds only the files assigned to them; administrators and assistants the whole
    organisation (identity and administrative data only, what both may see). Two queries
    whatever the volume; none below two characters."""
    terme = " ".join(terme.split())[:100]
    if len(terme) < RECHERCHE_LONGUEUR_MIN:
        return ResultatsRecherche(terme, [], [], False, False)
    q_beneficiaires = Q()
    q_bilans = Q()
    for mot in terme.split():
        q_beneficiaires &= (
            Q(nom__icontains=mot) | Q(prenom__icontains=mot) | Q(email__icontains=mot)
        )
        q_bilans &= (
            Q(numero__icontains=mot)
            | Q(beneficiaire__nom__icontains=mot)
            | Q(beneficiaire__prenom__icontains=mot)
            | Q(beneficiaire__email__icontains=mot)
        )
    beneficiaires = list(
        beneficiaires_visibles(membership=membership)
        .filter(q_beneficiaires)
        .order_by("nom", "prenom", "pk")[: limite + 1]
    )
    bilans = list(
        bilans_visibles(membership=membership)
        .filter(q_bilans)
        .select_related("beneficiaire")
        .order_by("-created_at", "pk")[: limite + 1]
    )
    return ResultatsRecherche(
        terme=terme,
        beneficiaires=beneficiaires[:limite],
        bilans=bilans[:limite],
        plus_beneficiaires=len(beneficiaires) > limite,
        plus_bilans=len(bilans) > limite,
    )


# --- Cockpits (the staff home) ----------------------------------------------------------------

# How far ahead the cockpits look for deadlines, follow-ups and conventions (a working week).
HORIZON_JOURS = 7
# A convention transmitted to the employee is flagged this many days before R6313-8's limit.
CONVENTION_ALERTE_JOURS = 3
# Dossier cards on the cockpit: the most pressing ones; the rest is one link away (the bilans
# list, paginated). A consultant with 60 open dossiers got 60 cards, 97 KB (issue 16).
COCKPIT_CARTES = 12
# The week's next séances on the cockpit; the agenda has them all.
COCKPIT_SEANCES_SEMAINE = 8


@dataclass(frozen=True)
class AFaire:
    """One thing waiting for the member, with the page where it is done."""

    categorie: str
    libelle: str
    bilan: Bilan
    url: str
    echeance: dt.date | None = None


@dataclass(frozen=True)
class DossierApercu:
    """A dossier at a glance: hours of 24 split accompaniment / personal work, next séance,
    and what is waiting on it."""

    bilan: Bilan
    minutes_accompagnement: int
    minutes_travail: int
    prochaine: Seance | None
    a_faire: list[AFaire]

    @property
    def heures(self) -> float:
        return (self.minutes_accompagnement + self.minutes_travail) / 60

    @property
    def heures_accompagnement(self) -> float:
        return self.minutes_accompagnement / 60

    @property
    def heures_travail(self) -> float:
        return self.minutes_travail / 60

    @property
    def barre(self) -> SafeString:
        """The 24 hours as a bar split accompaniment / personal work (server-rendered SVG)."""
        return charts.heures_svg(
            identifiant=f"h-{self.bilan.public_id}",
            accompagnement=self.minutes_accompagnement / 60,
            travail=self.minutes_travail / 60,
        )


def _mes_bilans(*, membership: Membership) -> QuerySet[Bilan]:
    """The open bilans the member is assigned to (referent or associated consultant), within
    need-to-know: an administrator's cockpit lists their own dossiers too, not everyone's."""
    return (
        acces.bilans_visibles(membership=membership)
        .filter(
            # A sub-select, not a join with DISTINCT over every column (issue 16).
            Q(consultant_id=membership.user_id)
            | parmi(
                "pk",
                Bilan.consultants_associes.through.objects.filter(
                    user_id=membership.user_id
                ).values("bilan_id"),
            )
        )
        .exclude(statut__in=TERMINAUX)
        .filter(**indice_organisation("beneficiaire"))
        .select_related("beneficiaire")
        .order_by("beneficiaire__nom", "beneficiaire__prenom", "pk")
    )


def _minutes_comptees(*, travail: bool) -> Coalesce:
    """The counted minutes of the outer bilan's séances (personal work or accompaniment), as
    a correlated sub-select: the cockpit used to load every séance of every open dossier
    (~600 objects) to add them up in Python (issue 16). Same rule as ``Seance.minutes_comptees``
    and the ``seances_budget_24h`` trigger."""
    seances = Seance.objects.filter(
        bilan=OuterRef("pk"), statut__in=STATUTS_COMPTES, type__in=TYPES_COMPTES
    )
    seances = (
        seances.filter(type=TypeSeance.TRAVAIL_PERSONNEL)
        if travail
        else seances.exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
    )
    somme = (
        seances.order_by()
        .values("bilan")
        .annotate(m=Sum(Greatest("duree_minutes", Coalesce("duree_realisee_minutes", 0))))
        .values("m")[:1]
    )
    return Coalesce(Subquery(somme), 0)


def _roles_signes() -> Coalesce:
    """How many distinct roles signed the outer séance's attendance, as a correlated
    sub-select: the join it replaces hashed every attendance row of the organisation
    (109 000 in the benchmark) to count those of a few hundred séances (issue 16)."""
    roles = (
        Emargement.objects.filter(seance=OuterRef("pk"))
        .order_by()
        .values("seance")
        .annotate(n=Count("role", distinct=True))
        .values("n")[:1]
    )
    return Coalesce(Subquery(roles), 0)


def _prochaine_seance(*, maintenant: dt.datetime) -> Subquery:
    """The pk of the outer bilan's next planned séance (not personal work)."""
    return Subquery(
        Seance.objects.filter(
            bilan=OuterRef("pk"), statut=Seance.Statut.PLANIFIEE, debut__gte=maintenant
        )
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
        .order_by("debut", "pk")
        .values("pk")[:1]
    )


def _url(nom: str, bilan: Bilan, ancre: str = "") -> str:
    return reverse(nom, kwargs={"bilan_id": bilan.public_id}) + (f"#{ancre}" if ancre else "")


def _echeances_bilan(*, bilan: Bilan, aujourdhui: dt.date) -> list[AFaire]:
    """Deadlines computed from the bilan's own columns (no query): CPF declarations (rule of
    the 3 working days, ``financement.cpf_echeance_declaration``) and a transmitted convention
    nearing R6313-8's limit."""
    items: list[AFaire] = []
    horizon = aujourdhui + dt.timedelta(days=HORIZON_JOURS)
    if bilan.financement == Financement.CPF:
        if bilan.date_debut_reelle and not bilan.cpf_entree_declaree_le:
            avant = fin.cpf_echeance_declaration(evenement_le=bilan.date_debut_reelle)
            items.append(
                AFaire(
                    "cpf",
                    _("Déclarer l'entrée en formation (CPF)"),
                    bilan,
                    _url("bilans:edit", bilan),
                    avant,
                )
            )
        if bilan.date_fin_reelle and not bilan.cpf_sortie_declaree_le:
            avant = fin.cpf_echeance_declaration(evenement_le=bilan.date_fin_reelle)
            items.append(
                AFaire(
                    "cpf",
                    _("Déclarer la sortie de formation (CPF)"),
                    bilan,
                    _url("bilans:edit", bilan),
                    avant,
                )
            )
    if (
        bilan.financement in {Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT}
        and bilan.convention_transmise_le
        and bilan.statut == StatutBilan.ATTENTE
    ):
        limite = fin.convention_date_limite(transmise_le=bilan.convention_transmise_le)
        if limite <= min(horizon, aujourdhui + dt.timedelta(days=CONVENTION_ALERTE_JOURS)):
            items.append(
                AFaire(
                    "convention",
                    _("Convention à faire signer par le ou la salarié·e"),
                    bilan,
                    _url("bilans:detail", bilan, "documents"),
                    limite,
                )
            )
    return items


def _a_faire_groupes(*, bilans: Sequence[Bilan], maintenant: dt.datetime) -> list[AFaire]:
    """What is waiting on these bilans, in a fixed number of queries whatever their number."""
    aujourdhui = timezone.localdate(maintenant)
    par_pk = {b.pk: b for b in bilans}
    par_public = {b.public_id: b for b in bilans}
    items: list[AFaire] = []
    # Documents waiting for the organisation's signature.
    for doc in SignedDocument.objects.filter(
        subject_id__in=list(par_public), status=SignedDocument.Status.EMIS
    ).prefetch_related("signatures"):
        roles = {s.role for s in doc.signatures.all()}
        if SignatureRole.ORGANISME in doc.required_roles and SignatureRole.ORGANISME not in roles:
            bilan = par_public[doc.subject_id]
            items.append(
                AFaire(
                    "document",
                    _("Signer pour l'organisme : %(titre)s") % {"titre": doc.title},
                    bilan,
                    _url("bilans:detail", bilan, "documents"),
                )
            )
    # Attendance: realised séances not signed by both (to sign, or to request). Guided personal
    # work is not signed (its handed-in work is the proof; emargement_signer refuses it).
    seances = (
        Seance.objects.filter(bilan_id__in=list(par_pk), statut=Seance.Statut.REALISEE)
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
        .annotate(signes=_roles_signes())
        .filter(signes__lt=2)
        .order_by("debut")
    )
    for seance in seances:
        bilan = par_pk[seance.bilan_id]
        items.append(
            AFaire(
                "emargement",
                _("Émargement à signer ou à demander : %(s)s du %(d)s")
                % {
                    "s": seance.intitule,
                    "d": date_format(timezone.localtime(seance.debut), "j F"),
                },
                bilan,
                reverse("emargement:seance", kwargs={"seance_id": seance.public_id}),
            )
        )
    # Personal work handed in, waiting for feedback.
    for rendu in Rendu.objects.filter(
        consigne__seance__bilan_id__in=list(par_pk), retour_le__isnull=True
    ).select_related("consigne", "consigne__seance"):
        bilan = par_pk[rendu.consigne.seance.bilan_id]
        items.append(
            AFaire(
                "travail",
                _("Travail rendu à relire : %(t)s") % {"t": rendu.consigne.titre},
                bilan,
                _url("travail:bilan", bilan),
            )
        )
    # Synthèses: read and validated by the beneficiary, waiting for the consultant's
    # validation; validated by both, waiting for signature.
    for synthese in Synthese.objects.filter(
        bilan_id__in=list(par_pk),
        statut__in=[
            Synthese.Statut.PARTAGEE,
            Synthese.Statut.REVISEE,
            Synthese.Statut.VALIDEE,
        ],
    ):
        bilan = par_pk[synthese.bilan_id]
        if synthese.statut == Synthese.Statut.VALIDEE:
            libelle = _("Synthèse validée : à signer et remettre")
        elif synthese.validee_consultant_le is None:
            libelle = _("Synthèse partagée : à valider")
        else:
            continue
        items.append(
            AFaire("synthese", libelle, bilan, _url("syntheses:editeur", bilan, "workflow"))
        )
    # Follow-up interviews due within the week (or overdue).
    for suivi in EntretienSuivi.objects.filter(
        bilan_id__in=list(par_pk),
        statut=EntretienSuivi.Statut.PLANIFIE,
        date_prevue__lt=maintenant + dt.timedelta(days=HORIZON_JOURS),
    ):
        bilan = par_pk[suivi.bilan_id]
        items.append(
            AFaire(
                "suivi",
                _("Entretien de suivi à mener"),
                bilan,
                _url("travail:suivi", bilan),
                timezone.localdate(suivi.date_prevue),
            )
        )
    # Dropout risks flagged by the nightly sweep (seances.relances) in the last 30 days.
    risques = set(
        Relance.objects.filter(
            bilan_id__in=list(par_pk),
            kind=Relance.Kind.ABANDON_RISQUE,
            due_le__gte=maintenant - dt.timedelta(days=30),
        )
        .exclude(statut=Relance.Statut.ANNULEE)
        .values_list("bilan_id", flat=True)
    )
    for pk in sorted(risques):
        bilan = par_pk[pk]
        items.append(
            AFaire(
                "abandon",
                _("Risque d'abandon : reprendre contact"),
                bilan,
                _url("bilans:detail", bilan, "seances"),
            )
        )
    for bilan in bilans:
        items.extend(_echeances_bilan(bilan=bilan, aujourdhui=aujourdhui))
    return items


# Lazy: read at import time, translated per request.
CATEGORIES_A_FAIRE: dict[str, Any] = {
    "document": gettext_lazy("Documents à signer"),
    "emargement": gettext_lazy("Émargements à signer ou demander"),
    "travail": gettext_lazy("Travail personnel à relire"),
    "synthese": gettext_lazy("Synthèses à valider ou signer"),
    "suivi": gettext_lazy("Entretiens de suivi"),
    "convention": gettext_lazy("Conventions proches de l'échéance"),
    "abandon": gettext_lazy("Risques d'abandon"),
    "cpf": gettext_lazy("Déclarations CPF"),
}


def cockpit_consultant(*, membership: Membership, maintenant: dt.datetime) -> dict[str, Any]:
    """The consultant's home: today's and this week's séances with their attendance state,
    what is waiting (each with its link), and the member's own open dossiers at a glance. A
    constant number of queries whatever the number of dossiers."""
    aujourdhui = timezone.localdate(maintenant)
    debut_jour = timezone.make_aware(dt.datetime.combine(aujourdhui, dt.time.min))
    lundi = debut_jour - dt.timedelta(days=aujourdhui.weekday())
    fin_semaine = lundi + dt.timedelta(days=7)
    visibles = acces.bilans_visibles(membership=membership)
    seances = list(
        Seance.objects.filter(
            bilan__in=visibles,
            debut__gte=min(debut_jour, lundi),
            debut__lt=max(fin_semaine, debut_jour + dt.timedelta(days=1)),
        )
        .filter(
            Q(consultant_id=membership.user_id)
            | Q(
                consultant__isnull=True,
                bilan_id__in=Bilan.objects.filter(consultant_id=membership.user_id).values("pk"),
            )
        )
        .filter(**indice_organisation("bilan", "bilan__beneficiaire"))
        .exclude(type=TypeSeance.TRAVAIL_PERSONNEL)
        .exclude(statut=Seance.Statut.ANNULEE)
        .select_related("bilan", "bilan__beneficiaire")
        .annotate(signes=_roles_signes())
        .order_by("debut")
    )
    demain = debut_jour + dt.timedelta(days=1)
    bilans = list(
        _mes_bilans(membership=membership).annotate(
            minutes_accompagnement=_minutes_comptees(travail=False),
            minutes_travail=_minutes_comptees(travail=True),
            prochaine_id=_prochaine_seance(maintenant=maintenant),
        )
    )
    prochaines = Seance.objects.in_bulk(
        [b.prochaine_id for b in bilans if b.prochaine_id is not None]
    )
    a_faire = _a_faire_groupes(bilans=bilans, maintenant=maintenant)
    par_bilan: dict[int, list[AFaire]] = {}
    for item in a_faire:
        par_bilan.setdefault(item.bilan.pk, []).append(item)
    dossiers = [
        DossierApercu(
            bilan=bilan,
            minutes_accompagnement=bilan.minutes_accompagnement,
            minutes_travail=bilan.minutes_travail,
            prochaine=prochaines.get(bilan.prochaine_id),
            a_faire=par_bilan.get(bilan.pk, []),
        )
        for bilan in bilans
    ]
    dossiers.sort(key=_urgence)
    groupes = [
        (cle, libelle, [i for i in a_faire if i.categorie == cle])
        for cle, libelle in CATEGORIES_A_FAIRE.items()
    ]
    semaine = [s for s in seances if s.debut >= demain and s.debut < fin_semaine]
    return {
        "seances_jour": [s for s in seances if debut_jour <= s.debut < demain],
        "seances_semaine": semaine[:COCKPIT_SEANCES_SEMAINE],
        "seances_semaine_autres": len(semaine[COCKPIT_SEANCES_SEMAINE:]),
        "a_faire": [g for g in groupes if g[2]],
        "a_faire_total": len(a_faire),
        "dossiers": dossiers[:COCKPIT_CARTES],
        "dossiers_total": len(dossiers),
    }


def _urgence(dossier: DossierApercu) -> tuple[bool, dt.date, bool, dt.datetime, str, str]:
    """Order of the cockpit's cards: dossiers with something waiting first (earliest deadline
    first, undated ones after the dated), then by next séance (soonest first, none last), then
    by name."""
    echeances = [i.echeance for i in dossier.a_faire if i.echeance is not None]
    prochaine = dossier.prochaine.debut if dossier.prochaine is not None else None
    return (
        not dossier.a_faire,
        min(echeances, default=dt.date.max),
        prochaine is None,
        prochaine or dt.datetime.max.replace(tzinfo=dt.UTC),
        dossier.bilan.beneficiaire.nom,
        dossier.bilan.beneficiaire.prenom,
    )


def cockpit_admin(*, organisation: Organisation, maintenant: dt.datetime) -> dict[str, Any]:
    """The administrator's home: dossiers by status and phase, the team's load (open dossiers
    and counted hours per consultant), the week's legal deadlines and the outbox's health.
    A constant number of queries whatever the volume."""
    aujourdhui = timezone.localdate(maintenant)
    horizon = aujourdhui + dt.timedelta(days=HORIZON_JOURS)
    bilans = Bilan.objects.filter(organisation=organisation)
    par_statut = dict(
        bilans.values_list("statut").annotate(n=Count("pk")).values_list("statut", "n")
    )
    par_phase = dict(
        bilans.filter(statut=StatutBilan.EN_COURS)
        .values_list("phase")
        .annotate(n=Count("pk"))
        .values_list("phase", "n")
    )
    charge = {
        ligne["consultant_id"]: ligne
        for ligne in bilans.exclude(statut__in=TERMINAUX)
        .values("consultant_id")
        .annotate(dossiers=Count("pk"), minutes=Sum("minutes_comptees"))
    }
    equipe = []
    for membre in (
        Membership.objects.filter(
            organisation=organisation,
            is_active=True,
            role__in=[Role.CONSULTANT, Role.ADMIN],
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    ):
        ligne = charge.get(membre.user_id, {})
        equipe.append(
            {
                "nom": membre.user.get_full_name() or membre.user.email,
                "dossiers": ligne.get("dossiers", 0),
                "heures": (ligne.get("minutes") or 0) / 60,
            }
        )
    echeances: list[AFaire] = []
    for bilan in (
        bilans.exclude(statut__in=TERMINAUX)
        .filter(
            Q(financement=Financement.CPF, date_debut_reelle__isnull=False)
            | Q(convention_transmise_le__isnull=False)
        )
        .select_related("beneficiaire")
    ):
        echeances.extend(
            e
            for e in _echeances_bilan(bilan=bilan, aujourdhui=aujourdhui)
            if e.echeance is not None and e.echeance <= horizon
        )
    for suivi in EntretienSuivi.objects.filter(
        bilan__organisation=organisation,
        statut=EntretienSuivi.Statut.PLANIFIE,
        date_prevue__lt=maintenant + dt.timedelta(days=HORIZON_JOURS),
    ).select_related("bilan", "bilan__beneficiaire"):
        echeances.append(
            AFaire(
                "suivi",
                _("Entretien de suivi (6 mois)"),
                suivi.bilan,
                _url("travail:suivi", suivi.bilan),
                timezone.localdate(suivi.date_prevue),
            )
        )
    echeances.sort(key=lambda e: (e.echeance or aujourdhui, e.bilan.numero))
    relances = Relance.objects.filter(organisation=organisation)
    sortie = dict(relances.values_list("statut").annotate(n=Count("pk")).values_list("statut", "n"))
    en_retard = relances.filter(
        statut=Relance.Statut.A_ENVOYER, due_le__lt=maintenant - dt.timedelta(hours=1)
    ).count()
    statuts = [(str(label), par_statut.get(value, 0)) for value, label in StatutBilan.choices]
    phases = [(str(label), par_phase.get(value, 0)) for value, label in Phase.choices]
    return {
        "par_statut": statuts,
        "par_phase": phases,
        "equipe": equipe,
        "echeances": echeances,
        "sortie": [(str(label), sortie.get(value, 0)) for value, label in Relance.Statut.choices],
        "sortie_echecs": sortie.get(Relance.Statut.ECHEC, 0),
        "sortie_en_retard": en_retard,
    }


# --- The dossier as a workspace ---------------------------------------------------------------


@dataclass(frozen=True)
class Jalon:
    """One dated line of the dossier's timeline."""

    quand: dt.datetime
    libelle: str
    detail: str = ""


def bilan_chronologie(
    *,
    evenements: Iterable[BilanEvenement],
    seances: Iterable[Seance],
    documents: Iterable[SignedDocument],
    consignes: Iterable[LigneConsigne],
) -> list[Jalon]:
    """The dossier's timeline, newest first, from what the page has already read (no query):
    status changes, séances held or missed, documents issued and signed, work handed in and
    reviewed."""
    jalons: list[Jalon] = []
    for e in evenements:
        detail = ", ".join(x for x in (str(e.par or ""), e.motif) if x)
        jalons.append(Jalon(e.created_at, e.libelle, detail))
    for s in seances:
        if s.statut != Seance.Statut.PLANIFIEE:
            jalons.append(
                Jalon(s.debut, f"{s.intitule} — {s.get_statut_display()}", s.get_type_display())
            )
    for d in documents:
        if d.issued_at:
            jalons.append(Jalon(d.issued_at, _("Émis : %(t)s") % {"t": d.title}))
        for signature in d.signatures.all():
            jalons.append(
                Jalon(
                    signature.signed_at,
                    _("Signé : %(t)s") % {"t": d.title},
                    signature.signer_name,
                )
            )
    for ligne in consignes:
        if ligne.rendu is not None:
            jalons.append(
                Jalon(
                    ligne.rendu.soumis_le,
                    _("Travail rendu : %(t)s") % {"t": ligne.consigne.titre},
                )
            )
            if ligne.rendu.retour_le:
                jalons.append(
                    Jalon(
                        ligne.rendu.retour_le,
                        _("Retour donné : %(t)s") % {"t": ligne.consigne.titre},
                    )
                )
    return sorted(jalons, key=lambda j: j.quand, reverse=True)
