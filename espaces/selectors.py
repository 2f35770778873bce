"""Reads that gather several apps for one page: the portal home and the beneficiary's own data
(RGPD access and portability)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from beneficiaires.acces import beneficiaires_visibles, bilans_visibles
from beneficiaires.models import Beneficiaire, Bilan, TypeSeance
from beneficiaires.selectors import bilan_courant_obtenir, documents_a_signer_lister
from bilan.core.models import Membership, SignedDocument
from seances.models import Consigne, RenduFichier, Seance
from seances.selectors.emargement import seances_a_emarger_pour
from seances.selectors.seances import bilan_budget
from seances.selectors.travail import EtatConsigne, consignes_du_beneficiaire
from syntheses.models import Synthese
from syntheses.selectors import KIND as KIND_SYNTHESE
from syntheses.selectors import bilan_synthese_obtenir


def portail_accueil(*, beneficiaire: Beneficiaire) -> dict[str, Any]:
    """Everything the portal home needs, in one place: the current bilan, its hours, the next
    appointment and what is expected of the beneficiary now."""
    bilan = bilan_courant_obtenir(beneficiaire=beneficiaire)
    context: dict = {"bilan": bilan, "budget": None, "prochaine": None, "a_faire": []}
    if bilan is None:
        return context
    context["budget"] = bilan_budget(bilan=bilan)
    context["prochaine"] = (
        Seance.objects.filter(
            bilan=bilan, statut=Seance.Statut.PLANIFIEE, debut__gte=timezone.now()
        )
        .filter(~Q(type=TypeSeance.TRAVAIL_PERSONNEL))
        .order_by("debut")
        .first()
    )
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
    context["a_faire"] = a_faire
    return context


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
