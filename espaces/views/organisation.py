"""The organisation's administration page (settings, members, invitations, erasure requests) and
the access journal: they gather the core's accounts and the beneficiaries' requests."""

import uuid
from dataclasses import fields as dataclass_fields

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from beneficiaires import selectors as beneficiaires_selectors
from beneficiaires.forms.entretiens import QuestionEntretienForm
from beneficiaires.forms.sous_traitance import SousTraitanceForm
from beneficiaires.models import DemandeSuppression
from beneficiaires.services.entretiens import question_entretien_creer, question_entretien_modifier
from beneficiaires.services.sous_traitance import (
    membre_sous_traitance_enregistrer,
    membre_sous_traitance_retirer,
)
from beneficiaires.sous_traitance import PLAFOND_SOUS_TRAITANCE, parts_sous_traitees_cpf
from bilan.core import selectors, services
from bilan.core.audit import evenements_audit
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.forms import (
    AuditFilterForm,
    MembershipRoleForm,
    OrganisationForm,
    StaffInvitationForm,
)
from bilan.core.middleware import StaffRequest
from bilan.core.models import Role
from bilan.core.permissions import role_required, staff_required

SUGGESTIONS = 10


def _organisation_page(request: StaffRequest, *, form=None, invitation_form=None, status=200):
    organisation = request.organisation
    members = selectors.membres_de_organisation(organisation=organisation)
    is_admin = request.membership.role == Role.ADMIN
    context = {
        "form": form or (OrganisationForm(instance=organisation) if is_admin else None),
        "members": members,
        "role_choices": Role.choices,
        "invitations": selectors.invitations_en_attente(organisation=organisation),
        "invitation_form": invitation_form or StaffInvitationForm(),
        "admin_count": members.filter(role=Role.ADMIN, is_active=True).count(),
        "demandes_suppression": _demandes_suppression() if is_admin else [],
        "qualiopi_alertes": selectors.qualiopi_alertes(
            organisation=organisation, aujourdhui=timezone.localdate()
        )
        if is_admin
        else [],
    }
    return render(request, "app/organisation.html", context, status=status)


def _demandes_suppression():

    return DemandeSuppression.objects.filter(traitee_le__isnull=True).select_related("beneficiaire")


@staff_required
def organisation_settings(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":
        if request.membership.role != Role.ADMIN:
            raise PermissionDenied(_("Seul·e un·e administrateur·rice peut modifier l'organisme."))
        form = OrganisationForm(request.POST, request.FILES, instance=request.organisation)
        if form.is_valid():
            data = form.cleaned_data
            fiche = services.FicheOrganisation(
                **{
                    champ.name: data[champ.name]
                    for champ in dataclass_fields(services.FicheOrganisation)
                }
            )
            try:
                services.organisation_modifier(
                    organisation=request.organisation,
                    fiche=fiche,
                    # The form's file field answers the new upload, False when "clear" is
                    # ticked, or the current file when nothing was sent.
                    logo=data["logo"] if isinstance(data["logo"], UploadedFile) else None,
                    logo_retirer=data["logo"] is False,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Les informations de l'organisme sont enregistrées."))
                return redirect("app:organisation")
        return _organisation_page(request, form=form, status=400)
    return _organisation_page(request)


@role_required(Role.ADMIN)
def audit_journal(request: StaffRequest) -> HttpResponse:
    """The access journal, for admins: who read or downloaded what, filterable.

    The beneficiary filter is a search (``qb``, as-you-type through ``audit_journal_beneficiaires``)
    whose suggestions set ``beneficiaire``: a ``<select>`` of the whole organisation cost
    thousands of rows on every load (issue 16). An id from elsewhere is not a choice: 400.
    """
    voulu = request.GET.get("beneficiaire", "")
    choisi = beneficiaires_selectors.beneficiaire_trouver(public_id=voulu) if voulu else None
    members = list(selectors.membres_de_organisation(organisation=request.organisation))
    form = AuditFilterForm(
        request.GET or None, beneficiaires=[choisi] if choisi else [], members=members
    )
    beneficiaire = actor = None
    if form.is_valid():
        beneficiaire = choisi if form.cleaned_data["beneficiaire"] else None
        wanted = form.cleaned_data["utilisateur"]
        actor = next((m.user for m in members if str(m.user.public_id) == wanted), None)
    events = evenements_audit(beneficiaire=beneficiaire, actor=actor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    recherche = request.GET.get("qb", "").strip()
    return render(
        request,
        "app/journal.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "beneficiaire_choisi": beneficiaire,
            "recherche": recherche,
            "suggestions": _suggestions(recherche),
        },
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


def _suggestions(recherche: str) -> list:
    if not recherche:
        return []
    return list(beneficiaires_selectors.beneficiaires_lister(search=recherche)[:SUGGESTIONS])


@role_required(Role.ADMIN)
def audit_journal_beneficiaires(request: StaffRequest) -> HttpResponse:
    """The journal filter's suggestions (htmx fragment): at most ``SUGGESTIONS`` beneficiaries
    of the organisation matching ``qb``."""
    recherche = request.GET.get("qb", "").strip()
    return render(
        request,
        "app/_journal_suggestions.html",
        {"recherche": recherche, "suggestions": _suggestions(recherche)},
    )


@require_POST
@role_required(Role.ADMIN)
def invitation_create(request: StaffRequest) -> HttpResponse:
    form = StaffInvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_creer(
                organisation=request.organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("app:organisation")
    return _organisation_page(request, invitation_form=form, status=400)


@require_POST
@role_required(Role.ADMIN)
def invitation_revoke(request: StaffRequest, invitation_id: uuid.UUID) -> HttpResponse:
    invitation = selectors.invitation_obtenir(
        organisation=request.organisation, public_id=invitation_id
    )
    services.invitation_revoquer(invitation=invitation)
    messages.success(request, _("Invitation révoquée."))
    return redirect("app:organisation")


@require_POST
@role_required(Role.ADMIN)
def membership_role(request: StaffRequest, membership_id: uuid.UUID) -> HttpResponse:
    membership = selectors.membre_obtenir(
        organisation=request.organisation, public_id=membership_id
    )
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez un rôle valide."))
    else:
        try:
            services.membre_changer_role(membership=membership, role=form.cleaned_data["role"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Rôle de %(name)s mis à jour.") % {"name": membership.user})
    return redirect("app:organisation")


@require_POST
@role_required(Role.ADMIN)
def membership_deactivate(request: StaffRequest, membership_id: uuid.UUID) -> HttpResponse:
    return _membership_set_active(request, membership_id, is_active=False)


@require_POST
@role_required(Role.ADMIN)
def membership_reactivate(request: StaffRequest, membership_id: uuid.UUID) -> HttpResponse:
    return _membership_set_active(request, membership_id, is_active=True)


def _membership_set_active(request: StaffRequest, membership_id: uuid.UUID, *, is_active: bool):
    membership = selectors.membre_obtenir(
        organisation=request.organisation, public_id=membership_id
    )
    try:
        services.membre_definir_actif(membership=membership, is_active=is_active, by=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        text = _("Accès de %(name)s réactivé.") if is_active else _("Accès de %(name)s désactivé.")
        messages.success(request, text % {"name": membership.user})
    return redirect("app:organisation")


# --- Intake questions of the prior interview (rule 12) ---------------------------------------


def _questions_page(request: StaffRequest, *, form=None, question=None, status=200):
    return render(
        request,
        "app/organisation_questions.html",
        {
            "questions": beneficiaires_selectors.questions_lister(
                organisation=request.organisation
            ),
            "form": form or QuestionEntretienForm(instance=question),
            "question": question,
        },
        status=status,
    )


@role_required(Role.ADMIN)
def questions_entretien(request: StaffRequest) -> HttpResponse:
    """The catalogue of the organisation's intake questions, and adding one (admins)."""
    if request.method != "POST":
        return _questions_page(request)
    form = QuestionEntretienForm(request.POST)
    if form.is_valid():
        try:
            question_entretien_creer(organisation=request.organisation, fiche=form.fiche())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Question ajoutée au formulaire d'entretien préalable."))
            return redirect("app:questions_entretien")
    return _questions_page(request, form=form, status=400)


@role_required(Role.ADMIN)
def question_entretien_modifier_vue(
    request: StaffRequest, question_entretien_id: uuid.UUID
) -> HttpResponse:
    question = beneficiaires_selectors.question_obtenir(
        organisation=request.organisation, public_id=question_entretien_id
    )
    if request.method != "POST":
        return _questions_page(request, question=question)
    form = QuestionEntretienForm(request.POST, instance=question)
    if form.is_valid():
        try:
            question_entretien_modifier(question=question, fiche=form.fiche())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Question mise à jour."))
            return redirect("app:questions_entretien")
    return _questions_page(request, form=form, question=question, status=400)


# --- CPF sub-contracting (rule 27) -------------------------------------------------------------


@role_required(Role.ADMIN)
def sous_traitance(request: StaffRequest) -> HttpResponse:
    """The consultants working under a sub-contracting contract, and the sub-contracted share
    of the CPF turnover of this year and the last one (80 % ceiling)."""
    annee = timezone.localdate().year
    return render(
        request,
        "app/organisation_sous_traitance.html",
        {
            "membres": selectors.membres_de_organisation(organisation=request.organisation).filter(
                role__in=[Role.CONSULTANT, Role.ADMIN]
            ),
            "parts": parts_sous_traitees_cpf(
                organisation=request.organisation, annees=[annee, annee - 1]
            ),
            "plafond": PLAFOND_SOUS_TRAITANCE,
        },
    )


@role_required(Role.ADMIN)
def sous_traitance_contrat(request: StaffRequest, membership_id: uuid.UUID) -> HttpResponse:
    membership = selectors.membre_obtenir(
        organisation=request.organisation, public_id=membership_id
    )
    status = 200
    if request.method == "POST":
        form = SousTraitanceForm(request.POST, instance=membership)
        if form.is_valid():
            try:
                membre_sous_traitance_enregistrer(membership=membership, contrat=form.contrat())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Contrat de sous-traitance de %(name)s enregistré.")
                    % {"name": membership.user},
                )
                return redirect("app:sous_traitance")
        status = 400
    else:
        form = SousTraitanceForm(instance=membership)
    return render(
        request,
        "app/organisation_sous_traitance_contrat.html",
        {"membre": membership, "form": form},
        status=status,
    )


@require_POST
@role_required(Role.ADMIN)
def sous_traitance_retirer(request: StaffRequest, membership_id: uuid.UUID) -> HttpResponse:
    membership = selectors.membre_obtenir(
        organisation=request.organisation, public_id=membership_id
    )
    membre_sous_traitance_retirer(membership=membership)
    messages.success(
        request, _("%(name)s n'intervient plus en sous-traitance.") % {"name": membership.user}
    )
    return redirect("app:sous_traitance")
