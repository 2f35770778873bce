"""The dossier's document kinds (convention, tripartite convention, contract), declared to the
signed-documents engine (``bilan.core.signatures``), which imports this module at start-up."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.conventions import TypeDocument
from beneficiaires.cycle import TERMINAUX
from beneficiaires.financement import convention_date_limite, convention_refusee_par_silence
from beneficiaires.models import Beneficiaire, Bilan, Notification, StatutBilan
from beneficiaires.relances import retractation_fin_planifier
from beneficiaires.selectors import convention_est_signee_par
from beneficiaires.services.bilans import bilan_refuser
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.formatting import date_fr
from bilan.core.models import Signature, SignatureRole, SignedDocument
from bilan.core.signatures import document_kinds


def _bilan(document: SignedDocument) -> Bilan | None:
    return Bilan.objects.filter(public_id=document.subject_id).first()


def document_du_bilan_verifier(*, document: SignedDocument, role: SignatureRole) -> None:
    """A dossier document is no longer signed once its bilan has ended (refused, abandoned,
    withdrawn, closed): the signature would bind nobody."""
    bilan = _bilan(document)
    if bilan is not None and bilan.statut in TERMINAUX:
        raise ValidationError(
            _(
                "Le bilan est terminé (%(statut)s) : ce document ne peut plus être signé. "
                "Pour une nouvelle démarche, l'organisme ouvre un nouveau dossier."
            )
            % {"statut": bilan.get_statut_display().lower()}
        )


def convention_tripartite_verifier(*, document: SignedDocument, role: SignatureRole) -> None:
    """R6313-8 (rule 8): once the employee's 10 days from the transmission are over
    (``convention_date_limite``) without their signature, their silence is a refusal. Any
    signature is then refused here, in the signing path, and the bilan is refused at once
    (recorded in the caller's transaction, kept although the signature is not), instead of
    waiting for the nightly job (``bilans_refuser_conventions_expirees``)."""
    document_du_bilan_verifier(document=document, role=role)
    bilan = _bilan(document)
    if bilan is None or bilan.convention_transmise_le is None:
        return
    aujourdhui = timezone.localdate()
    if not convention_refusee_par_silence(
        transmise_le=bilan.convention_transmise_le,
        signee=convention_est_signee_par(bilan=bilan, role=SignatureRole.BENEFICIAIRE),
        aujourdhui=aujourdhui,
    ):
        return
    limite = convention_date_limite(transmise_le=bilan.convention_transmise_le)
    if bilan.statut in {
        StatutBilan.DEMANDE,
        StatutBilan.PREALABLE_REALISE,
        StatutBilan.ATTENTE,
    }:
        bilan_refuser(
            bilan=bilan,
            motif=_(
                "Convention transmise le %(transmise)s, non signée par le ou la salarié·e au "
                "%(limite)s : son silence vaut refus (R6313-8)."
            )
            % {
                "transmise": date_fr(jour=bilan.convention_transmise_le),
                "limite": date_fr(jour=limite),
            },
            par=None,
        )
    raise ValidationError(
        _(
            "Le délai de signature de la convention a pris fin le %(limite)s (10 jours après "
            "sa transmission du %(transmise)s, R6313-8) : la signature n'est pas enregistrée "
            "et le bilan est refusé. Pour reprendre la démarche, l'organisme doit ouvrir un "
            "nouveau dossier et transmettre une nouvelle convention."
        )
        % {
            "limite": date_fr(jour=limite),
            "transmise": date_fr(jour=bilan.convention_transmise_le),
        }
    )


def contrat_apres_signature(*, document: SignedDocument, signature: Signature) -> None:
    """The beneficiary signed a self-funded contract: the 10-day withdrawal period starts,
    and the consultant is told when it is over (L6353-5 and L6353-6)."""
    if signature.role != SignatureRole.BENEFICIAIRE:
        return
    bilan = _bilan(document)
    if bilan is not None:
        retractation_fin_planifier(
            bilan=bilan, signe_le=timezone.localtime(signature.signed_at).date()
        )


def document_a_signer_notifier(*, document: SignedDocument) -> None:
    """A document awaits the beneficiary's signature (any kind): they are notified once per
    issued version, with the document's title (never content) and the page where it is
    signed."""
    if document.beneficiaire_id is None:
        return
    beneficiaire = Beneficiaire.objects.get(
        organisation_id=document.organisation_id, pk=document.beneficiaire_id
    )
    page = document_kinds.page_signature(document.kind)
    notification_envoyer(
        beneficiaire=beneficiaire,
        bilan=Bilan.objects.filter(
            organisation_id=document.organisation_id, public_id=document.subject_id
        ).first(),
        sujet=Notification.Sujet.DOCUMENT_A_SIGNER,
        texte=_("Un document attend votre signature : « %(titre)s ».") % {"titre": document.title},
        lien=reverse(page.url_name if page is not None else "portail:documents"),
        cle=f"document_a_signer:{document.public_id}",
    )


document_kinds.register_attente_beneficiaire(document_a_signer_notifier)
document_kinds.register(TypeDocument.CONVENTION, before_signature=document_du_bilan_verifier)
# Its transmission to the employee is the legal act that tells them, with the deadline
# (R6313-8): ``convention_transmettre`` notifies then, not the issuance.
document_kinds.register(
    TypeDocument.CONVENTION_TRIPARTITE,
    before_signature=convention_tripartite_verifier,
    annonce_a_l_emission=False,
)
document_kinds.register(
    TypeDocument.CONTRAT,
    after_signature=contrat_apres_signature,
    before_signature=document_du_bilan_verifier,
)
