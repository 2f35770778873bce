"""Writes for the dossier: opening a bilan and its lifecycle (the consents are in
``consentements``, the prior interview in ``entretiens``).

Every transition is a service that checks its preconditions, refuses with French messages
(nothing written), and records who and when in ``BilanEvenement``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.budget import Demande, depasse, message_depassement
from beneficiaires.conventions import TRIPARTITE
from beneficiaires.cycle import TERMINAUX
from beneficiaires.financement import (
    convention_refusee_par_silence,
    cpf_date_debut_minimale,
    financement_problemes_detail,
    retractation_fin,
)
from beneficiaires.models import (
    Beneficiaire,
    Bilan,
    BilanEvenement,
    CauseAbandon,
    Consentement,
    EntretienPrealable,
    Financement,
    Phase,
    Programme,
    StatutBilan,
)
from beneficiaires.programmes import bilan_delai_reflexion_jours
from beneficiaires.relances import alerte_cpf_entree_planifier
from beneficiaires.selectors import bilan_signatures_manquantes, convention_est_signee_par
from beneficiaires.services.financement import bilan_financement_valider
from beneficiaires.services.programmes import programme_pour_modele
from beneficiaires.sous_traitance import affectation_verifier
from bilan.core.form_errors import Manque, RefusAvecLiens
from bilan.core.formatting import date_fr
from bilan.core.models import Organisation, SignatureRole, User

# --- Consents -----------------------------------------------------------------------------


def consentement_est_actif(*, beneficiaire: Beneficiaire, type: str) -> bool:
    return Consentement.objects.filter(
        beneficiaire=beneficiaire, type=type, revoque_le__isnull=True
    ).exists()


def beneficiaire_enregistrer_besoins(*, beneficiaire: Beneficiaire, besoins: str) -> Beneficiaire:
    """Store accessibility needs (health data, RGPD art. 9) only under an active consent."""
    besoins = besoins.strip()
    if besoins and not consentement_est_actif(
        beneficiaire=beneficiaire, type=Consentement.Type.ACCESSIBILITE
    ):
        raise ValidationError(
            {
                "besoins_accessibilite": _(
                    "Enregistrez d'abord le consentement explicite de la personne à la "
                    "conservation de ces informations."
                )
            }
        )
    beneficiaire.besoins_accessibilite = besoins
    beneficiaire.save(update_fields=["besoins_accessibilite", "updated_at"])
    return beneficiaire


# --- Opening a bilan ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DossierBilan:
    """The planning and financing fields of a dossier, as the staff fills them in. Every field
    is required, so a caller that forgets one (or names one that does not exist) fails loudly
    instead of silently resetting or dropping it."""

    consultant: User | None
    consultants_associes: list[User]
    programme: Programme | None
    modalite: str
    heures_accompagnement: Decimal
    heures_travail_personnel: Decimal
    date_debut_prevue: dt.date | None
    date_fin_prevue: dt.date | None
    objectifs: str
    financement: str
    prix_ttc: Decimal | None
    conditions_paiement: str
    financeur_nom: str
    financeur_reference: str
    employeur_signataire_nom: str
    employeur_signataire_fonction: str
    employeur_signataire_email: str
    convention_transmise_le: dt.date | None
    cpf_proposition_commande_le: dt.date | None
    cpf_aucun_bilan_finance_5_ans: bool | None
    cpf_exoneration: str
    cpf_entree_declaree_le: dt.date | None
    cpf_sortie_declaree_le: dt.date | None
    sur_temps_de_travail: bool
    autorisation_demandee_le: dt.date | None
    autorisation_reponse: str
    autorisation_reponse_le: dt.date | None

    def champs_du_bilan(self) -> dict[str, object]:
        """The values stored on the ``Bilan`` row itself (the associates are a relation)."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "consultants_associes"
        }


def _prochain_numero(organisation: Organisation, annee: int) -> str:
    prefix = f"BC-{annee}-"
    last = (
        Bilan.objects.select_for_update()
        .filter(numero__startswith=prefix)
        .aggregate(m=Max("numero"))["m"]
    )
    rang = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{rang:04d}"


def _check_heures(accompagnement: Decimal | None, travail: Decimal | None) -> None:
    """The planned hours (accompaniment + guided personal work) fit in the 24 hours."""
    # Rounded up: 24.01 h is over the 24 hours.
    minutes = math.ceil(Decimal((accompagnement or 0) + (travail or 0)) * 60)
    if depasse(deja_minutes=0, demande_minutes=minutes):
        raise ValidationError(
            {
                "heures_travail_personnel": message_depassement(
                    deja_minutes=0, demande_minutes=minutes, demande=Demande.PREVISION
                )
            }
        )


@transaction.atomic
def bilan_ouvrir(
    *, beneficiaire: Beneficiaire, par: User, dossier: DossierBilan, modele: str = ""
) -> Bilan:
    """Open a dossier. With a prior interview already held it starts at that step.

    ``modele`` names a built-in programme (seed slug): the organisation's copy of it is used,
    made in this transaction on first use, so any of the five seeds opens a bilan directly.
    """
    organisation = beneficiaire.organisation
    if modele:
        programme = programme_pour_modele(organisation=organisation, slug=modele)
        dossier = replace(dossier, programme=programme)
    consultant = dossier.consultant
    if (
        consultant is None
        or not consultant.memberships.filter(organisation=organisation, is_active=True).exists()
    ):
        raise ValidationError({"consultant": _("Choisissez un·e consultant·e de l'organisme.")})
    _check_heures(dossier.heures_accompagnement, dossier.heures_travail_personnel)
    affectation_verifier(  # rule 27: no cascade of sub-contracting
        organisation=organisation,
        consultant=consultant,
        associes=dossier.consultants_associes,
        jour=dossier.date_debut_prevue or timezone.localdate(),
    )
    if Bilan.objects.filter(beneficiaire=beneficiaire).exclude(statut__in=TERMINAUX).exists():
        raise ValidationError(_("Cette personne a déjà un bilan ouvert dans l'organisme."))
    # The latest prior interview: by its date, then by when it was recorded (rule 12).
    entretien = (
        EntretienPrealable.objects.filter(beneficiaire=beneficiaire)
        .order_by("-date", "-created_at", "-pk")
        .first()
    )
    bilan = Bilan(
        organisation=organisation,
        beneficiaire=beneficiaire,
        entretien_prealable=entretien,
        statut=StatutBilan.PREALABLE_REALISE if entretien else StatutBilan.DEMANDE,
        **dossier.champs_du_bilan(),
    )
    # A value that breaks a financing rule is refused now; missing ones wait for the start.
    bilan_financement_valider(bilan=bilan, organisation=organisation, complet=False)
    bilan.numero = _prochain_numero(organisation, timezone.localdate().year)
    bilan.save()
    if dossier.consultants_associes:
        bilan.consultants_associes.set(dossier.consultants_associes)
    BilanEvenement.objects.create(
        organisation=organisation, bilan=bilan, de="", vers=bilan.statut, par=par
    )
    return bilan


@transaction.atomic
def bilan_modifier(*, bilan: Bilan, dossier: DossierBilan) -> Bilan:
    """Replace the dossier's planning and financing fields; refused once the bilan has ended."""
    if bilan.statut in TERMINAUX:
        raise ValidationError(_("Un bilan terminé ne se modifie plus."))
    _check_heures(dossier.heures_accompagnement, dossier.heures_travail_personnel)
    affectation_verifier(  # rule 27: no cascade of sub-contracting
        organisation=bilan.organisation,
        consultant=dossier.consultant,
        associes=dossier.consultants_associes,
        jour=bilan.date_debut_reelle or dossier.date_debut_prevue or timezone.localdate(),
    )
    champs = dossier.champs_du_bilan()
    for field, value in champs.items():
        setattr(bilan, field, value)
    bilan_financement_valider(bilan=bilan, organisation=bilan.organisation, complet=False)
    bilan.save()
    bilan.consultants_associes.set(dossier.consultants_associes)
    return bilan


# --- Lifecycle ------------------------------------------------------------------------------


def bilan_changer_statut(
    *,
    bilan: Bilan,
    vers: str,
    par: User | None,
    motif: str,
    phase: str = "",
    termine_le: dt.date | None = None,
) -> Bilan:
    """Move a (locked) bilan to status ``vers`` and record who, when and why in its history.
    Callers check the transition's preconditions first.

    Entering an end state (closed, abandoned, refused) records the day the dossier ended in
    ``Bilan.termine_le`` (``termine_le``, by default today), where the R6313-7 retention
    periods start; it is written once and never moves afterwards."""
    de = bilan.statut
    bilan.statut = vers
    if phase:
        bilan.phase = phase
    if vers in TERMINAUX and bilan.termine_le is None:
        bilan.termine_le = termine_le or timezone.localdate()
    bilan.save()
    BilanEvenement.objects.create(
        organisation=bilan.organisation, bilan=bilan, de=de, vers=vers, par=par, motif=motif
    )
    return bilan


def bilan_verrouiller(*, bilan: Bilan) -> Bilan:
    """The bilan reloaded under a row lock, for a transition."""
    return (
        Bilan.objects.select_for_update()
        .select_related("beneficiaire", "organisation")
        .get(pk=bilan.pk)
    )


def bilan_fin_reflexion(*, bilan: Bilan) -> dt.date | None:
    if bilan.entretien_prealable is None:
        return None
    date = timezone.localtime(bilan.entretien_prealable.date).date()
    return date + dt.timedelta(days=bilan_delai_reflexion_jours(bilan=bilan))


def _lien_fiche(bilan: Bilan, ancre: str) -> str:
    return (
        reverse("beneficiaires:detail", kwargs={"beneficiaire_id": bilan.beneficiaire.public_id})
        + f"#{ancre}"
    )


def _lien_dossier(bilan: Bilan) -> str:
    return reverse("bilans:edit", kwargs={"bilan_id": bilan.public_id})


def bilan_manques_confirmation(*, bilan: Bilan, aujourdhui: dt.date) -> list[Manque]:
    """What still prevents confirming the bilan (moving to "en attente"), each with the page
    where it is fixed."""
    manques = []
    if bilan.statut != StatutBilan.PREALABLE_REALISE:
        manques.append(
            Manque(
                _("L'entretien préalable doit avoir eu lieu."),
                _lien_fiche(bilan, "titre-entretien"),
                _("Enregistrer l'entretien préalable"),
            )
        )
    else:
        fin = bilan_fin_reflexion(bilan=bilan)
        if fin and aujourdhui < fin:
            manques.append(
                Manque(
                    _("Le délai de réflexion court jusqu'au %(date)s.")
                    % {"date": date_fr(jour=fin)},
                    _lien_fiche(bilan, "titre-entretien"),
                    _("Corriger la date de l'entretien"),
                )
            )
        if fin and bilan.date_debut_prevue and bilan.date_debut_prevue < fin:
            # The bilan cannot begin inside the reflection delay it has to respect.
            manques.append(
                Manque(
                    _(
                        "Le début prévu (%(debut)s) tombe avant la fin du délai de réflexion "
                        "(%(fin)s) : reportez-le."
                    )
                    % {"debut": date_fr(jour=bilan.date_debut_prevue), "fin": date_fr(jour=fin)},
                    _lien_dossier(bilan),
                    _("Changer la date de début"),
                )
            )
    if not consentement_est_actif(
        beneficiaire=bilan.beneficiaire, type=Consentement.Type.PARTICIPATION
    ):
        manques.append(
            Manque(
                _("Le consentement de la personne au bilan n'est pas enregistré."),
                _lien_fiche(bilan, "titre-consentements"),
                _("Recueillir le consentement"),
            )
        )
    dossier = [
        (not bilan.objectifs.strip(), _("Les objectifs du bilan ne sont pas définis.")),
        (bilan.heures_prevues <= 0, _("Les heures prévues ne sont pas renseignées.")),
        (
            not (bilan.date_debut_prevue and bilan.date_fin_prevue),
            _("Les dates de début et de fin prévues manquent."),
        ),
    ]
    manques += [
        Manque(message, _lien_dossier(bilan), _("Compléter le dossier"))
        for manque, message in dossier
        if manque
    ]
    return manques


@transaction.atomic
def bilan_confirmer(*, bilan: Bilan, par: User, aujourdhui: dt.date | None = None) -> Bilan:
    """The beneficiary confirms after the reflection period: wait for financing/signature."""
    bilan = bilan_verrouiller(bilan=bilan)
    manques = bilan_manques_confirmation(bilan=bilan, aujourdhui=aujourdhui or timezone.localdate())
    if manques:
        raise RefusAvecLiens(manques)
    return bilan_changer_statut(bilan=bilan, vers=StatutBilan.ATTENTE, par=par, motif="")


def bilan_manques_demarrage(*, bilan: Bilan, aujourdhui: dt.date) -> list[Manque]:
    """What still prevents starting the bilan: consent, financing rules and signatures, each
    with the page where it is fixed (financing: the dossier's form; signatures: its
    documents)."""
    manques = []
    if bilan.statut != StatutBilan.ATTENTE:
        manques.append(Manque(_("Le bilan doit d'abord être confirmé.")))
    if not consentement_est_actif(
        beneficiaire=bilan.beneficiaire, type=Consentement.Type.PARTICIPATION
    ):
        manques.append(
            Manque(
                _(
                    "Le consentement de la personne au bilan n'est pas enregistré ou a été "
                    "retiré (L6313-4)."
                ),
                _lien_fiche(bilan, "titre-consentements"),
                _("Recueillir le consentement"),
            )
        )
    if bilan.financement == Financement.CPF and bilan.cpf_proposition_commande_le:
        minimum = cpf_date_debut_minimale(proposition_le=bilan.cpf_proposition_commande_le)
        if aujourdhui < minimum:
            manques.append(
                Manque(
                    _(
                        "Un bilan financé par le CPF ne peut commencer avant le %(minimum)s "
                        "(11 jours ouvrés après la proposition de commande du %(proposition)s, "
                        "règle de la Caisse des dépôts) : démarrez-le à partir de cette date."
                    )
                    % {
                        "minimum": date_fr(jour=minimum),
                        "proposition": date_fr(jour=bilan.cpf_proposition_commande_le),
                    }
                )
            )
    manques += [
        Manque(
            probleme.message,
            reverse("app:organisation"),
            _("Compléter les réglages de l'organisme"),
        )
        if probleme.reglage_organisme
        else Manque(probleme.message, _lien_dossier(bilan), _("Corriger le financement"))
        for probleme in financement_problemes_detail(
            bilan=bilan, aujourdhui=aujourdhui, organisation=bilan.organisation
        )
    ]
    documents = reverse("bilans:detail", kwargs={"bilan_id": bilan.public_id}) + "#t-docs"
    manques += [
        Manque(message, documents, _("Voir les documents"))
        for message in bilan_signatures_manquantes(bilan=bilan)
    ]
    return manques


@transaction.atomic
def bilan_demarrer(*, bilan: Bilan, par: User, aujourdhui: dt.date | None = None) -> Bilan:
    """Start the bilan: status "en cours", phase préliminaire."""
    bilan = bilan_verrouiller(bilan=bilan)
    aujourdhui = aujourdhui or timezone.localdate()
    manques = bilan_manques_demarrage(bilan=bilan, aujourdhui=aujourdhui)
    if manques:
        raise RefusAvecLiens(manques)
    if bilan.date_debut_reelle is None:
        bilan.date_debut_reelle = max(aujourdhui, bilan.date_debut_prevue or aujourdhui)
    bilan = bilan_changer_statut(
        bilan=bilan, vers=StatutBilan.EN_COURS, par=par, motif="", phase=Phase.PRELIMINAIRE
    )
    alerte_cpf_entree_planifier(bilan=bilan)  # CPF: entry declaration alert to the admins
    return bilan


@transaction.atomic
def bilan_abandonner(*, bilan: Bilan, cause: str, motif: str, par: User | None) -> Bilan:
    """End a started or pending bilan by abandonment, with its coded cause (``CauseAbandon``,
    what the results publish, rule 29) and its reason in words (kept on the dossier only: it
    may say something confidential)."""
    bilan = bilan_verrouiller(bilan=bilan)
    if bilan.statut in TERMINAUX:
        raise ValidationError(_("Ce bilan est déjà terminé."))
    erreurs = {}
    if cause not in CauseAbandon.values:
        erreurs["cause"] = _("Choisissez la cause de l'abandon dans la liste.")
    if not motif.strip():
        erreurs["motif"] = _("Indiquez le motif de l'abandon.")
    if erreurs:
        raise ValidationError(erreurs)
    bilan.motif_abandon = motif.strip()
    bilan.cause_abandon = cause
    return bilan_changer_statut(
        bilan=bilan, vers=StatutBilan.ABANDONNE, par=par, motif=motif.strip()
    )


@transaction.atomic
def bilan_refuser(*, bilan: Bilan, motif: str, par: User | None) -> Bilan:
    """Refusal before the start (the person declines, the funder refuses, or the employee let
    the 10 days pass without signing). Carries no negative mark visible to an employer."""
    bilan = bilan_verrouiller(bilan=bilan)
    if bilan.statut not in {
        StatutBilan.DEMANDE,
        StatutBilan.PREALABLE_REALISE,
        StatutBilan.ATTENTE,
    }:
        raise ValidationError(_("Seul un bilan qui n'a pas commencé peut être refusé."))
    if not motif.strip():
        raise ValidationError({"motif": _("Indiquez le motif du refus.")})
    bilan.motif_refus = motif.strip()
    return bilan_changer_statut(bilan=bilan, vers=StatutBilan.REFUSE, par=par, motif=motif.strip())


def bilans_refuser_conventions_expirees(*, aujourdhui: dt.date) -> int:
    """R6313-8: the employee's silence 10 days after the employer transmitted the tripartite
    convention is a refusal. Runs daily for the bound organisation (beneficiaires.tasks)."""
    refuses = 0
    for bilan in Bilan.objects.filter(
        statut__in=[StatutBilan.PREALABLE_REALISE, StatutBilan.ATTENTE],
        financement__in=TRIPARTITE,
        convention_transmise_le__isnull=False,
    ):
        if convention_refusee_par_silence(
            transmise_le=bilan.convention_transmise_le,
            signee=convention_est_signee_par(bilan=bilan, role=SignatureRole.BENEFICIAIRE),
            aujourdhui=aujourdhui,
        ):
            bilan_refuser(
                bilan=bilan,
                motif=_(
                    "Convention non signée par le ou la salarié·e dans les 10 jours (R6313-8)."
                ),
                par=None,
            )
            refuses += 1
    return refuses


# --- Withdrawal from a self-funded contract (L6353-5) -------------------------------------


def contrat_retracter(
    *,
    bilan: Bilan,
    le: dt.date,
    motif: str,
    par: User,
    contrat_signe_le: dt.date | None,
    aujourdhui: dt.date | None = None,
) -> Bilan:
    """Record the beneficiary's withdrawal from a self-funded contract (L6353-5), received on
    ``le``: it voids the contract and ends the bilan (refused if it had not started, abandoned
    otherwise), with the reason, in ``Bilan.retractation_le`` and the dossier's history.

    Refused (``ValidationError`` at the field, nothing written) for another route, before the
    contract is signed, after the last day of the period (``retractation_fin``), for a date in
    the future or without a reason. ``contrat_signe_le``: the beneficiary's signature day
    (``selectors.contrat_date_signature``).
    """
    aujourdhui = aujourdhui or timezone.localdate()
    motif = motif.strip()
    with transaction.atomic():
        verrouille = bilan_verrouiller(bilan=bilan)
        if verrouille.financement != Financement.PERSONNEL:
            raise ValidationError(
                _("La rétractation (L6353-5) ne concerne que le contrat d'un bilan autofinancé.")
            )
        if verrouille.statut in TERMINAUX:
            raise ValidationError(_("Ce bilan est déjà terminé."))
        if contrat_signe_le is None:
            raise ValidationError(
                _(
                    "Le contrat n'est pas signé par le ou la bénéficiaire : il n'y a rien à "
                    "rétracter. Pour arrêter la démarche, refusez le bilan."
                )
            )
        fin = retractation_fin(contrat_signe_le=contrat_signe_le)
        if le < contrat_signe_le or le > aujourdhui:
            raise ValidationError(
                {
                    "le": _(
                        "La date de rétractation doit être comprise entre la signature du "
                        "contrat (%(signe)s) et aujourd'hui."
                    )
                    % {"signe": date_fr(jour=contrat_signe_le)}
                }
            )
        if le > fin:
            raise ValidationError(
                {
                    "le": _(
                        "Le délai de rétractation a pris fin le %(fin)s (10 jours après la "
                        "signature du %(signe)s, L6353-5) : le contrat ne peut plus être "
                        "rétracté. Si la personne arrête, enregistrez un abandon."
                    )
                    % {"fin": date_fr(jour=fin), "signe": date_fr(jour=contrat_signe_le)}
                }
            )
        if not motif:
            raise ValidationError({"motif": _("Indiquez le motif de la rétractation.")})
        texte = _("Rétractation du contrat le %(le)s (L6353-5) : %(motif)s") % {
            "le": date_fr(jour=le),
            "motif": motif,
        }
        commence = verrouille.statut not in {
            StatutBilan.DEMANDE,
            StatutBilan.PREALABLE_REALISE,
            StatutBilan.ATTENTE,
        }
        if commence:
            verrouille.motif_abandon = texte
            verrouille.cause_abandon = CauseAbandon.RETRACTATION
        else:
            verrouille.motif_refus = texte
        verrouille.retractation_le = le
        return bilan_changer_statut(
            bilan=verrouille,
            vers=StatutBilan.ABANDONNE if commence else StatutBilan.REFUSE,
            par=par,
            motif=texte,
            termine_le=le,
        )
