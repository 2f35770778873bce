"""Séances in the beneficiary's portal: one appointment as a calendar file, the attendance
certificate."""

import uuid

from django.conf import settings
from django.http import Http404, HttpResponse

from beneficiaires.acces import PortailRequest
from beneficiaires.selectors import bilan_courant_obtenir
from bilan.core.permissions import portal_required
from bilan.core.tenancy import get_for_organisation
from seances.models import Seance
from seances.selectors.agenda import seance_calendrier_ics
from seances.selectors.emargement import attestation_assiduite_pdf


@portal_required
def seance_ics(request: PortailRequest, seance_id: uuid.UUID) -> HttpResponse:
    """One séance as an .ics file, to add to the beneficiary's own calendar."""

    seance = get_for_organisation(
        Seance,
        organisation=request.organisation,
        public_id=seance_id,
        queryset=Seance.objects.filter(
            bilan__beneficiaire_id=request.portal_access.beneficiaire_id
        ),
    )
    contenu = seance_calendrier_ics(seance=seance, url_portail=f"{settings.SITE_URL}/portail/")
    response = HttpResponse(contenu, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="seance.ics"'
    return response


@portal_required
def attestation_assiduite(request: PortailRequest) -> HttpResponse:
    """The beneficiary's own attendance certificate, generated from the signatures."""

    bilan = bilan_courant_obtenir(beneficiaire=request.portal_access.beneficiaire)
    if bilan is None:
        raise Http404
    response = HttpResponse(attestation_assiduite_pdf(bilan=bilan), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="attestation-assiduite.pdf"'
    return response
