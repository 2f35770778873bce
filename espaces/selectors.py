"""Reads that gather several apps for one page: the portal home and the beneficiary's own data
(RGPD access and portability)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

from django.db.models import Q
from django.utils import timezone

from beneficiaires.models import Beneficiaire, Bilan, TypeSeance
from beneficiaires.selectors import bilan_courant_obtenir, documents_a_signer_lister
from bilan.core.models import SignedDocument
from seances.models import Consigne, RenduFichier, Seance
from seances.selectors.emargement import seances_a_emarger_pour
from seances.selectors.seances import bilan_budget
from seances.selectors.travail import EtatConsigne, consignes_du_beneficiaire
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
