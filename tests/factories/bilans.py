import itertools

from beneficiaires.models import Bilan, Financement, Modalite
from bilan.core.tenancy import tenant_context

_numeros = itertools.count(1)


def bilan_for(beneficiaire, **fields):
    """A bilan of ``beneficiaire``, created with its organisation bound (row-level security).

    Defaults: self-funded, in person, followed by the beneficiary's consultant.
    """
    organisation = beneficiaire.organisation
    values = {
        "numero": f"T-{next(_numeros):05d}",
        "consultant": beneficiaire.consultant,
        "modalite": Modalite.PRESENTIEL,
        "financement": Financement.PERSONNEL,
        **fields,
    }
    with tenant_context(organisation):
        return Bilan.objects.create(organisation=organisation, beneficiaire=beneficiaire, **values)


def programme_for(organisation, *, slug: str = "douze-seances-10-semaines"):
    """A copy of the built-in programme ``slug`` in ``organisation``, through the real service."""
    from beneficiaires.services.programmes import programme_copier_modele

    with tenant_context(organisation):
        return programme_copier_modele(organisation=organisation, slug=slug)


def bilan_pret_a_clore(
    beneficiaire, *, entretien_le=None, minutes=120, emarge=True, remise=True, **fields
):
    """A bilan ready to be closed (rule 13): « synthèse remise », a realised conclusion interview
    of ``minutes`` on ``entretien_le`` (two days ago by default) signed by both parties when
    ``emarge``, and its synthèse signed and handed over when ``remise`` (rows written directly:
    the services that produce them are tested on their own)."""
    import datetime as dt

    from django.utils import timezone

    from seances.models import Emargement, Seance
    from syntheses.models import Synthese

    organisation = beneficiaire.organisation
    values = {"statut": "synthese_remise", "phase": "conclusion", **fields}
    bilan = bilan_for(beneficiaire, **values)
    debut = entretien_le or timezone.now() - dt.timedelta(days=2)
    with tenant_context(organisation):
        seance = Seance.objects.create(
            organisation=organisation,
            bilan=bilan,
            consultant=bilan.consultant,
            phase="conclusion",
            type="restitution",
            intitule="Restitution et remise de la synthèse",
            debut=debut,
            duree_minutes=minutes,
            duree_realisee_minutes=minutes,
            modalite="presentiel",
            statut="realisee",
        )
        if emarge:
            for role, nom in (("beneficiaire", str(beneficiaire)), ("consultant", "Consultant")):
                Emargement.objects.create(
                    organisation=organisation,
                    seance=seance,
                    role=role,
                    signataire=nom,
                    methode="dessin" if role == "beneficiaire" else "session",
                    signe_le=debut,
                    details={"seance": str(seance.public_id)},
                    details_sha256="0" * 64,
                )
        Synthese.objects.create(
            organisation=organisation,
            bilan=bilan,
            statut="remise" if remise else "signee",
            remise_le=debut if remise else None,
            remise_mode="En main propre" if remise else "",
        )
    return bilan
