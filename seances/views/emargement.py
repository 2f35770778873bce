"""Attendance signature pages: the consultant's device, the portal, the emailed link.

Staff (/app/seances/...): rights come from ``beneficiaires.acces``: the bilan's consultants
(referent or associated), the séance's consultant and admins act; assistants may read the page
and download the certificate (attendance is administrative evidence); other consultants get
404.
Portal (/portail/emargement/...): the beneficiary signs their own realised séances only (404
otherwise). Emailed link (/emargement/<organisation public id>/<token>/): shows only the séance
being signed, like ``bilan.core.views_signatures``: it binds the organisation from the URL,
then looks the hashed token up.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaires import acces
from beneficiaires.acces import PortailRequest
from beneficiaires.models import Beneficiaire, Bilan
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import TypeObjet, audit_record, client_info
from bilan.core.form_errors import flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, Organisation
from bilan.core.permissions import portal_required, staff_required
from bilan.core.tenancy import get_for_organisation, tenant_context
from seances.forms.emargement import ACCORD_LABEL, AccordForm, DessinForm
from seances.models import DemandeEmargement, Emargement, Seance
from seances.selectors import emargement as lecture
from seances.selectors.seances import seance_obtenir
from seances.services import emargement as svc

# --- Staff ------------------------------------------------------------------------------------

# Journal: kind and id only (bilan.core.audit).
ATTESTATION_ASSIDUITE = TypeObjet("attestation_assiduite", gettext_lazy("Attestation d'assiduité"))


def _verifier(
    request: StaffRequest, bilan: Bilan, *, agir: bool, consultant_seance_id: int | None = None
) -> acces.AccesBilan:
    """Reading the attendance page or certificate is administrative (any member who sees
    the bilan); acting is for the bilan's consultants and admins (``acces``)."""
    return acces.exiger_bilan(
        membership=request.membership,
        bilan=bilan,
        droit=acces.Droit.ACCOMPAGNER if agir else acces.Droit.VOIR,
        consultant_seance_id=consultant_seance_id,
    )


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def seance_emargement(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    """The séance being signed, on the consultant's device.

    POST ``action``: ``consultant`` (the consultant signs, ``session``) or ``dessin`` (the
    beneficiary draws their signature; without JavaScript they confirm in their portal).
    """
    seance = seance_obtenir(organisation=request.organisation, public_id=seance_id)
    bilan = seance.bilan
    droits = _verifier(
        request, bilan, agir=request.method == "POST", consultant_seance_id=seance.consultant_id
    )
    dessin_form = DessinForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "consultant":
                svc.emargement_signer(
                    seance=seance,
                    role=Emargement.Role.CONSULTANT,
                    signataire=lecture.utilisateur_nom_complet(user=request.user),
                    user=request.user,
                    methode=Emargement.Methode.SESSION,
                    client=client_info(request),
                )
                messages.success(request, _("Votre émargement est enregistré."))
                return redirect("emargement:seance", seance_id=seance.public_id)
            if action == "dessin":
                dessin_form = DessinForm(request.POST)
                if dessin_form.is_valid():
                    svc.emargement_signer(
                        seance=seance,
                        role=Emargement.Role.BENEFICIAIRE,
                        signataire=dessin_form.cleaned_data["signataire"],
                        user=request.user,
                        methode=Emargement.Methode.DESSIN,
                        client=client_info(request),
                        trace=dessin_form.cleaned_data["trace"],
                    )
                    messages.success(
                        request, _("L'émargement du ou de la bénéficiaire est enregistré.")
                    )
                    return redirect("emargement:seance", seance_id=seance.public_id)
                status = 400
            else:
                messages.error(request, _("Action inconnue."))
                return redirect("emargement:seance", seance_id=seance.public_id)
        except ValidationError as exc:
            if action == "dessin":
                dessin_form.add_error(None, exc)
                status = 400
            else:
                flash_errors(request, exc)
                return redirect("emargement:seance", seance_id=seance.public_id)
    emargements = lecture.seance_emargements(seance=seance)
    peut_agir = droits.accompagner
    return render(
        request,
        "emargement/seance.html",
        {
            "seance": seance,
            "bilan": bilan,
            "details": lecture.seance_details(seance=seance),
            "emargement_consultant": emargements.get(Emargement.Role.CONSULTANT),
            "emargement_beneficiaire": emargements.get(Emargement.Role.BENEFICIAIRE),
            "peut_agir": peut_agir,
            "peut_signer_consultant": lecture.peut_signer_comme_consultant(
                seance=seance, user=request.user
            ),
            "realisee": seance.statut == Seance.Statut.REALISEE,
            "a_distance": seance.modalite in lecture.MODALITES_A_DISTANCE,
            "demande": lecture.demande_en_cours(seance=seance),
            "dessin_form": dessin_form,
        },
        status=status,
    )


@staff_required
@require_POST
def demande_creer(request: StaffRequest, seance_id: uuid.UUID) -> HttpResponse:
    """Send the beneficiary a remote signing request (portal + emailed single-use link)."""
    seance = seance_obtenir(organisation=request.organisation, public_id=seance_id)
    _verifier(request, seance.bilan, agir=True, consultant_seance_id=seance.consultant_id)
    try:
        svc.demande_emargement_creer(seance=seance)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            _("Demande d'émargement envoyée à %(email)s.")
            % {"email": seance.bilan.beneficiaire.email},
        )
    return redirect("emargement:seance", seance_id=seance.public_id)


@never_cache
@staff_required
@require_GET
def attestation_assiduite(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """The bilan's attendance certificate (PDF attachment), logged as a download."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    _verifier(request, bilan, agir=False)
    content = lecture.attestation_assiduite_pdf(bilan=bilan)
    audit_record(
        request=request,
        action=AuditEvent.Action.DOWNLOAD,
        objet=ATTESTATION_ASSIDUITE,
        object_id=bilan.public_id,
        beneficiaire=bilan.beneficiaire,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"attestation-assiduite-{slugify(bilan.numero) or 'bilan'}.pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Portal -----------------------------------------------------------------------------------


def _beneficiaire(request: PortailRequest) -> Beneficiaire:
    return request.portal_access.beneficiaire


def _methode_portail(seance: Seance) -> Emargement.Methode:
    if seance.modalite in lecture.MODALITES_A_DISTANCE:
        return Emargement.Methode.PORTAIL
    return Emargement.Methode.CONFIRMATION


@never_cache
@portal_required
@require_GET
def portail_liste(request: PortailRequest) -> HttpResponse:
    """Séances to sign, each with what is being signed, and the séances already signed."""
    beneficiaire = _beneficiaire(request)
    a_signer = [
        {"seance": s, "details": lecture.seance_details(seance=s)}
        for s in lecture.seances_a_emarger_pour(beneficiaire=beneficiaire)
    ]
    signees = []
    for seance in lecture.seances_emargees_par(beneficiaire=beneficiaire)[:20]:
        emargement = next(
            e for e in seance.emargements.all() if e.role == Emargement.Role.BENEFICIAIRE
        )
        signees.append({"seance": seance, "emargement": emargement})
    return render(
        request,
        "emargement/portail_liste.html",
        {"a_signer": a_signer, "signees": signees, "accord_label": ACCORD_LABEL},
    )


@portal_required
@require_POST
def portail_signer(request: PortailRequest, seance_id: uuid.UUID) -> HttpResponse:
    """The beneficiary signs one of their realised séances (``portail`` if remote,
    ``confirmation`` in person), then sees the evidence."""
    beneficiaire = _beneficiaire(request)
    seance = get_for_organisation(
        Seance,
        organisation=request.organisation,
        public_id=seance_id,
        queryset=Seance.objects.filter(bilan__beneficiaire=beneficiaire),
    )
    form = AccordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cochez la case pour signer."))
        return redirect("portail_emargement:liste")
    try:
        svc.emargement_signer(
            seance=seance,
            role=Emargement.Role.BENEFICIAIRE,
            signataire=f"{beneficiaire.prenom} {beneficiaire.nom}",
            user=request.user,
            methode=_methode_portail(seance),
            client=client_info(request),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("portail_emargement:liste")
    messages.success(request, _("Merci, votre émargement est enregistré."))
    return redirect("portail_emargement:preuve", seance_id=seance.public_id)


@never_cache
@portal_required
@require_GET
def portail_preuve(request: PortailRequest, seance_id: uuid.UUID) -> HttpResponse:
    """The evidence of the beneficiary's own signature of one séance."""
    beneficiaire = _beneficiaire(request)
    seance = get_for_organisation(
        Seance,
        organisation=request.organisation,
        public_id=seance_id,
        queryset=lecture.seances_emargees_par(beneficiaire=beneficiaire),
    )
    emargements = lecture.seance_emargements(seance=seance)
    return render(
        request,
        "emargement/portail_preuve.html",
        {
            "seance": seance,
            "emargement": emargements[Emargement.Role.BENEFICIAIRE],
            "emargement_consultant": emargements.get(Emargement.Role.CONSULTANT),
        },
    )


# --- Emailed single-use link ------------------------------------------------------------------


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never send it on to another site, never index the page.
    # Not "no-referrer": browsers then send "Origin: null" and the CSRF check refuses the
    # form. "same-origin" still keeps the token in the URL from leaking to other sites.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _lien_invalide(
    request: HttpRequest, *, status: int, reasons: list[str] | None = None
) -> HttpResponse:
    response = render(
        request,
        "emargement/lien_invalide.html",
        {"gone": status == 410, "reasons": reasons or []},
        status=status,
    )
    return _no_referrer(response)


def _demande_utilisable(token: str) -> tuple[DemandeEmargement | None, int]:
    """(request, status): the request when it can still be used to sign, else the status."""
    demande = lecture.demande_par_jeton(token=token)
    if demande is None:
        return None, 404
    if (
        not lecture.demande_utilisable(demande=demande)
        or demande.seance.statut != Seance.Statut.REALISEE
    ):
        return None, 410
    if Emargement.objects.filter(seance=demande.seance, role=Emargement.Role.BENEFICIAIRE).exists():
        return None, 410
    return demande, 200


@never_cache
@require_http_methods(["GET", "POST"])
def lien_signer(request: HttpRequest, organisation_id: uuid.UUID, token: str) -> HttpResponse:
    """GET: the séance being signed and the checkbox, nothing else of the dossier. POST: sign
    (``lien``), consume the link, show the evidence."""
    organisation = Organisation.objects.filter(public_id=organisation_id, is_active=True).first()
    if organisation is None:
        return _lien_invalide(request, status=404)
    with tenant_context(organisation):
        demande, status = _demande_utilisable(token)
        if demande is None:
            return _lien_invalide(request, status=status)
        form = AccordForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                emargement = svc.emargement_signer_par_lien(
                    demande=demande, client=client_info(request)
                )
            except ValidationError as exc:
                return _lien_invalide(request, status=410, reasons=exc.messages)
            response = render(
                request,
                "emargement/lien_fait.html",
                {"organisation": organisation, "emargement": emargement},
            )
            return _no_referrer(response)
        response = render(
            request,
            "emargement/lien_signer.html",
            {
                "organisation": organisation,
                "details": lecture.seance_details(seance=demande.seance),
                "demande": demande,
                "form": form,
            },
            status=400 if request.method == "POST" else 200,
        )
        return _no_referrer(response)
