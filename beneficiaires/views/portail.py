"""The beneficiary's side of the dossier documents: read, sign, download."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bilan.core import signatures
from bilan.core.audit import client_info
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.permissions import portal_required
from bilan.core.tenancy import get_for_organisation
from bilan.core.views.signatures import methode_authentification, serve_signed_document


class SignatureForm(forms.Form):
    accord = forms.BooleanField(
        label=gettext_lazy("J'ai lu le document et je le signe électroniquement."),
        error_messages={"required": gettext_lazy("Cochez la case pour signer.")},
    )


def _documents(request):
    return (
        SignedDocument.objects.filter(beneficiaire_id=request.portal_access.beneficiaire_id)
        .exclude(status=SignedDocument.Status.ANNULE)
        .prefetch_related("signatures")
        .order_by("-issued_at")
    )


def _document(request, signed_document_id) -> SignedDocument:
    return get_for_organisation(
        SignedDocument,
        organisation=request.organisation,
        public_id=signed_document_id,
        queryset=_documents(request),
    )


@portal_required
def documents(request):
    items = []
    for document in _documents(request):
        roles = {s.role for s in document.signatures.all()}
        items.append(
            {
                "document": document,
                # The synthèse is read and signed on its own page (shared reading first).
                "synthese": document.kind == "synthese",
                "a_signer": document.kind != "synthese"
                and document.status == SignedDocument.Status.EMIS
                and SignatureRole.BENEFICIAIRE in document.required_roles
                and SignatureRole.BENEFICIAIRE not in roles,
            }
        )
    return render(request, "portail/documents.html", {"items": items, "form": SignatureForm()})


@require_POST
@portal_required
def document_signer(request, signed_document_id):
    document = _document(request, signed_document_id)
    if document.kind == "synthese":
        messages.info(request, _("Votre synthèse se lit et se signe sur la page « Ma synthèse »."))
        return redirect("portail_synthese:lire")
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cochez la case pour signer."))
        return redirect("portail:documents")
    try:
        signatures.document_signer(
            document=document,
            role=SignatureRole.BENEFICIAIRE,
            user=request.user,
            client=client_info(request),
            methode=methode_authentification(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Merci, votre signature est enregistrée."))
    return redirect("portail:documents")


@portal_required
def document_telecharger(request, signed_document_id):
    document = _document(request, signed_document_id)
    return serve_signed_document(
        request, document, signed=document.status == SignedDocument.Status.SIGNE
    )


@portal_required
def seance_ics(request, seance_id):
    """One séance as an .ics file, to add to the beneficiary's own calendar."""
    import icalendar
    from django.conf import settings
    from django.http import HttpResponse
    from django.utils import timezone

    from seances.models import Seance

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
    event.add("dtend", seance.debut + timezone.timedelta(minutes=seance.duree_minutes))
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
    from django.http import HttpResponse

    from beneficiaires.portail import bilan_courant
    from seances.services.emargement import attestation_assiduite_pdf

    bilan = bilan_courant(request.portal_access.beneficiaire)
    if bilan is None:
        from django.http import Http404

        raise Http404
    response = HttpResponse(attestation_assiduite_pdf(bilan=bilan), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="attestation-assiduite.pdf"'
    return response


class ConsentementPortailForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Je consens à"))
    destinataire = forms.CharField(
        label=gettext_lazy("Destinataire (pour une transmission à un tiers)"),
        max_length=200,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        from beneficiaires.services.rgpd import CONSENTEMENTS_PORTAIL

        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(t.value, t.label) for t in CONSENTEMENTS_PORTAIL]


class SuppressionForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Votre message (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _donnees_page(request, *, status=200, **forms_):
    from beneficiaires.models import Consentement
    from beneficiaires.services.rgpd import donnees

    beneficiaire = request.portal_access.beneficiaire
    return render(
        request,
        "portail/donnees.html",
        {
            "donnees": donnees(beneficiaire),
            "consentements": Consentement.objects.filter(beneficiaire=beneficiaire),
            "consentement_form": forms_.get("consentement_form") or ConsentementPortailForm(),
            "suppression_form": forms_.get("suppression_form") or SuppressionForm(),
            "demandes": beneficiaire.demandes_suppression.all(),
        },
        status=status,
    )


@portal_required
def donnees_page(request):
    return _donnees_page(request)


@require_POST
@portal_required
def consentement_accorder(request):
    from beneficiaires.services.rgpd import consentement_portail_accorder

    form = ConsentementPortailForm(request.POST)
    if form.is_valid():
        try:
            consentement_portail_accorder(
                beneficiaire=request.portal_access.beneficiaire,
                type=form.cleaned_data["type"],
                destinataire=form.cleaned_data["destinataire"],
                par=request.user,
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
def consentement_revoquer(request, consentement_id):
    from beneficiaires.models import Consentement
    from beneficiaires.services.bilans import consentement_revoquer as revoquer
    from beneficiaires.services.rgpd import CONSENTEMENTS_PORTAIL

    consentement = get_for_organisation(
        Consentement,
        organisation=request.organisation,
        public_id=consentement_id,
        queryset=Consentement.objects.filter(
            beneficiaire_id=request.portal_access.beneficiaire_id,
            type__in=CONSENTEMENTS_PORTAIL,
        ),
    )
    revoquer(consentement=consentement)
    messages.success(request, _("Consentement retiré."))
    return redirect("portail:donnees")


@portal_required
def donnees_archive(request):
    """Download of the beneficiary's data (JSON) and documents, as a zip; logged."""
    from django.http import HttpResponse

    from beneficiaires.services.rgpd import archive
    from bilan.core.audit import audit_record
    from bilan.core.models import AuditEvent

    beneficiaire = request.portal_access.beneficiaire
    content = archive(beneficiaire)
    audit_record(
        request=request,
        action=AuditEvent.Action.EXPORT,
        object_type="donnees_personnelles",
        object_id=beneficiaire.public_id,
        object_label=_("Téléchargement de ses données par le ou la bénéficiaire"),
        beneficiaire=beneficiaire,
    )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-bilan.zip"'
    return response


@require_POST
@portal_required
def suppression_demander(request):
    from beneficiaires.services.rgpd import suppression_demander as demander

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
