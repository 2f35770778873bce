"""The beneficiary's portal pages that gather several apps: the home and the personal data page
(consents, export, erasure request)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beneficiaires.acces import PortailRequest
from beneficiaires.financement import bilan_cpf_repartition
from beneficiaires.models import Consentement
from beneficiaires.services.consentements import consentement_revoquer as revoquer
from beneficiaires.services.rgpd import CONSENTEMENTS_PORTAIL, consentement_portail_accorder
from beneficiaires.services.rgpd import suppression_demander as demander
from bilan.core import selectors as core_selectors
from bilan.core.audit import TypeObjet, audit_record, client_info
from bilan.core.models import AuditEvent
from bilan.core.permissions import portal_required
from bilan.core.tenancy import get_for_organisation
from espaces import selectors as espaces_selectors
from espaces.forms import ConsentementPortailForm, SuppressionForm

# Journal: kind and id only (bilan.core.audit).
DONNEES_PERSONNELLES = TypeObjet(
    "donnees_personnelles",
    gettext_lazy("Téléchargement de ses données par le ou la bénéficiaire"),
)


@portal_required
def portail_home(request: PortailRequest) -> HttpResponse:

    beneficiaire = request.portal_access.beneficiaire
    accueil = espaces_selectors.portail_accueil(beneficiaire=beneficiaire)
    return render(
        request,
        "portail/home.html",
        {
            "beneficiaire": beneficiaire,
            "accesses": core_selectors.acces_portail_du_compte(user=request.user),
            **accueil,
            "cpf": _cpf_repartition(accueil),  # rule 19: the CPF split, as on the staff page
        },
    )


@portal_required
def portail_logo(request: PortailRequest) -> HttpResponseBase:
    """The organisation's logo (private storage) for the portal header."""
    logo = request.organisation.logo
    if not logo:
        raise Http404
    response = FileResponse(logo.open("rb"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _cpf_repartition(context: dict) -> dict | None:
    bilan = context.get("bilan")
    return bilan_cpf_repartition(bilan=bilan, aujourdhui=timezone.localdate()) if bilan else None


def _donnees_page(request: PortailRequest, *, status=200, **forms_):

    beneficiaire = request.portal_access.beneficiaire
    return render(
        request,
        "portail/donnees.html",
        {
            "donnees": espaces_selectors.donnees_personnelles(beneficiaire=beneficiaire),
            "consentements": Consentement.objects.filter(beneficiaire=beneficiaire),
            "consentement_form": forms_.get("consentement_form") or ConsentementPortailForm(),
            "suppression_form": forms_.get("suppression_form") or SuppressionForm(),
            "demandes": beneficiaire.demandes_suppression.all(),
        },
        status=status,
    )


@portal_required
def donnees_page(request: PortailRequest) -> HttpResponse:
    return _donnees_page(request)


@require_POST
@portal_required
def consentement_accorder(request: PortailRequest) -> HttpResponse:

    form = ConsentementPortailForm(request.POST)
    if form.is_valid():
        try:
            consentement_portail_accorder(
                beneficiaire=request.portal_access.beneficiaire,
                type=form.cleaned_data["type"],
                destinataire=form.cleaned_data["destinataire"],
                par=request.user,
                accord=form.cleaned_data["accord"],
                client=client_info(request),
            )
        except ValidationError as exc:
            for field, errors in (
                exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Votre consentement est enregistré."))
            return redirect("portail:donnees")
    return _donnees_page(request, consentement_form=form, status=400)


@require_POST
@portal_required
def consentement_revoquer(request: PortailRequest, consentement_id: uuid.UUID) -> HttpResponse:

    consentement = get_for_organisation(
        Consentement,
        organisation=request.organisation,
        public_id=consentement_id,
        queryset=Consentement.objects.filter(
            beneficiaire_id=request.portal_access.beneficiaire_id,
            type__in=CONSENTEMENTS_PORTAIL,
        ),
    )
    revoquer(consentement=consentement, par=request.user)
    messages.success(request, _("Consentement retiré."))
    return redirect("portail:donnees")


@portal_required
def donnees_archive(request: PortailRequest) -> HttpResponse:
    """Download of the beneficiary's data (JSON) and documents, as a zip; logged."""

    beneficiaire = request.portal_access.beneficiaire
    content = espaces_selectors.donnees_archive(beneficiaire=beneficiaire)
    audit_record(
        request=request,
        action=AuditEvent.Action.EXPORT,
        objet=DONNEES_PERSONNELLES,
        object_id=beneficiaire.public_id,
        beneficiaire=beneficiaire,
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-bilan.zip"'
    return response


@require_POST
@portal_required
def suppression_demander(request: PortailRequest) -> HttpResponse:

    form = SuppressionForm(request.POST)
    if form.is_valid():
        try:
            demander(
                beneficiaire=request.portal_access.beneficiaire,
                message=form.cleaned_data["message"],
                par=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Votre demande est transmise à l'organisme, qui vous répondra.")
            )
            return redirect("portail:donnees")
    return _donnees_page(request, suppression_form=form, status=400)
