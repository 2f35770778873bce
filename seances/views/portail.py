"""Séances in the beneficiary's portal: one appointment as a calendar file, the attendance
certificate."""

import datetime as dt

import icalendar
from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaires.selectors import bilan_courant
from bilan.core.permissions import portal_required
from bilan.core.tenancy import get_for_organisation
from seances.models import Seance
from seances.services.emargement import attestation_assiduite_pdf


@portal_required
def seance_ics(request, seance_id):
    """One séance as an .ics file, to add to the beneficiary's own calendar."""

    seance = get_for_organisation(
        Seance,
        organisation=request.organisation,
        public_id=seance_id,
        queryset=Seance.objects.filter(
            bilan__beneficiaire_id=request.portal_access.beneficiaire_id
        ),
    )
    calendrier = icalendar.Calendar()
    calendrier.add("prodid", "-//Bilan//Séance//FR")
    calendrier.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", f"{seance.public_id}@bilan")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", seance.debut)
    event.add("dtend", seance.debut + dt.timedelta(minutes=seance.duree_minutes))
    event.add("summary", _("Bilan de compétences — %(type)s") % {"type": seance.get_type_display()})
    lieu = seance.lieu or seance.get_modalite_display()
    event.add("location", lieu)
    if seance.lien_visio:
        event.add("url", seance.lien_visio)
    event.add("description", f"{settings.SITE_URL}/portail/")
    calendrier.add_component(event)
    response = HttpResponse(calendrier.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="seance.ics"'
    return response


@portal_required
def attestation_assiduite(request):
    """The beneficiary's own attendance certificate, generated from the signatures."""

    bilan = bilan_courant(beneficiaire=request.portal_access.beneficiaire)
    if bilan is None:
        raise Http404
    response = HttpResponse(attestation_assiduite_pdf(bilan=bilan), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="attestation-assiduite.pdf"'
    return response
