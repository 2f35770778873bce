"""Writes and form validation for the financing of a bilan (rules in ``financement.py``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.financement import financement_problemes_detail, paiement_verifier
from beneficiaires.models import Bilan, Financement, Paiement
from bilan.core.models import Organisation, User
from bilan.core.tenancy import get_active_organisation


def paiement_enregistrer(
    *,
    bilan: Bilan,
    montant: Decimal,
    le: date,
    mode: str,
    par: User,
    contrat_signe_le: date | None,
) -> Paiement:
    """Record a payment of a self-funded bilan (L6353-3 to L6353-7, rule 22).

    Locks the bilan row (``SELECT … FOR UPDATE``) before summing the payments already
    recorded, so two simultaneous payments are checked one after the other and cannot both
    pass the "total ≤ price" or "first payment ≤ 30 %" rules. Refuses (``ValidationError``,
    nothing written) for any other financing route. Call inside ``tenant_context``.
    """
    active = get_active_organisation()
    if active is None or active.pk != bilan.organisation_id:
        raise ValidationError(_("Ce bilan n'appartient pas à l'organisme actif."))
    montant = Decimal(montant)
    with transaction.atomic():
        verrouille = Bilan.objects.select_for_update().get(pk=bilan.pk)
        if verrouille.financement != Financement.PERSONNEL:
            raise ValidationError(
                _(
                    "Seul un bilan en financement personnel reçoit des paiements du ou de la "
                    "bénéficiaire (L6353-6) ; les autres financements sont facturés au "
                    "financeur."
                )
            )
        deja_paye = Paiement.objects.filter(bilan=verrouille).aggregate(total=Sum("montant"))[
            "total"
        ] or Decimal("0.00")
        paiement_verifier(
            prix=verrouille.prix_ttc,
            contrat_signe_le=contrat_signe_le,
            deja_paye=deja_paye,
            montant=montant,
            le=le,
            statut=verrouille.statut,
            phase=verrouille.phase,
        )
        return Paiement.objects.create(
            organisation_id=verrouille.organisation_id,
            bilan=verrouille,
            date=le,
            montant=montant,
            mode=mode.strip(),
            enregistre_par=par,
        )


def bilan_financement_valider(
    *,
    bilan: Bilan,
    organisation: Organisation,
    aujourdhui: date | None = None,
    complet: bool = True,
) -> None:
    """Raise ``ValidationError({field: [messages]})`` with the financing problems of ``bilan``
    (see ``financement.financement_problemes``), keyed by Bilan field names for form display;
    points that are not a Bilan field (beneficiary's employer, R6313-5) go under
    ``NON_FIELD_ERRORS``, the organisation's NDA / Qualiopi under ``financement``.

    ``complet=False`` only reports entered values that break a rule (a start date too early,
    a "yes" to the 5-year question, a refusal…) and ignores missing information, for saving a
    draft; ``complet=True`` (default) reports everything that blocks "en cours".
    ``aujourdhui`` defaults to today (Europe/Paris). Call inside ``tenant_context``.
    """
    problemes = financement_problemes_detail(
        bilan=bilan,
        aujourdhui=aujourdhui or timezone.localdate(),
        organisation=organisation,
    )
    erreurs: dict[str, list[str]] = {}
    for probleme in problemes:
        if probleme.manquant and not complet:
            continue
        erreurs.setdefault(probleme.champ, []).append(probleme.message)
    if erreurs:
        raise ValidationError(erreurs)
