"""Writes for the beneficiary's consents (L6313-4, RGPD art. 9, R6313-7).

Rule 10 (domain.md §8): the synthèse leaves the organisation (to the CEP operator, at the
beneficiary's explicit request, or to a named third party) only under a **written, dated
consent specific to its recipient**, revocable. Written means one of two things:

- signed by the beneficiary in the portal (``consentement_transmission_signer``): an
  authenticated action confirming a statement that names the recipient, stored with its time,
  IP address and user agent, like the other signatures (``bilan.core.audit.ClientInfo``);
- a signed paper form the staff uploads (``consentement_transmission_deposer``): stored as an
  administrative ``Document`` of the dossier, the consent pointing to it.

An oral consent ("entretien") to a transmission is refused here and by the database
(``consentement_transmission_ecrite``). Revoking a consent runs the other apps' consequences
(``beneficiaires.consentements``: the shares made under it end).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.consentements import apres_revocation
from beneficiaires.cycle import TERMINAUX
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    CauseAbandon,
    Consentement,
    Document,
    Notification,
)
from beneficiaires.services.beneficiaires import document_deposer
from beneficiaires.services.bilans import bilan_abandonner
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.audit import ClientInfo
from bilan.core.formatting import date_fr
from bilan.core.models import User


def _destinataire(destinataire: str) -> str:
    return " ".join((destinataire or "").split())


def consentement_declaration(*, beneficiaire: Beneficiaire, type: str, destinataire: str) -> str:
    """The statement the beneficiary signs for a transmission: it names the recipient."""
    organisme = beneficiaire.organisation.raison_sociale
    destinataire = _destinataire(destinataire)
    if type == Consentement.Type.SYNTHESE_CEP:
        texte = _(
            "Je demande à %(organisme)s de transmettre mon document de synthèse à l'opérateur "
            "du conseil en évolution professionnelle « %(destinataire)s », et à lui seul."
        )
    else:
        texte = _(
            "J'autorise %(organisme)s à transmettre mon document de synthèse à "
            "« %(destinataire)s », et à lui seul."
        )
    return (
        texte % {"organisme": organisme, "destinataire": destinataire}
        + " "
        + _("Je sais que je peux retirer cet accord à tout moment.")
    )


def _verifier_transmission(
    *,
    type: str,
    methode: str,
    destinataire: str,
    declaration: str = "",
    document: Document | None = None,
) -> None:
    if type not in Consentement.Type.transmissions():
        return
    if methode not in Consentement.Methode.ecrites():
        raise ValidationError(
            {
                "methode": _(
                    "La transmission de la synthèse exige un accord écrit de la personne : "
                    "signé dans son portail, ou formulaire signé déposé ici (L6313-4)."
                )
            }
        )
    if not destinataire:
        raise ValidationError(
            {
                "destinataire": _(
                    "Indiquez le ou la destinataire : l'accord vaut pour lui ou elle seul·e."
                )
            }
        )
    if methode == Consentement.Methode.PAPIER and document is None:
        raise ValidationError(
            {"fichier": _("Déposez le formulaire d'accord signé par la personne.")}
        )
    if methode == Consentement.Methode.PORTAIL and not declaration:
        raise ValidationError(_("Cet accord se signe par la personne elle-même, dans son portail."))


@transaction.atomic
def consentement_accorder(
    *,
    beneficiaire: Beneficiaire,
    type: str,
    methode: str,
    par: User | None,
    destinataire: str = "",
    declaration: str = "",
    client: ClientInfo | None = None,
    document: Document | None = None,
) -> Consentement:
    """Record a consent (dated, with how it was given). One active consent per object and
    recipient. A transmission of the synthèse needs a written method and a named recipient
    (rule 10); use ``consentement_transmission_signer`` / ``_deposer``, which add the
    evidence."""
    destinataire = _destinataire(destinataire)
    _verifier_transmission(
        type=type,
        methode=methode,
        destinataire=destinataire,
        declaration=declaration,
        document=document,
    )
    if Consentement.objects.filter(
        beneficiaire=beneficiaire, type=type, destinataire=destinataire, revoque_le__isnull=True
    ).exists():
        raise ValidationError(_("Ce consentement est déjà enregistré et actif."))
    return Consentement.objects.create(
        organisation=beneficiaire.organisation,
        beneficiaire=beneficiaire,
        type=type,
        methode=methode,
        destinataire=destinataire,
        accorde_le=timezone.now(),
        recueilli_par=par,
        declaration=declaration,
        preuve_ip=(client.ip or None) if client else None,
        preuve_user_agent=(client.user_agent or "")[:300] if client else "",
        document=document,
    )


@transaction.atomic
def consentement_transmission_signer(
    *,
    beneficiaire: Beneficiaire,
    type: str,
    destinataire: str,
    accord: bool,
    par: User,
    client: ClientInfo,
) -> Consentement:
    """The beneficiary signs, in the portal, a consent to transmit the synthèse to one named
    recipient: the statement naming the recipient is stored with the time, IP and user agent.
    Refused (nothing written) without the explicit confirmation or the recipient."""
    destinataire = _destinataire(destinataire)
    if type not in Consentement.Type.transmissions():
        raise ValidationError({"type": _("Choisissez une transmission de la synthèse.")})
    if not destinataire:
        raise ValidationError(
            {"destinataire": _("Indiquez à qui la synthèse peut être transmise.")}
        )
    if not accord:
        raise ValidationError(
            {"accord": _("Cochez la case pour signer votre accord à cette transmission.")}
        )
    return consentement_accorder(
        beneficiaire=beneficiaire,
        type=type,
        methode=Consentement.Methode.PORTAIL,
        par=par,
        destinataire=destinataire,
        declaration=consentement_declaration(
            beneficiaire=beneficiaire, type=type, destinataire=destinataire
        ),
        client=client,
    )


@transaction.atomic
def consentement_transmission_deposer(
    *,
    beneficiaire: Beneficiaire,
    type: str,
    destinataire: str,
    fichier: UploadedFile,
    type_mime: str,
    par: User,
) -> Consentement:
    """The staff uploads the consent form the beneficiary signed on paper: kept as an
    administrative piece of the dossier (it holds no bilan content), the consent pointing to it.
    """
    destinataire = _destinataire(destinataire)
    if type not in Consentement.Type.transmissions():
        raise ValidationError({"type": _("Choisissez une transmission de la synthèse.")})
    if not destinataire:
        raise ValidationError(
            {"destinataire": _("Indiquez à qui la synthèse peut être transmise.")}
        )
    document = document_deposer(
        beneficiaire=beneficiaire,
        titre=(_("Accord signé de transmission de la synthèse à %(d)s") % {"d": destinataire})[
            :200
        ],
        fichier=fichier,
        type_mime=type_mime,
        par=par,
        categorie=Document.Categorie.ADMINISTRATIF,
    )
    return consentement_accorder(
        beneficiaire=beneficiaire,
        type=type,
        methode=Consentement.Methode.PAPIER,
        par=par,
        destinataire=destinataire,
        document=document,
    )


@transaction.atomic
def consentement_revoquer(*, consentement: Consentement, par: User | None = None) -> Consentement:
    """Revoke a consent. Revoking the accessibility consent erases the data it covered; the
    other apps' registered consequences run too (``beneficiaires.consentements``: a revoked
    transmission consent ends its shares)."""
    if consentement.revoque_le is not None:
        return consentement
    consentement.revoque_le = timezone.now()
    consentement.save(update_fields=["revoque_le", "updated_at"])
    if consentement.type == Consentement.Type.ACCESSIBILITE:
        Beneficiaire.objects.filter(pk=consentement.beneficiaire_id).update(
            besoins_accessibilite=""
        )
    if consentement.type == Consentement.Type.PARTICIPATION:
        _bilans_arreter_sans_consentement(consentement=consentement, par=par)
    apres_revocation.executer(consentement=consentement)
    return consentement


def _bilans_arreter_sans_consentement(*, consentement: Consentement, par: User | None) -> None:
    """Rule 7 (L6313-4): without the participation consent no bilan goes on. Every open
    bilan of the person ends through the abandonment path, the withdrawal as its recorded
    reason and ``par`` (the person, or the staff member who recorded it) as its author; the
    person is told once, in the portal and by e-mail through the outbox (no content)."""
    beneficiaire = consentement.beneficiaire
    revoque = timezone.localtime(consentement.revoque_le).date()
    motif = _(
        "Retrait du consentement au bilan par la personne le %(date)s (L6313-4) : le bilan "
        "ne peut pas se poursuivre."
    ) % {"date": date_fr(jour=revoque)}
    arretes = [
        bilan_abandonner(bilan=bilan, cause=CauseAbandon.RETRAIT_CONSENTEMENT, motif=motif, par=par)
        for bilan in Bilan.objects.filter(beneficiaire=beneficiaire).exclude(statut__in=TERMINAUX)
    ]
    if arretes:
        notification_envoyer(
            beneficiaire=beneficiaire,
            bilan=arretes[0],
            sujet=Notification.Sujet.BILAN_ARRETE,
            texte=_(
                "Vous avez retiré le %(date)s votre consentement au bilan de compétences : comme "
                "la loi le prévoit, votre bilan s'arrête et aucune nouvelle séance n'aura lieu. "
                "Contactez-nous si vous souhaitez reprendre la démarche plus tard."
            )
            % {"date": date_fr(jour=revoque)},
            lien=reverse("portail:home"),
            cle=f"consentement_retrait:{consentement.public_id}",
        )
