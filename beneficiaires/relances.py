"""The dossier's reminders and alerts (outbox kinds owned by beneficiaires, registered at app
ready through ``relances.registre``): the tripartite convention's signature reminder, the CPF
entry and exit declarations, and the end of a self-funded contract's withdrawal period.

Also ``contexte_dossier``: the dossier keys every domain e-mail may show (first name, initial,
number, link), used by the kinds of the apps above.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from beneficiaires.financement import (
    convention_date_limite,
    cpf_echeance_declaration,
    retractation_fin,
)
from beneficiaires.models import Bilan, Financement, Notification, StatutBilan
from beneficiaires.selectors import convention_est_signee_par
from bilan.core.models import Organisation, SignatureRole
from relances.models import Relance
from relances.registre import TypeRelance, registre, toujours_pertinente
from relances.selectors import admins_emails_lister
from relances.services import relance_planifier

K = Relance.Kind
CONVENTION_RAPPEL_JOURS_AVANT = 3
CONVENTION_EN_ATTENTE = (StatutBilan.PREALABLE_REALISE, StatutBilan.ATTENTE)
CONVENTION_TRIPARTITE = (Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT)


# --- Context ------------------------------------------------------------------------------------


def contexte_dossier(*, relance: Relance) -> dict[str, object]:
    """Who and which dossier the row is about: the beneficiary's first name and initial, the
    number and the staff link. Never notes, objectives or content."""
    bilan = relance.bilan
    if bilan is None:
        return {"beneficiaire_initiale": "", "prenom": "", "numero": ""}
    beneficiaire = bilan.beneficiaire
    return {
        "beneficiaire_initiale": f"{beneficiaire.prenom} {beneficiaire.nom[:1]}.",
        "prenom": beneficiaire.prenom,
        "numero": bilan.numero,
        "dossier_url": settings.SITE_URL + f"/app/bilans/{bilan.public_id}/",
    }


def _contexte_simple(*, relance: Relance, apercu: bool) -> dict[str, object]:
    return contexte_dossier(relance=relance)


def _contexte_convention(*, relance: Relance, apercu: bool) -> dict[str, object]:
    contexte = contexte_dossier(relance=relance)
    bilan = relance.bilan
    if bilan is not None and bilan.convention_transmise_le:
        contexte["echeance"] = convention_date_limite(transmise_le=bilan.convention_transmise_le)
    return contexte


def _contexte_cpf(*, relance: Relance, apercu: bool) -> dict[str, object]:
    contexte = contexte_dossier(relance=relance)
    bilan = relance.bilan
    if bilan is not None:
        evenement = (
            bilan.date_debut_reelle
            if relance.kind == K.CPF_DECLARATION_ENTREE
            else bilan.date_fin_reelle
        )
        contexte["echeance"] = (
            cpf_echeance_declaration(evenement_le=evenement) if evenement else None
        )
    return contexte


# --- Still relevant at send time ----------------------------------------------------------------


def _bilan_de(relance: Relance) -> Bilan:
    # Every kind of this module is planned for a dossier.
    if relance.bilan is None:
        raise ValueError(f"relance {relance.pk} sans dossier")
    return relance.bilan


def _convention_pas_signee(*, relance: Relance, maintenant: dt.datetime) -> bool:
    bilan = _bilan_de(relance)
    return bilan.statut in CONVENTION_EN_ATTENTE and not convention_est_signee_par(
        bilan=bilan, role=SignatureRole.BENEFICIAIRE
    )


def _entree_pas_declaree(*, relance: Relance, maintenant: dt.datetime) -> bool:
    return _bilan_de(relance).cpf_entree_declaree_le is None


def _sortie_pas_declaree(*, relance: Relance, maintenant: dt.datetime) -> bool:
    return _bilan_de(relance).cpf_sortie_declaree_le is None


# --- Planning (called by the event's service, in its transaction) --------------------------------


def _alerte_cpf(*, bilan: Bilan, kind: str, evenement_le: dt.date | None) -> list[Relance]:
    """CPF: alert every admin that the event must be declared in EDOF (3 working days)."""
    if bilan.financement != Financement.CPF or evenement_le is None:
        return []
    echeance = cpf_echeance_declaration(evenement_le=evenement_le)
    if echeance < timezone.localdate():
        return []
    return [
        r
        for email in admins_emails_lister(organisation=bilan.organisation)
        if (
            r := relance_planifier(
                kind=kind,
                cle=f"{kind}:{bilan.public_id}:{email}",
                destinataire=email,
                due_le=timezone.now(),
                target_type="bilan",
                target_id=bilan.public_id,
                bilan=bilan,
            )
        )
    ]


def alerte_cpf_entree_planifier(*, bilan: Bilan) -> list[Relance]:
    """Bilan started, CPF: alert the admins that the entry must be declared in EDOF within 3
    working days (unless already declared)."""
    if bilan.cpf_entree_declaree_le is not None:
        return []
    return _alerte_cpf(
        bilan=bilan, kind=K.CPF_DECLARATION_ENTREE, evenement_le=bilan.date_debut_reelle
    )


def alerte_cpf_sortie_planifier(*, bilan: Bilan, fin: dt.date) -> list[Relance]:
    """Bilan closed on ``fin``, CPF: the same alert for the exit declaration."""
    if bilan.cpf_sortie_declaree_le is not None:
        return []
    return _alerte_cpf(bilan=bilan, kind=K.CPF_DECLARATION_SORTIE, evenement_le=fin)


def retractation_fin_planifier(*, bilan: Bilan, signe_le: dt.date) -> Relance | None:
    """Self-funded contract signed by the beneficiary: tell the consultant when the 10-day
    withdrawal period is over and payments may be asked for (L6353-5 and L6353-6)."""
    fin = retractation_fin(contrat_signe_le=signe_le) + dt.timedelta(days=1)
    due = timezone.make_aware(dt.datetime.combine(fin, dt.time(9, 0)))
    return relance_planifier(
        kind=K.RETRACTATION_FIN,
        cle=f"{K.RETRACTATION_FIN}:{bilan.public_id}",
        destinataire=bilan.consultant.email if bilan.consultant_id else "",
        due_le=due,
        target_type="bilan",
        target_id=bilan.public_id,
        bilan=bilan,
    )


# --- Daily sweep: what no event writes ---------------------------------------------------------


def bilans_balayer(*, organisation: Organisation, maintenant: dt.datetime) -> int:
    """Bound organisation: the tripartite convention's signature reminder when its 10-day limit
    is near (R6313-8), and the CPF declarations not yet made (catch-up for bilans started or
    closed without the event's hook). Idempotent by key."""
    aujourdhui = timezone.localdate(maintenant)
    faites = 0
    for bilan in Bilan.objects.filter(
        statut__in=CONVENTION_EN_ATTENTE,
        financement__in=CONVENTION_TRIPARTITE,
        convention_transmise_le__isnull=False,
    ).select_related("beneficiaire"):
        limite = convention_date_limite(transmise_le=bilan.convention_transmise_le)
        if not 0 <= (limite - aujourdhui).days <= CONVENTION_RAPPEL_JOURS_AVANT:
            continue
        if convention_est_signee_par(bilan=bilan, role=SignatureRole.BENEFICIAIRE):
            continue
        faites += (
            relance_planifier(
                kind=K.CONVENTION_SIGNATURE_RAPPEL,
                cle=f"{K.CONVENTION_SIGNATURE_RAPPEL}:{bilan.public_id}",
                destinataire=bilan.beneficiaire.email,
                due_le=maintenant,
                target_type="bilan",
                target_id=bilan.public_id,
                bilan=bilan,
            )
            is not None
        )

    for bilan in Bilan.objects.filter(
        financement=Financement.CPF, statut=StatutBilan.EN_COURS, cpf_entree_declaree_le=None
    ).select_related("organisation"):
        faites += len(alerte_cpf_entree_planifier(bilan=bilan))
    for bilan in Bilan.objects.filter(
        financement=Financement.CPF,
        statut=StatutBilan.CLOS,
        cpf_sortie_declaree_le=None,
        date_fin_reelle__isnull=False,
    ).select_related("organisation"):
        faites += len(alerte_cpf_sortie_planifier(bilan=bilan, fin=bilan.date_fin_reelle))
    return faites


def _contexte_notification(*, relance: Relance, apercu: bool) -> dict[str, object]:
    """The notice's subject and text (what happened and when, never content)."""
    contexte = contexte_dossier(relance=relance)
    notification = Notification.objects.filter(public_id=relance.target_id).first()
    if notification is None and apercu:
        notification = Notification.objects.order_by("-created_at").first()
    contexte["sujet"] = notification.get_sujet_display() if notification else ""
    contexte["texte"] = notification.texte if notification else ""
    if notification is not None and not contexte["prenom"]:
        contexte["prenom"] = notification.beneficiaire.prenom
    if notification is not None and notification.lien.startswith("/portail/"):
        # Straight to the page the notice is about (the document to sign, the séance...).
        contexte["portail_url"] = settings.SITE_URL + notification.lien
    return contexte


registre.register(
    TypeRelance(
        kind=K.NOTIFICATION_BENEFICIAIRE,
        template="notification-beneficiaire",
        contexte=_contexte_notification,
        pertinente=toujours_pertinente,
    ),
    TypeRelance(
        kind=K.CONVENTION_SIGNATURE_RAPPEL,
        template="convention-signature-rappel",
        contexte=_contexte_convention,
        pertinente=_convention_pas_signee,
    ),
    TypeRelance(
        kind=K.CPF_DECLARATION_ENTREE,
        template="cpf-declaration-entree",
        contexte=_contexte_cpf,
        pertinente=_entree_pas_declaree,
    ),
    TypeRelance(
        kind=K.CPF_DECLARATION_SORTIE,
        template="cpf-declaration-sortie",
        contexte=_contexte_cpf,
        pertinente=_sortie_pas_declaree,
    ),
    TypeRelance(
        kind=K.RETRACTATION_FIN,
        template="retractation-fin",
        contexte=_contexte_simple,
        pertinente=toujours_pertinente,
    ),
)
registre.register_balayage(bilans_balayer)
