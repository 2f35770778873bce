import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from beneficiaires import acces, selectors
from beneficiaires.cycle import TERMINAUX
from beneficiaires.forms.beneficiaires import BeneficiaireForm, BesoinsForm, DocumentForm
from beneficiaires.forms.consentements import ConsentementForm
from beneficiaires.forms.entretiens import EntretienPrealableForm
from beneficiaires.models import Beneficiaire, Consentement, DemandeSuppression, Document
from beneficiaires.services import beneficiaires as services
from beneficiaires.services import bilans as services_bilans
from beneficiaires.services import consentements as services_consentements
from beneficiaires.services import entretiens as services_entretiens
from beneficiaires.services.beneficiaires import FicheBeneficiaire
from bilan.core.audit import TypeObjet, audit_record
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, Role
from bilan.core.permissions import role_required, staff_required
from bilan.core.tenancy import get_for_organisation

# Journal: kind and id only, never a title (bilan.core.audit).
PAR_PAGE = 50
DOSSIER = TypeObjet("dossier", gettext_lazy("Dossier de bénéficiaire"))
DOCUMENT = TypeObjet("document", gettext_lazy("Document du dossier"))


def _beneficiaire(
    request: StaffRequest, beneficiaire_id: uuid.UUID, droit: acces.Droit = acces.Droit.VOIR
) -> Beneficiaire:
    """The beneficiary named in the URL (404 elsewhere or outside need-to-know), if the
    member holds ``droit`` on it (403 otherwise)."""
    beneficiaire = selectors.beneficiaire_obtenir(
        organisation=request.organisation, public_id=beneficiaire_id
    )
    acces.exiger_beneficiaire(membership=request.membership, beneficiaire=beneficiaire, droit=droit)
    return beneficiaire


@staff_required
def beneficiaire_list(request: StaffRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    mine = request.GET.get("mes") == "1"
    beneficiaires = selectors.beneficiaires_lister(
        visibles=acces.beneficiaires_visibles(membership=request.membership),
        search=search,
        consultant=request.user if mine else None,
    )
    # Paginated: an organisation's whole list was one page of several hundred KB (issue 16).
    page = Paginator(beneficiaires, PAR_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "beneficiaires/list.html",
        {"page": page, "search": search, "mine": mine, "query": query.urlencode()},
    )


@staff_required
def beneficiaire_create(request: StaffRequest) -> HttpResponse:
    if not acces.creer_beneficiaire_permis(membership=request.membership):
        raise PermissionDenied(_("Votre rôle ne permet pas cette action."))
    data = request.POST if request.method == "POST" else None
    form = BeneficiaireForm(data, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        if (
            form.cleaned_data.get("consultant") is None
            and request.membership.role == Role.CONSULTANT
        ):
            # Need-to-know: a consultant who opens a file without naming another follows it,
            # or they would lose sight of it at once (``acces``).
            form.cleaned_data["consultant"] = request.user
        try:
            beneficiaire = services.beneficiaire_creer(
                organisation=request.organisation, fiche=FicheBeneficiaire(**form.cleaned_data)
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Bénéficiaire enregistré·e."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    status = 400 if form.errors else 200
    return render(request, "beneficiaires/form.html", {"form": form}, status=status)


def _detail_page(request: StaffRequest, beneficiaire, *, status=200, **forms):
    organisation = request.organisation
    droits = acces.acces_beneficiaire(membership=request.membership, beneficiaire=beneficiaire)
    documents = selectors.documents_lister(beneficiaire=beneficiaire)
    if not droits.lire_confidentiel:
        # Work documents are bilan content (rule 11): administrative pieces only.
        documents = documents.filter(categorie=Document.Categorie.ADMINISTRATIF)
    bilans = list(beneficiaire.bilans.select_related("consultant"))
    context = {
        "beneficiaire": beneficiaire,
        "acces": droits,
        "documents": documents,
        "document_form": forms.get("document_form") or DocumentForm(),
        "entretien_form": forms.get("entretien_form")
        or EntretienPrealableForm(
            organisation=organisation,
            questions=selectors.questions_actives_lister(organisation=organisation),
            initial={"consultant": request.user.pk},
        ),
        # Answers to the organisation's questions are bilan content (rules 11, 12).
        "voir_reponses": droits.lire_confidentiel,
        "consentement_form": forms.get("consentement_form") or ConsentementForm(),
        "besoins_form": forms.get("besoins_form")
        or BesoinsForm(initial={"besoins_accessibilite": beneficiaire.besoins_accessibilite}),
        "peut_voir_besoins": droits.voir_besoins,
        "consentements": beneficiaire.consentements.select_related("recueilli_par"),
        "entretiens": beneficiaire.entretiens_prealables.select_related(
            "consultant"
        ).prefetch_related("reponses"),
        "bilans": bilans,
        # One open bilan per person and organisation: no "Ouvrir un bilan" while one is open.
        "bilan_ouvert": next((b for b in bilans if b.statut not in TERMINAUX), None),
    }
    return render(request, "beneficiaires/detail.html", context, status=status)


@require_POST
@staff_required
def entretien_create(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.ADMINISTRER)
    form = EntretienPrealableForm(
        request.POST,
        organisation=request.organisation,
        questions=selectors.questions_actives_lister(organisation=request.organisation),
    )
    if form.is_valid():
        try:
            services_entretiens.entretien_prealable_enregistrer(
                beneficiaire=beneficiaire, fiche=form.fiche(), reponses=form.reponses()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Entretien préalable enregistré."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    return _detail_page(request, beneficiaire, entretien_form=form, status=400)


@require_POST
@staff_required
def consentement_create(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.ADMINISTRER)
    form = ConsentementForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["type"] in Consentement.Type.transmissions() and data["fichier"]:
                services_consentements.consentement_transmission_deposer(
                    beneficiaire=beneficiaire,
                    type=data["type"],
                    destinataire=data["destinataire"],
                    fichier=data["fichier"],
                    type_mime=form.type_mime,
                    par=request.user,
                )
            else:
                services_consentements.consentement_accorder(
                    beneficiaire=beneficiaire,
                    type=data["type"],
                    methode=data["methode"],
                    destinataire=data["destinataire"],
                    par=request.user,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Consentement enregistré."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    return _detail_page(request, beneficiaire, consentement_form=form, status=400)


@require_POST
@staff_required
def consentement_revoke(
    request: StaffRequest, beneficiaire_id: uuid.UUID, consentement_id: uuid.UUID
) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.ADMINISTRER)
    consentement = get_for_organisation(
        Consentement,
        organisation=request.organisation,
        public_id=consentement_id,
        queryset=Consentement.objects.filter(beneficiaire=beneficiaire),
    )
    services_consentements.consentement_revoquer(consentement=consentement, par=request.user)
    messages.success(request, _("Consentement révoqué."))
    return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)


@require_POST
@staff_required
def besoins_update(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.VOIR_BESOINS)
    form = BesoinsForm(request.POST)
    if form.is_valid():
        try:
            services_bilans.beneficiaire_enregistrer_besoins(
                beneficiaire=beneficiaire, besoins=form.cleaned_data["besoins_accessibilite"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Besoins d'aménagement enregistrés."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    return _detail_page(request, beneficiaire, besoins_form=form, status=400)


@staff_required
def beneficiaire_detail(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id)
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        objet=DOSSIER,
        object_id=beneficiaire.public_id,
        beneficiaire=beneficiaire,
    )
    return _detail_page(request, beneficiaire)


@require_POST
@staff_required
def document_upload(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.ADMINISTRER)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, beneficiaire, document_form=form, status=400)
    services.document_deposer(
        beneficiaire=beneficiaire,
        titre=form.cleaned_data["titre"],
        categorie=form.cleaned_data["categorie"] or Document.Categorie.TRAVAIL,
        fichier=form.cleaned_data["fichier"],
        type_mime=form.type_mime,
        par=request.user,
    )
    messages.success(request, _("Document ajouté au dossier."))
    return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)


@staff_required
def document_download(
    request: StaffRequest, beneficiaire_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponse:
    """Serve a private file after re-checking access; every download is logged."""
    beneficiaire = _beneficiaire(request, beneficiaire_id)
    document = selectors.document_obtenir(beneficiaire=beneficiaire, public_id=document_id)
    if document.categorie != Document.Categorie.ADMINISTRATIF:
        acces.exiger_beneficiaire(
            membership=request.membership,
            beneficiaire=beneficiaire,
            droit=acces.Droit.LIRE_CONFIDENTIEL,
        )
    audit_record(
        request=request,
        action=AuditEvent.Action.DOWNLOAD,
        objet=DOCUMENT,
        object_id=document.public_id,
        beneficiaire=beneficiaire,
    )
    # Read inside the tenant transaction: the response must not stream after it ends.
    with document.fichier.open("rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=document.type_mime)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.nom_original
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
def beneficiaire_edit(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.ADMINISTRER)
    data = request.POST if request.method == "POST" else None
    form = BeneficiaireForm(data, instance=beneficiaire, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        # The form mutated the instance while validating: save through the service.
        try:
            services.beneficiaire_modifier(
                beneficiaire=beneficiaire, fiche=FicheBeneficiaire(**form.cleaned_data)
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)
    status = 400 if form.errors else 200
    return render(
        request,
        "beneficiaires/form.html",
        {"form": form, "beneficiaire": beneficiaire},
        status=status,
    )


@require_POST
@staff_required
def beneficiaire_invite(request: StaffRequest, beneficiaire_id: uuid.UUID) -> HttpResponse:
    beneficiaire = _beneficiaire(request, beneficiaire_id, acces.Droit.ADMINISTRER)
    try:
        services.beneficiaire_inviter_au_portail(beneficiaire=beneficiaire, par=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Invitation au portail envoyée à %(email)s.") % {"email": beneficiaire.email},
        )
    return redirect("beneficiaires:detail", beneficiaire_id=beneficiaire.public_id)


@require_POST
@role_required(Role.ADMIN)
def demande_suppression_traiter(request: StaffRequest, demande_id: uuid.UUID) -> HttpResponse:
    """An admin answers an erasure request (what was erased, what the law keeps and why)."""
    demande = get_for_organisation(
        DemandeSuppression, organisation=request.organisation, public_id=demande_id
    )
    reponse = request.POST.get("reponse", "").strip()
    if not reponse:
        messages.error(request, _("Indiquez la réponse faite à la personne."))
    elif demande.traitee_le:
        messages.error(request, _("Cette demande est déjà traitée."))
    else:
        demande.reponse = reponse
        demande.traitee_le = timezone.now()
        demande.traitee_par = request.user
        demande.save(update_fields=["reponse", "traitee_le", "traitee_par", "updated_at"])
        messages.success(request, _("Demande marquée comme traitée."))
    return redirect("app:organisation")
