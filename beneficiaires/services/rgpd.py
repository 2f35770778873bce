"""The beneficiary's rights over their data (RGPD): access and portability, consents,
erasure request. The law on retention (R6313-7) decides what erasure can remove and when."""

from __future__ import annotations

import io
import json
import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Beneficiaire, Consentement, DemandeSuppression
from bilan.core.emails import send_templated_email_on_commit
from bilan.core.models import Membership, Role, SignedDocument, User

# The consents a beneficiary manages alone in the portal; consenting to the bilan itself is
# given and withdrawn with the consultant (withdrawing ends the bilan).
CONSENTEMENTS_PORTAIL = [
    Consentement.Type.ACCESSIBILITE,
    Consentement.Type.SYNTHESE_CEP,
    Consentement.Type.SYNTHESE_TIERS,
    Consentement.Type.CONSERVATION_SUIVI,
]


def donnees(beneficiaire: Beneficiaire) -> dict:
    """Everything stored about the beneficiary that is theirs to read, as plain data."""
    from seances.models import Consigne, Seance

    def date(value):
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


def archive(beneficiaire: Beneficiaire) -> bytes:
    """A zip: donnees.json and the documents that are the beneficiary's (their dossier files,
    their signed documents, the files they submitted)."""
    from seances.models import RenduFichier

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("donnees.json", json.dumps(donnees(beneficiaire), ensure_ascii=False, indent=2))
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


@transaction.atomic
def suppression_demander(
    *, beneficiaire: Beneficiaire, message: str, par: User
) -> DemandeSuppression:
    """Record an erasure request and tell the organisation's admins (after commit)."""
    if DemandeSuppression.objects.filter(
        beneficiaire=beneficiaire, traitee_le__isnull=True
    ).exists():
        raise ValidationError(_("Une demande est déjà en cours de traitement."))
    demande = DemandeSuppression.objects.create(
        organisation=beneficiaire.organisation,
        beneficiaire=beneficiaire,
        message=message.strip(),
        par=par,
    )
    admins = Membership.objects.filter(
        organisation=beneficiaire.organisation, role=Role.ADMIN, is_active=True
    ).select_related("user")
    for membership in admins:
        send_templated_email_on_commit(
            template="demande-suppression",
            to=membership.user.email,
            context={"organisation": beneficiaire.organisation},
        )
    return demande


@transaction.atomic
def consentement_portail_accorder(
    *, beneficiaire: Beneficiaire, type: str, destinataire: str, par: User
) -> Consentement:
    from beneficiaires.services.bilans import consentement_accorder

    if type not in CONSENTEMENTS_PORTAIL:
        raise ValidationError({"type": _("Ce consentement se donne avec votre consultant·e.")})
    return consentement_accorder(
        beneficiaire=beneficiaire,
        type=type,
        methode=Consentement.Methode.PORTAIL,
        par=par,
        destinataire=destinataire,
    )
