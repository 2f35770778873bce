"""Writes of the outbox: planning rows from events, the dispatcher, and sending one row.

Exactly once, with several workers, redeliveries, crashes and duplicate beat ticks:

1. **Planning** is an upsert on ``(organisation, cle_unique)``: the same event never makes two
   rows; a moved event moves the pending row's ``due_le``; a cancelled one cancels it. Always in
   the caller's transaction (the hooks run inside the event's service).
2. **Claiming** (``relances_dispatcher``): per organisation, ``SELECT … FOR UPDATE SKIP LOCKED``
   on due rows, then ``statut = en_cours, reclamee_le = maintenant`` in the same transaction, so
   two dispatchers never claim the same row. Rows stuck ``en_cours`` longer than
   ``RECLAMER_APRES`` (a worker killed mid-task, a lost message) are claimed again.
3. **Handing over** happens after the commit (``on_commit``): one Celery task per row. When the
   broker is down, the rows not handed over go back to ``a_envoyer`` and wait for the next tick;
   the web app never notices.
4. **Sending** (``relance_envoyer``, in the task, organisation bound): the row is locked and must
   still be ``en_cours``; it is re-checked against the world (séance still planned, survey not
   answered…), sent, and marked ``envoyee`` in the same transaction. A redelivered or duplicate
   task finds ``envoyee`` (or a row back to ``a_envoyer``) and does nothing.

The one window no database can close: a worker killed after the mail server accepted the message
and before the COMMIT. The row is then reclaimed and sent a second time (at least once there).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import zoneinfo
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Bilan, Financement, StatutBilan
from bilan.core.dates import ajouter_mois
from bilan.core.emails import render_templated_email, send_rendered_email
from bilan.core.models import Membership, Organisation, Role
from bilan.core.tenancy import get_active_organisation, tenant_context
from relances.models import Relance

logger = logging.getLogger(__name__)

K = Relance.Kind
S = Relance.Statut
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HEURE_ENVOI = dt.time(10, 0)

RECLAMER_APRES = dt.timedelta(minutes=15)  # > the send task's hard time limit (2 min) + retries
MAX_TENTATIVES = 5
QUALIOPI_ALERTE_MOIS = 6
CONVENTION_RAPPEL_JOURS_AVANT = 3

SEANCE_KINDS = (K.RAPPEL_SEANCE_BENEFICIAIRE, K.RAPPEL_SEANCE_CONSULTANT)


class ErreurReseau(ConnectionError):
    """The mail server could not be reached: the task retries with backoff."""


# Errors worth a retry: the network or the mail server, not our data or templates.
ERREURS_RESEAU = (ConnectionError, TimeoutError, smtplib.SMTPException, OSError)


def _broker_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, OSError]
    try:
        from kombu.exceptions import OperationalError

        errors.append(OperationalError)
    except ImportError:  # pragma: no cover
        pass
    try:
        import redis.exceptions

        errors.append(redis.exceptions.RedisError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


# --- Planning ---------------------------------------------------------------------------------


def _organisation() -> Organisation:
    organisation = get_active_organisation()
    if organisation is None:
        raise RuntimeError("Les relances s'écrivent avec un organisme lié (tenant_context).")
    return organisation


def relance_planifier(
    *,
    kind: str,
    cle: str,
    destinataire: str,
    due_le: dt.datetime,
    target_type: str,
    target_id,
    bilan: Bilan | None = None,
    seance=None,
    rearmer: bool = False,
) -> Relance | None:
    """Write (or re-plan) one outbox row, keyed by ``cle`` within the bound organisation.

    A pending or cancelled row takes the new due time and recipient; a row already sent is
    left alone unless ``rearmer`` (an event moved after its reminder went out) and the new due
    time is still ahead. Returns None when there is nobody to write to.
    """
    if not destinataire:
        return None
    organisation = _organisation()
    valeurs = {
        "kind": kind,
        "destinataire": destinataire,
        "due_le": due_le,
        "target_type": target_type,
        "target_id": target_id,
        "bilan": bilan,
        "seance": seance,
    }
    relance = Relance.objects.select_for_update().filter(cle_unique=cle).first()
    if relance is None:
        try:
            with transaction.atomic():
                return Relance.objects.create(
                    organisation=organisation, cle_unique=cle, statut=S.A_ENVOYER, **valeurs
                )
        except IntegrityError:
            # A concurrent transaction wrote the same key first: re-plan that row instead.
            relance = Relance.objects.select_for_update().get(cle_unique=cle)
    if relance.statut in (S.A_ENVOYER, S.ANNULEE) or (
        rearmer and relance.statut in (S.ENVOYEE, S.ECHEC) and due_le > timezone.now()
    ):
        for champ, valeur in valeurs.items():
            setattr(relance, champ, valeur)
        relance.statut = S.A_ENVOYER
        relance.reclamee_le = None
        relance.save()
    return relance


def relance_annuler(*, cle: str) -> int:
    """Cancel the pending row ``cle`` (nothing happens to a row already sent)."""
    return Relance.objects.filter(cle_unique=cle, statut=S.A_ENVOYER).update(
        statut=S.ANNULEE, updated_at=timezone.now()
    )


def relance_reessayer(*, relance: Relance) -> Relance:
    """An admin sends a failed row again: back to the queue, due now."""
    from django.core.exceptions import ValidationError

    relance = Relance.objects.select_for_update().get(pk=relance.pk)
    if relance.statut != S.ECHEC:
        raise ValidationError(_("Seule une relance en échec peut être renvoyée."))
    relance.statut = S.A_ENVOYER
    relance.tentatives = 0
    relance.due_le = timezone.now()
    relance.reclamee_le = None
    relance.save()
    return relance


def _a_paris(jour: dt.date, heure: dt.time = HEURE_ENVOI) -> dt.datetime:
    return dt.datetime.combine(jour, heure, tzinfo=PARIS)


def _admins(organisation: Organisation) -> list[str]:
    return list(
        Membership.objects.filter(
            organisation=organisation, role=Role.ADMIN, is_active=True, user__is_active=True
        )
        .order_by("pk")
        .values_list("user__email", flat=True)
    )


# --- Hooks: called inside the event's own service (same transaction) -----------------------


def relances_seance_planifiee(*, seance, rearmer: bool = False) -> list[Relance]:
    """Séance reminders (organisation.rappel_seance_heures before), to the beneficiary and the
    consultant; also re-plans them when the séance moves."""
    if seance.statut != "planifiee":
        relances_seance_annulee(seance=seance)
        return []
    organisation = _organisation()
    due = seance.debut - dt.timedelta(hours=organisation.rappel_seance_heures)
    bilan = seance.bilan
    destinataires = {
        K.RAPPEL_SEANCE_BENEFICIAIRE: bilan.beneficiaire.email,
        K.RAPPEL_SEANCE_CONSULTANT: seance.consultant.email if seance.consultant else "",
    }
    faites = []
    for kind, email in destinataires.items():
        relance = relance_planifier(
            kind=kind,
            cle=f"{kind}:{seance.public_id}",
            destinataire=email,
            due_le=due,
            target_type="seance",
            target_id=seance.public_id,
            bilan=bilan,
            seance=seance,
            rearmer=rearmer,
        )
        if relance is not None:
            faites.append(relance)
    return faites


def relances_seance_deplacee(*, seance) -> list[Relance]:
    return relances_seance_planifiee(seance=seance, rearmer=True)


def relances_seance_annulee(*, seance) -> int:
    return sum(relance_annuler(cle=f"{kind}:{seance.public_id}") for kind in SEANCE_KINDS)


def _cpf_alerte(*, bilan: Bilan, kind: str, evenement_le: dt.date) -> list[Relance]:
    from beneficiaires.financement import cpf_echeance_declaration

    if bilan.financement != Financement.CPF or evenement_le is None:
        return []
    echeance = cpf_echeance_declaration(evenement_le=evenement_le)
    if echeance < timezone.localdate():
        return []
    return [
        r
        for email in _admins(bilan.organisation)
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


def relances_bilan_demarre(*, bilan: Bilan) -> list[Relance]:
    """CPF: alert the admins that the entry must be declared in EDOF within 3 working days."""
    if bilan.cpf_entree_declaree_le is not None:
        return []
    return _cpf_alerte(
        bilan=bilan, kind=K.CPF_DECLARATION_ENTREE, evenement_le=bilan.date_debut_reelle
    )


def relances_bilan_clos(*, bilan: Bilan) -> list[Relance]:
    """At closure: satisfaction à chaud now (+ one reminder), à froid at closure + N months
    (+ one reminder), the follow-up invitation at closure + suivi_delai_mois, and for CPF the
    exit declaration alert."""
    from enquetes.models import KindEnquete
    from enquetes.services import enquete_preparer, parametres_enquete

    organisation = _organisation()
    fin = bilan.date_fin_reelle or timezone.localdate()
    parametres = parametres_enquete(organisation=organisation)
    maintenant = timezone.now()
    email = bilan.beneficiaire.email
    froid_le = _a_paris(ajouter_mois(fin, parametres.froid_delai_mois))
    rappel = dt.timedelta(days=parametres.rappel_jours)
    plan = [
        (K.ENQUETE_CHAUD, maintenant, KindEnquete.CHAUD),
        (K.ENQUETE_CHAUD_RAPPEL, maintenant + rappel, KindEnquete.CHAUD),
        (K.ENQUETE_FROID, froid_le, KindEnquete.FROID),
        (K.ENQUETE_FROID_RAPPEL, froid_le + rappel, KindEnquete.FROID),
    ]
    faites = []
    reponses = {k: enquete_preparer(bilan=bilan, kind=k) for k in KindEnquete.values}
    for kind, due, enquete in plan:
        reponse = reponses[enquete]
        if reponse.repondu_le is not None:
            continue
        faites.append(
            relance_planifier(
                kind=kind,
                cle=f"{kind}:{bilan.public_id}",
                destinataire=email,
                due_le=due,
                target_type="reponse",
                target_id=reponse.public_id,
                bilan=bilan,
            )
        )
    faites.append(
        relance_planifier(
            kind=K.SUIVI_INVITATION,
            cle=f"{K.SUIVI_INVITATION}:{bilan.public_id}",
            destinataire=email,
            due_le=_a_paris(ajouter_mois(fin, organisation.suivi_delai_mois)),
            target_type="bilan",
            target_id=bilan.public_id,
            bilan=bilan,
        )
    )
    if bilan.cpf_sortie_declaree_le is None:
        faites += _cpf_alerte(bilan=bilan, kind=K.CPF_DECLARATION_SORTIE, evenement_le=fin)
    return [r for r in faites if r is not None]


def relances_suivi_planifie(*, suivi) -> Relance | None:
    """Remind the consultant of the follow-up interview (rappel_seance_heures before)."""
    organisation = _organisation()
    return relance_planifier(
        kind=K.SUIVI_RAPPEL_CONSULTANT,
        cle=f"{K.SUIVI_RAPPEL_CONSULTANT}:{suivi.public_id}",
        destinataire=suivi.consultant.email,
        due_le=suivi.date_prevue - dt.timedelta(hours=organisation.rappel_seance_heures),
        target_type="suivi",
        target_id=suivi.public_id,
        bilan=suivi.bilan,
        rearmer=True,
    )


# --- Daily sweep: what no event writes ------------------------------------------------------


def _semaine(jour: dt.date) -> str:
    annee, semaine, _jour = jour.isocalendar()
    return f"{annee}-W{semaine:02d}"


def relances_balayage(*, organisation: Organisation, maintenant: dt.datetime) -> int:
    """Plan the rows that depend on the calendar rather than on an event (bound organisation):
    convention signature reminder, CPF declarations (catch-up), Qualiopi expiry (once a month),
    dropout risk (once a week per bilan). Idempotent: keys make a second run a no-op."""
    from beneficiaires.financement import convention_date_limite
    from beneficiaires.services.conventions import convention_signee_par
    from seances.models import Seance

    aujourdhui = timezone.localdate(maintenant)
    faites = 0

    # Tripartite convention not signed by the employee, the 10-day limit is near (R6313-8).
    for bilan in Bilan.objects.filter(
        statut__in=[StatutBilan.PREALABLE_REALISE, StatutBilan.ATTENTE],
        financement__in=[Financement.PLAN_EMPLOYEUR, Financement.CONGE_RECLASSEMENT],
        convention_transmise_le__isnull=False,
    ).select_related("beneficiaire"):
        limite = convention_date_limite(transmise_le=bilan.convention_transmise_le)
        if not 0 <= (limite - aujourdhui).days <= CONVENTION_RAPPEL_JOURS_AVANT:
            continue
        if convention_signee_par(bilan, "beneficiaire"):
            continue
        faites += bool(
            relance_planifier(
                kind=K.CONVENTION_SIGNATURE_RAPPEL,
                cle=f"{K.CONVENTION_SIGNATURE_RAPPEL}:{bilan.public_id}",
                destinataire=bilan.beneficiaire.email,
                due_le=maintenant,
                target_type="bilan",
                target_id=bilan.public_id,
                bilan=bilan,
            )
        )

    # CPF declarations not yet made (catch-up for bilans started or closed without the hook).
    for bilan in Bilan.objects.filter(
        financement=Financement.CPF, statut=StatutBilan.EN_COURS, cpf_entree_declaree_le=None
    ).select_related("organisation"):
        faites += len(relances_bilan_demarre(bilan=bilan))
    for bilan in Bilan.objects.filter(
        financement=Financement.CPF,
        statut=StatutBilan.CLOS,
        cpf_sortie_declaree_le=None,
        date_fin_reelle__isnull=False,
    ).select_related("organisation"):
        faites += len(
            _cpf_alerte(
                bilan=bilan, kind=K.CPF_DECLARATION_SORTIE, evenement_le=bilan.date_fin_reelle
            )
        )

    # Qualiopi certificate expiring within 6 months: one alert per admin and per month.
    expiration = organisation.qualiopi_date_expiration
    if expiration and aujourdhui <= expiration <= ajouter_mois(aujourdhui, QUALIOPI_ALERTE_MOIS):
        for email in _admins(organisation):
            faites += bool(
                relance_planifier(
                    kind=K.QUALIOPI_EXPIRATION,
                    cle=f"{K.QUALIOPI_EXPIRATION}:{aujourdhui:%Y-%m}:{email}",
                    destinataire=email,
                    due_le=maintenant,
                    target_type="organisation",
                    target_id=organisation.public_id,
                )
            )

    # Dropout risk: an open bilan with no séance for N weeks and none planned ahead.
    seuil = maintenant - dt.timedelta(weeks=organisation.abandon_alerte_semaines)
    actifs = ("planifiee", "realisee")
    for bilan in (
        Bilan.objects.filter(statut=StatutBilan.EN_COURS)
        .annotate(
            derniere=Max("seances__debut", filter=Q(seances__statut__in=actifs)),
        )
        .select_related("consultant")
    ):
        derniere = bilan.derniere
        if derniere is None and bilan.date_debut_reelle:
            derniere = _a_paris(bilan.date_debut_reelle, dt.time(0, 0))
        if derniere is None or derniere > seuil:
            continue
        if Seance.objects.filter(bilan=bilan, statut="planifiee", debut__gt=maintenant).exists():
            continue
        faites += bool(
            relance_planifier(
                kind=K.ABANDON_RISQUE,
                cle=f"{K.ABANDON_RISQUE}:{bilan.public_id}:{_semaine(aujourdhui)}",
                destinataire=bilan.consultant.email,
                due_le=maintenant,
                target_type="bilan",
                target_id=bilan.public_id,
                bilan=bilan,
            )
        )
    return faites


# --- Dispatcher ---------------------------------------------------------------------------


def _reclamer(*, organisation: Organisation, maintenant: dt.datetime, lot: int) -> list[int]:
    """Claim up to ``lot`` due rows of the bound organisation (same transaction as the caller):
    due and pending, or stuck ``en_cours`` since before ``maintenant - RECLAMER_APRES``."""
    dues = Q(statut=S.A_ENVOYER, due_le__lte=maintenant) | Q(
        statut=S.EN_COURS, reclamee_le__lt=maintenant - RECLAMER_APRES
    )
    ids = list(
        Relance.objects.filter(dues)
        .order_by("due_le", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:lot]
    )
    if ids:
        Relance.objects.filter(pk__in=ids).update(
            statut=S.EN_COURS, reclamee_le=maintenant, updated_at=timezone.now()
        )
    return ids


def _liberer(*, organisation_id: int, ids: list[int], maintenant: dt.datetime) -> None:
    """Rows claimed but never handed to the broker go back to the queue."""
    organisation = Organisation.objects.get(pk=organisation_id)
    with tenant_context(organisation):
        Relance.objects.filter(pk__in=ids, statut=S.EN_COURS, reclamee_le=maintenant).update(
            statut=S.A_ENVOYER, reclamee_le=None, updated_at=timezone.now()
        )


def _publier(organisation_id: int, ids: list[int], maintenant: dt.datetime) -> None:
    """After the claim commits: one task per row (``delay_on_commit`` semantics). If the broker
    is unreachable, what was not handed over is released and waits for the next tick."""
    from relances.tasks import envoyer_relance

    for index, relance_id in enumerate(ids):
        try:
            envoyer_relance.delay(organisation_id, relance_id)
        except _broker_errors() as exc:
            logger.warning(
                "Courtier injoignable, %d relance(s) attendront le prochain passage : %s",
                len(ids) - index,
                exc.__class__.__name__,
            )
            _liberer(organisation_id=organisation_id, ids=ids[index:], maintenant=maintenant)
            return


def relances_dispatcher(
    *, maintenant: dt.datetime | None = None, lot: int = 100, max_tours: int = 1000
) -> int:
    """Claim every due row, organisation by organisation, ``lot`` at a time (each batch its own
    short transaction), and hand each to ``envoyer_relance`` once that batch has committed.
    Returns the number of rows claimed. Safe to run twice at once (beat twice, two workers)."""
    from bilan.core.tenancy import for_each_organisation

    maintenant = maintenant or timezone.now()
    total = 0
    for _tour in range(max_tours):

        def job(organisation: Organisation) -> int:
            ids = _reclamer(organisation=organisation, maintenant=maintenant, lot=lot)
            if ids:
                transaction.on_commit(partial(_publier, organisation.pk, ids, maintenant))
            return len(ids)

        claimed = sum(for_each_organisation(job).values())
        total += claimed
        if claimed == 0:
            break
    return total


# --- Sending one row (inside the task, organisation bound) ----------------------------------

ENVOYEE = "envoyee"
IGNOREE = "ignoree"
ANNULEE = "annulee"
A_REESSAYER = "a_reessayer"
ECHEC = "echec"


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def _initiale(beneficiaire) -> str:
    return f"{beneficiaire.prenom} {beneficiaire.nom[:1]}." if beneficiaire else ""


def contexte_relance(relance: Relance, *, apercu: bool = False) -> dict:
    """What a template may show: names, dates and links. Never notes, objectives or content."""
    organisation = relance.organisation
    bilan = relance.bilan
    contexte = {
        "organisation": organisation,
        "relance": relance,
        "kind": relance.kind,
        "portail_url": _url("portail:home"),
        "app_url": settings.SITE_URL + "/app/",
        "beneficiaire_initiale": _initiale(bilan.beneficiaire) if bilan else "",
        "prenom": bilan.beneficiaire.prenom if bilan else "",
        "numero": bilan.numero if bilan else "",
    }
    if bilan is not None:
        contexte["dossier_url"] = settings.SITE_URL + f"/app/bilans/{bilan.public_id}/"
    if relance.seance is not None:
        seance = relance.seance
        contexte.update(
            debut=seance.debut,
            modalite=seance.get_modalite_display(),
            agenda_url=settings.SITE_URL + "/app/agenda/",
        )
    if relance.kind in (K.SUIVI_RAPPEL_CONSULTANT, K.SUIVI_INVITATION) and bilan is not None:
        from seances.models import EntretienSuivi

        suivi = EntretienSuivi.objects.filter(bilan=bilan).first()
        contexte["suivi"] = suivi
        contexte["debut"] = suivi.date_prevue if suivi else None
    if relance.kind in (K.CPF_DECLARATION_ENTREE, K.CPF_DECLARATION_SORTIE) and bilan:
        from beneficiaires.financement import cpf_echeance_declaration

        evenement = (
            bilan.date_debut_reelle
            if relance.kind == K.CPF_DECLARATION_ENTREE
            else bilan.date_fin_reelle
        )
        contexte["echeance"] = (
            cpf_echeance_declaration(evenement_le=evenement) if evenement else None
        )
    if relance.kind == K.CONVENTION_SIGNATURE_RAPPEL and bilan and bilan.convention_transmise_le:
        from beneficiaires.financement import convention_date_limite

        contexte["echeance"] = convention_date_limite(transmise_le=bilan.convention_transmise_le)
    if relance.kind == K.QUALIOPI_EXPIRATION:
        contexte["echeance"] = organisation.qualiopi_date_expiration
    if relance.kind in (
        K.ENQUETE_CHAUD,
        K.ENQUETE_CHAUD_RAPPEL,
        K.ENQUETE_FROID,
        K.ENQUETE_FROID_RAPPEL,
    ):
        from enquetes.services import jeton_reponse

        reponse = _reponse_de(relance)
        jeton = "apercu" if apercu or reponse is None else jeton_reponse(reponse)
        contexte["enquete_url"] = _url(
            "lien_enquete:repondre", organisation_id=organisation.public_id, token=jeton
        )
        contexte["portail_enquetes_url"] = _url("portail_enquetes:liste")
    return contexte


def _reponse_de(relance: Relance):
    from enquetes.models import Reponse

    if relance.target_type != "reponse" or relance.pk is None:
        return None
    return Reponse.objects.filter(public_id=relance.target_id).first()


def _encore_pertinente(relance: Relance, maintenant: dt.datetime) -> bool:
    """Re-check, at send time, that the reason for the row still holds."""
    kind = relance.kind
    bilan = relance.bilan
    if kind in SEANCE_KINDS:
        seance = relance.seance
        return seance is not None and seance.statut == "planifiee" and seance.debut > maintenant
    if kind == K.CONVENTION_SIGNATURE_RAPPEL:
        from beneficiaires.services.conventions import convention_signee_par

        return bilan.statut in (
            StatutBilan.PREALABLE_REALISE,
            StatutBilan.ATTENTE,
        ) and not convention_signee_par(bilan, "beneficiaire")
    if kind == K.CPF_DECLARATION_ENTREE:
        return bilan.cpf_entree_declaree_le is None
    if kind == K.CPF_DECLARATION_SORTIE:
        return bilan.cpf_sortie_declaree_le is None
    if kind in (K.ENQUETE_CHAUD, K.ENQUETE_CHAUD_RAPPEL, K.ENQUETE_FROID, K.ENQUETE_FROID_RAPPEL):
        reponse = _reponse_de(relance)
        return reponse is not None and reponse.repondu_le is None
    if kind == K.SUIVI_RAPPEL_CONSULTANT:
        from seances.models import EntretienSuivi

        return EntretienSuivi.objects.filter(
            bilan=bilan, statut=EntretienSuivi.Statut.PLANIFIE, date_prevue__gt=maintenant
        ).exists()
    if kind == K.SUIVI_INVITATION:
        from seances.models import EntretienSuivi

        return not EntretienSuivi.objects.filter(
            bilan=bilan, statut=EntretienSuivi.Statut.REALISE
        ).exists()
    if kind == K.ABANDON_RISQUE:
        return bilan.statut == StatutBilan.EN_COURS
    return True


def relance_rendre(relance: Relance, *, apercu: bool = False) -> tuple[str, str, str]:
    return render_templated_email(
        template=relance.kind.replace("_", "-"),
        context=contexte_relance(relance, apercu=apercu),
    )


def relance_envoyer(*, organisation: Organisation, relance_id: int) -> str:
    """Send one claimed row exactly once (called by the task, organisation bound, in one
    transaction): lock, re-check, send, mark sent. Errors are recorded on the row; a network
    error answers ``A_REESSAYER`` (the task retries after this transaction has committed)."""
    relance = (
        Relance.objects.select_for_update(of=("self",))
        .select_related("organisation", "bilan", "bilan__beneficiaire", "seance")
        .filter(pk=relance_id)
        .first()
    )
    if relance is None or relance.statut != S.EN_COURS:
        return IGNOREE  # already sent, cancelled, or released: a duplicate or late delivery
    maintenant = timezone.now()
    if not _encore_pertinente(relance, maintenant):
        relance.statut = S.ANNULEE
        relance.save(update_fields=["statut", "updated_at"])
        return ANNULEE
    relance.tentatives += 1
    try:
        subject, text, html = relance_rendre(relance)
        send_rendered_email(
            to=relance.destinataire,
            subject=subject,
            text=text,
            html=html,
            organisation=organisation,
        )
    except ERREURS_RESEAU as exc:
        relance.derniere_erreur = f"{exc.__class__.__name__}: {exc}"[:2000]
        if relance.tentatives >= MAX_TENTATIVES:
            relance.statut = S.ECHEC
        relance.save(update_fields=["tentatives", "derniere_erreur", "statut", "updated_at"])
        return ECHEC if relance.statut == S.ECHEC else A_REESSAYER
    except Exception as exc:  # a bug or bad data: no retry, an admin looks at the outbox
        logger.exception("Relance %s non envoyée", relance.pk)
        relance.derniere_erreur = f"{exc.__class__.__name__}: {exc}"[:2000]
        relance.statut = S.ECHEC
        relance.save(update_fields=["tentatives", "derniere_erreur", "statut", "updated_at"])
        return ECHEC
    relance.statut = S.ENVOYEE
    relance.envoyee_le = maintenant
    relance.derniere_erreur = ""
    relance.save(
        update_fields=["statut", "envoyee_le", "tentatives", "derniere_erreur", "updated_at"]
    )
    if relance.kind in (K.ENQUETE_CHAUD, K.ENQUETE_FROID):
        from enquetes.services import enquete_marquer_envoyee

        enquete_marquer_envoyee(reponse=_reponse_de(relance), le=maintenant)
    return ENVOYEE


def relances_contrat_signe(*, bilan: Bilan, signe_le: dt.date) -> Relance | None:
    """Self-funded contract signed by the beneficiary: tell the consultant when the 10-day
    withdrawal period is over and payments may be asked for (L6353-5 and L6353-6)."""
    from beneficiaires.financement import retractation_fin

    fin = retractation_fin(contrat_signe_le=signe_le) + dt.timedelta(days=1)
    due = timezone.make_aware(dt.datetime.combine(fin, dt.time(9, 0)))
    return relance_planifier(
        kind=Relance.Kind.RETRACTATION_FIN,
        cle=f"retractation_fin:{bilan.public_id}",
        destinataire=bilan.consultant.email if bilan.consultant_id else "",
        due_le=due,
        target_type="bilan",
        target_id=bilan.public_id,
        bilan=bilan,
    )
