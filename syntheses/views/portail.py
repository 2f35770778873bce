"""The beneficiary's side of the synthèse (portal): read the shared version (never the live
draft), comment per section, validate, sign, download every signed version.

The synthèse is found from the portal access (``request.portal_access.beneficiaire``), never
from the URL; a beneficiary without a shared synthèse gets a page saying so. Their own reads
are not staff reads: they are not written to the audit trail.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beneficiaires.acces import PortailRequest
from bilan.core.audit import client_info
from bilan.core.form_errors import flash_errors
from bilan.core.models import SignatureRole, SignedDocument
from bilan.core.permissions import portal_required
from bilan.core.signatures import roles_manquants_du_document, signatures_du_document
from bilan.core.tenancy import get_for_organisation
from bilan.core.views.signatures import methode_authentification, serve_signed_document
from syntheses import selectors
from syntheses.forms import CommentaireForm, SignatureForm
from syntheses.models import Commentaire, Synthese
from syntheses.services import syntheses as services


def _synthese(request: PortailRequest) -> Synthese | None:
    return selectors.beneficiaire_synthese_obtenir(beneficiaire=request.portal_access.beneficiaire)


def _exiger(request: PortailRequest) -> Synthese:
    synthese = _synthese(request)
    if synthese is None:
        raise Http404
    return synthese


def _retour(ancre: str = ""):
    response = redirect("portail_synthese:lire")
    if ancre:
        response["Location"] += f"#{ancre}"
    return response


@portal_required
@require_GET
def lire(request: PortailRequest) -> HttpResponse:
    synthese = _synthese(request)
    if synthese is None:
        return render(request, "portail/synthese_absente.html")
    version = selectors.derniere_version_partagee_obtenir(synthese=synthese)
    if version is None:  # the selector only finds syntheses shared at least once
        return render(request, "portail/synthese_absente.html")
    contenu = version.contenu
    commentaires = selectors.commentaires_lister(synthese=synthese).filter(auteur=request.user)
    par_section: dict[str, list[Commentaire]] = {}
    for c in commentaires:
        par_section.setdefault(c.section, []).append(c)
    sections = selectors.sections_afficher(contenu=contenu)
    for s in sections:
        s["commentaires"] = par_section.get(s["key"], [])
    document = synthese.document
    a_signer = (
        document is not None
        and synthese.statut == Synthese.Statut.VALIDEE
        and document.status == SignedDocument.Status.EMIS
        and SignatureRole.BENEFICIAIRE in roles_manquants_du_document(document=document)
    )
    ma_signature = None
    if document is not None and document.status == SignedDocument.Status.EMIS:
        ma_signature = (
            signatures_du_document(document=document)
            .filter(role=SignatureRole.BENEFICIAIRE)
            .first()
        )
    signes = list(selectors.documents_signes_par_beneficiaire_lister(synthese=synthese))
    preuves = {d.pk: list(signatures_du_document(document=d)) for d in signes}
    en_relecture = synthese.statut in (Synthese.Statut.PARTAGEE, Synthese.Statut.REVISEE)
    return render(
        request,
        "portail/synthese.html",
        {
            "synthese": synthese,
            "version": version,
            "sections": sections,
            "plan": contenu.get("plan", []),
            "comparaison": selectors.scenarios_comparer(contenu=contenu),
            "ecarts": selectors.ecarts_calculer(contenu=contenu),
            "en_relecture": en_relecture,
            "peut_valider": en_relecture and synthese.validee_beneficiaire_le is None,
            "commentaire_form": CommentaireForm(),
            "document": document,
            "a_signer": a_signer,
            "signature_form": SignatureForm(),
            "ma_signature": ma_signature,
            "signes": [(d, preuves[d.pk]) for d in signes],
        },
    )


@portal_required
@require_POST
def commenter(request: PortailRequest) -> HttpResponse:
    synthese = _exiger(request)
    form = CommentaireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une section et écrivez votre commentaire."))
        return _retour("sections")
    try:
        services.commentaire_ajouter(
            synthese=synthese,
            section=form.cleaned_data["section"],
            texte=form.cleaned_data["texte"],
            par=request.user,
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Merci, votre commentaire est transmis à votre consultant·e."))
    return _retour(f"section-{form.cleaned_data['section']}")


@portal_required
@require_POST
def valider(request: PortailRequest) -> HttpResponse:
    synthese = _exiger(request)
    try:
        services.synthese_valider(
            synthese=synthese, role=SignatureRole.BENEFICIAIRE, par=request.user
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Merci, votre validation de la synthèse est enregistrée."))
    return _retour("validation")


@portal_required
@require_POST
def signer(request: PortailRequest) -> HttpResponse:
    synthese = _exiger(request)
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cochez la case pour signer."))
        return _retour("signature")
    try:
        services.synthese_signer(
            synthese=synthese,
            role=SignatureRole.BENEFICIAIRE,
            user=request.user,
            client=client_info(request),
            methode=methode_authentification(request),
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Merci, votre signature est enregistrée."))
    return _retour("signature")


@portal_required
@require_GET
def telecharger(request: PortailRequest, signed_document_id: uuid.UUID) -> HttpResponse:
    """A synthèse document the beneficiary signed (signed PDF when complete), or the issued
    one awaiting their signature."""
    synthese = _exiger(request)
    qs = selectors.documents_signes_lister(synthese=synthese).filter(
        beneficiaire_id=request.portal_access.beneficiaire_id
    )
    document = get_for_organisation(
        SignedDocument,
        organisation=request.organisation,
        public_id=signed_document_id,
        queryset=qs,
    )
    signe = document.status == SignedDocument.Status.SIGNE
    if not signe and not (
        document.status == SignedDocument.Status.EMIS and document.pk == synthese.document_id
    ):
        raise Http404
    # ?lire=1: opened in the browser's reader (a phone shows it in the page), else downloaded.
    return serve_signed_document(
        request, document, signed=signe, en_ligne=request.GET.get("lire") == "1"
    )
