"""Public offer pages (rule 31): publish a programme, each change a new dated version that must
carry every mandatory ind. 1 item; withdraw or republish the page."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.models import Programme
from bilan.core.models import User
from qualiopi.models.offres import CHAMPS_OBLIGATOIRES, Offre, OffreVersion
from qualiopi.selectors.offres import offre_resultats_snapshot


def _mentions_verifier(*, version: OffreVersion) -> None:
    """Rule 31: refuse a version missing an ind. 1 item, with a French message at the field.
    Prerequisites stay optional for a bilan de compétences (RNQ guide)."""
    erreurs: dict[str, list[str]] = {}
    for champ in CHAMPS_OBLIGATOIRES:
        if not str(getattr(version, champ) or "").strip():
            libelle = cast(Field, OffreVersion._meta.get_field(champ)).verbose_name
            erreurs.setdefault(champ, []).append(
                _("Mention obligatoire de l'offre (indicateur 1) : %(champ)s.") % {"champ": libelle}
            )
    if version.duree_heures is None or version.duree_heures <= 0:
        erreurs.setdefault("duree_heures", []).append(
            _("Indiquez la durée totale de l'accompagnement, en heures.")
        )
    if not (version.presentiel or version.distance):
        erreurs.setdefault("presentiel", []).append(
            _("Indiquez au moins une modalité : présentiel ou distance.")
        )
    if erreurs:
        raise ValidationError(erreurs)


def offre_version_publier(
    *,
    programme: Programme,
    version: OffreVersion,
    resultats_debut: dt.date,
    resultats_fin: dt.date,
    par: User,
) -> OffreVersion:
    """Publish ``version`` (unsaved, its content filled) as the next dated version of the
    programme's offer page, creating the offer on first publication. The published results are
    a snapshot taken now for [resultats_debut, resultats_fin]. Earlier versions never change."""
    if version.pk is not None:
        raise ValidationError(_("Une version publiée ne se modifie pas : publiez-en une nouvelle."))
    version.resultats_debut = resultats_debut
    version.resultats_fin = resultats_fin
    if resultats_fin < resultats_debut:
        raise ValidationError(
            {"resultats_fin": _("La fin de la période des résultats précède son début.")}
        )
    _mentions_verifier(version=version)
    with transaction.atomic():
        organisation = programme.organisation
        offre = Offre.objects.select_for_update().filter(programme=programme).first()
        if offre is None:
            offre = Offre.objects.create(organisation=organisation, programme=programme)
            offre = Offre.objects.select_for_update().get(pk=offre.pk)
        dernier = OffreVersion.objects.filter(offre=offre).aggregate(n=Max("numero"))["n"]
        version.organisation = organisation
        version.offre = offre
        version.numero = (dernier or 0) + 1
        version.publiee_le = timezone.now()
        version.publiee_par = par
        version.resultats = offre_resultats_snapshot(
            organisation=organisation, debut=resultats_debut, fin=resultats_fin
        )
        version.full_clean()
        version.save()
        if not offre.publiee:
            offre.publiee = True
            offre.save(update_fields=["publiee", "updated_at"])
        return version


def offre_publication_changer(*, offre: Offre, publiee: bool) -> Offre:
    """Withdraw the public page (404 from then on, history kept) or put it back online."""
    with transaction.atomic():
        offre.publiee = publiee
        offre.save(update_fields=["publiee", "updated_at"])
        return offre
