"""Issuing the convention or contract of a bilan. Which document a route needs is ruled in
beneficiaires/conventions.py; its mandatory mentions and signatures are read in
beneficiaires/selectors.py; rendering and signing are the core's (bilan/core/signatures); the
kinds and the contract's after-signature follow-up are declared in beneficiaires/signatures.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.budget import heures_du_plan
from beneficiaires.conventions import DOCUMENTS, TypeDocument, type_document
from beneficiaires.financement import convention_date_limite
from beneficiaires.models import Bilan, BilanEvenement, Notification, Phase
from beneficiaires.selectors import (
    convention_courante_obtenir,
    convention_est_signee_par,
    convention_mentions_manquantes,
)
from beneficiaires.services.notifications import notification_envoyer
from bilan.core.formatting import date_fr
from bilan.core.models import SignatureRole, SignedDocument, User
from bilan.core.signatures import document_emettre, document_nouvelle_version


def _seances_du_plan(bilan: Bilan) -> list[Any]:
    """The séances the planning table lists: those counted in the 24 hours (reverse
    relation: no import of seances)."""
    return [s for s in bilan.seances.order_by("debut") if s.minutes_comptees]


def _h(heures: Decimal) -> str:
    """22.50 -> "22,5"."""
    return format(Decimal(heures).normalize(), "f").replace(".", ",")


def _verifier_heures_du_plan(bilan: Bilan, seances: list[Any]) -> None:
    """The duration printed must be the plan's: refused, naming both figures, while the
    bilan's planned hours and the planning table (its séances, else its programme's étapes)
    disagree. Planning keeps them in step (``seances.services.seances``)."""
    if seances:
        paires = [(s.type, s.minutes_comptees) for s in seances]
    elif bilan.programme is not None:
        paires = [(e.type, e.duree_minutes) for e in bilan.programme.etapes.all()]
    else:
        return
    accompagnement, personnel = heures_du_plan(minutes_par_type=paires)
    if (accompagnement, personnel) != (bilan.heures_accompagnement, bilan.heures_travail_personnel):
        raise ValidationError(
            _(
                "Les heures prévues du bilan (%(prevues)s h : %(a)s h d'accompagnement et "
                "%(p)s h de travail personnel) ne correspondent pas au planning (%(plan)s h : "
                "%(pa)s h et %(pp)s h). Corrigez les heures prévues ou le planning avant "
                "d'émettre le document."
            )
            % {
                "prevues": _h(bilan.heures_prevues),
                "a": _h(bilan.heures_accompagnement),
                "p": _h(bilan.heures_travail_personnel),
                "plan": _h(accompagnement + personnel),
                "pa": _h(accompagnement),
                "pp": _h(personnel),
            }
        )


def _contexte(bilan: Bilan) -> dict[str, Any]:
    return {
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "kind": type_document(bilan=bilan),
        "seances": _seances_du_plan(bilan),
        "etapes": bilan.programme.etapes.all() if bilan.programme is not None else [],
        "phases": Phase.choices,
        "date_emission": timezone.localdate(),
    }


@transaction.atomic
def convention_emettre(*, bilan: Bilan, par: User) -> SignedDocument:
    """Issue the route's document once every mandatory mention is present (each missing one is
    named). An unsigned previous version is cancelled; a signed one stays as it is and the new
    version is an amendment. For a tripartite convention, a new version must be transmitted
    to the employee again (``convention_transmettre``), which starts their 10 days.
    """
    kind = type_document(bilan=bilan)
    if kind is None:
        raise ValidationError(
            _(
                "Financement CPF : les conditions de Mon Compte Formation tiennent lieu "
                "de convention."
            )
        )
    manques = convention_mentions_manquantes(bilan=bilan)
    if manques:
        raise ValidationError(manques)
    _verifier_heures_du_plan(bilan, _seances_du_plan(bilan))
    spec = DOCUMENTS[kind]
    courant = convention_courante_obtenir(bilan=bilan)
    if courant is not None:
        document = document_nouvelle_version(
            document=courant,
            html_template="pdf/convention.html",
            context=_contexte(bilan),
            created_by=par,
        )
    else:
        document = document_emettre(
            organisation=bilan.organisation,
            kind=kind,
            title=str(spec.titre),
            subject_id=bilan.public_id,
            beneficiaire=bilan.beneficiaire,
            html_template="pdf/convention.html",
            context=_contexte(bilan),
            required_roles=[str(r) for r in spec.roles],
            created_by=par,
        )
    if kind == TypeDocument.CONVENTION_TRIPARTITE:
        Bilan.objects.filter(pk=bilan.pk).update(convention_transmise_le=None)
        bilan.convention_transmise_le = None
    return document


@transaction.atomic
def convention_transmettre(*, bilan: Bilan, par: User, aujourdhui: dt.date | None = None) -> Bilan:
    """Transmit the issued tripartite convention to the employee (R6313-8): one e-mail with
    the link to their portal (no content), and the day recorded in
    ``Bilan.convention_transmise_le``, from which their 10 days run (``convention_date_limite``).

    Refused (nothing written, nothing sent) for another route, without an issued convention
    awaiting the employee's signature, or once it has been transmitted (the clock never
    restarts: a new version must be issued first).
    """
    verrouille = Bilan.objects.select_for_update().select_related("beneficiaire").get(pk=bilan.pk)
    if type_document(bilan=verrouille) != TypeDocument.CONVENTION_TRIPARTITE:
        raise ValidationError(
            _("Seule une convention tripartite (plan de l'employeur) se transmet au salarié·e.")
        )
    document = convention_courante_obtenir(bilan=verrouille)
    if document is None or document.status != SignedDocument.Status.EMIS:
        raise ValidationError(
            _("Émettez d'abord la convention : elle doit attendre les signatures.")
        )
    if convention_est_signee_par(bilan=verrouille, role=SignatureRole.BENEFICIAIRE):
        raise ValidationError(_("Le ou la salarié·e a déjà signé la convention."))
    if verrouille.convention_transmise_le is not None:
        raise ValidationError(
            _(
                "La convention a déjà été transmise le %(date)s : le délai de signature court "
                "depuis cette date. Pour la transmettre à nouveau, émettez une nouvelle version."
            )
            % {"date": date_fr(jour=verrouille.convention_transmise_le)}
        )
    jour = aujourdhui or timezone.localdate()
    verrouille.convention_transmise_le = jour
    verrouille.save(update_fields=["convention_transmise_le", "updated_at"])
    limite = convention_date_limite(transmise_le=jour)
    notification_envoyer(
        beneficiaire=verrouille.beneficiaire,
        bilan=verrouille,
        sujet=Notification.Sujet.CONVENTION_TRANSMISE,
        texte=_(
            "La convention tripartite de votre bilan vous est transmise le %(jour)s. Vous avez "
            "jusqu'au %(limite)s inclus pour la lire et la signer dans votre espace ; sans "
            "signature, votre silence vaut refus (R6313-8). Un refus n'a pas à être justifié "
            "et ne peut vous être reproché."
        )
        % {"jour": date_fr(jour=jour), "limite": date_fr(jour=limite)},
        lien=reverse("portail:documents"),
        cle=f"convention_transmise:{document.public_id}",
    )
    BilanEvenement.objects.create(
        organisation=verrouille.organisation,
        bilan=verrouille,
        de=verrouille.statut,
        vers=verrouille.statut,
        par=par,
        motif=_("Convention transmise au salarié·e le %(date)s (R6313-8).")
        % {"date": date_fr(jour=jour)},
    )
    bilan.convention_transmise_le = jour
    return verrouille
