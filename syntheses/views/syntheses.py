"""Staff pages of the synthèse: the editor (7 sections with revision check and autosave),
the structured parts (action plan, scenario comparison, competency gaps), the workflow
buttons, the version comparison and the documents.

Thin views: objects are read through tenant-aware accessors (404 elsewhere); only the bilan's
consultants and the admins get in (403 for assistants and other consultants); every page that
shows the synthèse is audit-logged; writes go through ``syntheses.services``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaires import acces
from beneficiaires.models import Bilan
from beneficiaires.selectors import bilan_obtenir
from bilan.core.audit import TypeObjet, audit_record, client_info
from bilan.core.form_errors import add_errors, flash_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, SignatureRole, SignedDocument
from bilan.core.pdf import render_pdf
from bilan.core.permissions import staff_required
from bilan.core.signatures import roles_manquants_du_document
from bilan.core.tenancy import get_for_organisation
from bilan.core.views.signatures import methode_authentification, serve_signed_document
from syntheses import selectors
from syntheses.forms import (
    CritereForm,
    EcartForm,
    EtapeForm,
    NotesForm,
    RemiseForm,
    ScenarioForm,
    SignatureForm,
    SyntheseForm,
)
from syntheses.models import Critere, EcartCompetence, EtapePlanAction, Scenario, Synthese
from syntheses.pdf import synthese_contexte
from syntheses.services import syntheses as services

# Journal: kind and id only (bilan.core.audit).
SYNTHESE = TypeObjet("synthese", gettext_lazy("Synthèse"))
SYNTHESE_VERSIONS = TypeObjet("synthese", gettext_lazy("Versions de la synthèse"))
SYNTHESE_APERCU = TypeObjet("synthese", gettext_lazy("Aperçu PDF de la synthèse"))


def _exiger_acces(request: StaffRequest, bilan: Bilan) -> None:
    """404 outside need-to-know; 403 for a member who sees the bilan but may not read or
    write its synthèse (assistants): ``beneficiaires.acces``."""
    droits = acces.exiger_bilan(membership=request.membership, bilan=bilan)
    if not (droits.lire_confidentiel and droits.accompagner):
        raise PermissionDenied(_("Cette synthèse est réservée aux consultant·es du bilan."))


def _synthese(request: StaffRequest, synthese_id: uuid.UUID) -> Synthese:
    synthese = selectors.synthese_obtenir(organisation=request.organisation, public_id=synthese_id)
    _exiger_acces(request, synthese.bilan)
    return synthese


def _journaliser(request: StaffRequest, synthese: Synthese, *, objet: TypeObjet = SYNTHESE) -> None:
    bilan = synthese.bilan
    audit_record(
        request=request,
        action=AuditEvent.Action.READ,
        objet=objet,
        object_id=synthese.public_id,
        beneficiaire=bilan.beneficiaire,
    )


def _retour(synthese: Synthese, ancre: str = ""):
    response = redirect("syntheses:editeur", bilan_id=synthese.bilan.public_id)
    if ancre:
        response["Location"] += f"#{ancre}"
    return response


def _initial(synthese: Synthese) -> dict:
    return {
        "revision": synthese.revision,
        **{key: getattr(synthese, key) for key in selectors.SECTION_KEYS},
    }


def _etat_document(synthese: Synthese) -> dict | None:
    document = synthese.document
    if document is None:
        return None
    manquants = roles_manquants_du_document(document=document)
    return {
        "document": document,
        "manquants": [SignatureRole(r).label for r in manquants],
        "consultant_a_signer": document.status == SignedDocument.Status.EMIS
        and SignatureRole.CONSULTANT in manquants,
    }


def _page(
    request: StaffRequest, synthese: Synthese, *, form=None, conflit=None, status=200, **forms_extra
):
    """The editor page with every part; logged as a staff read of the synthèse."""
    bilan = synthese.bilan
    modifiable = synthese.statut not in selectors.STATUTS_IMMUABLES
    contenu = selectors.synthese_contenu_actuel(synthese=synthese)
    crits = list(selectors.criteres_lister(synthese=synthese))
    scen = list(selectors.scenarios_lister(synthese=synthese))
    ecarts = list(selectors.ecarts_lister(synthese=synthese))
    calcules = selectors.ecarts_calculer(contenu=contenu)
    etapes = list(selectors.plan_action_lister(synthese=synthese))
    _journaliser(request, synthese)
    return render(
        request,
        "syntheses/editeur.html",
        {
            "bilan": bilan,
            "synthese": synthese,
            "modifiable": modifiable,
            "form": form or SyntheseForm(initial=_initial(synthese)),
            "conflit": conflit,
            "sections": selectors.sections_afficher(contenu=contenu),
            "commentaires": selectors.commentaires_lister(synthese=synthese),
            "non_partagees": selectors.synthese_modifiee_depuis_partage(synthese=synthese),
            "derniere_partagee": selectors.derniere_version_partagee_obtenir(synthese=synthese),
            "etapes": [
                (e, EtapeForm(prefix=f"etape-{e.public_id}", initial=_etape_initial(e)))
                for e in etapes
            ],
            "etape_form": forms_extra.get("etape_form") or EtapeForm(prefix="etape"),
            "criteres": [
                (
                    c,
                    CritereForm(
                        prefix=f"critere-{c.public_id}",
                        initial={"libelle": c.libelle, "poids": c.poids},
                    ),
                )
                for c in crits
            ],
            "critere_form": forms_extra.get("critere_form") or CritereForm(prefix="critere"),
            "scenarios": [
                (
                    s,
                    ScenarioForm(
                        prefix=f"scenario-{s.public_id}",
                        initial={
                            "intitule": s.intitule,
                            "avantages": s.avantages,
                            "risques": s.risques,
                        },
                    ),
                    NotesForm(
                        prefix=f"notes-{s.public_id}",
                        criteres=crits,
                        notes={n.critere_id: n.note for n in s.notes.all()},
                    ),
                )
                for s in scen
            ],
            "scenario_form": forms_extra.get("scenario_form") or ScenarioForm(prefix="scenario"),
            "comparaison": selectors.scenarios_comparer(contenu=contenu),
            "ecarts": [
                (
                    e,
                    calcul,
                    EcartForm(
                        prefix=f"ecart-{e.public_id}",
                        initial={
                            "competence": e.competence,
                            "cible": e.cible,
                            "niveau_actuel": e.niveau_actuel,
                            "niveau_requis": e.niveau_requis,
                        },
                    ),
                )
                for e, calcul in zip(ecarts, calcules, strict=True)
            ],
            "ecart_form": forms_extra.get("ecart_form") or EcartForm(prefix="ecart"),
            "etat_document": _etat_document(synthese),
            "documents": selectors.documents_signes_lister(synthese=synthese),
            "versions": selectors.versions_lister(synthese=synthese).order_by("-numero"),
            "signature_form": SignatureForm(),
            "remise_form": forms_extra.get("remise_form") or RemiseForm(),
            "peut_signer": selectors.peut_signer_consultant(user=request.user, bilan=bilan),
            "refus_partage": selectors.synthese_refus_partage(bilan=bilan),
            "materiaux": selectors.synthese_materiaux(bilan=bilan, etapes=etapes),
            "citables": selectors.travaux_citables_lister(bilan=bilan),
        },
        status=status,
    )


def _etape_initial(e: EtapePlanAction) -> dict:
    return {
        "intitule": e.intitule,
        "echeance": e.echeance,
        "responsable": e.responsable,
        "ressource_type": e.ressource_type,
        "ressource": e.ressource,
        "statut": e.statut,
    }


# --- Editor -----------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def editeur(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """GET: the synthèse, or before it exists a page that offers to start it (a GET never
    writes; starting is the POST of ``commencer``). POST: save the 7 sections if the revision
    read is still current."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    _exiger_acces(request, bilan)
    if request.method == "GET":
        existante = selectors.bilan_synthese_obtenir(bilan=bilan)
        if existante is not None:
            return _page(request, existante)
        refus = selectors.synthese_refus_commencer(bilan=bilan)
        if refus is not None:
            messages.error(request, refus)
            return redirect("bilans:detail", bilan_id=bilan.public_id)
        return render(request, "syntheses/commencer.html", {"bilan": bilan})
    try:
        synthese = services.synthese_obtenir_ou_creer(bilan=bilan, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("bilans:detail", bilan_id=bilan.public_id)
    form = SyntheseForm(request.POST)
    if not form.is_valid():
        return _page(request, synthese, form=form, status=400)
    try:
        services.synthese_enregistrer(
            synthese=synthese,
            revision=form.cleaned_data["revision"],
            sections=form.sections(),
            par=request.user,
            page=form.cleaned_data["page"],
        )
    except services.ConflitRevision as exc:
        synthese.refresh_from_db()
        messages.error(request, exc.messages[0])
        return _page(request, synthese, conflit=exc, status=409)
    except ValidationError as exc:
        flash_errors(request, exc)
        return _retour(synthese)
    messages.success(
        request,
        _("Synthèse enregistrée (révision %(r)s).") % {"r": synthese.revision},
    )
    return _retour(synthese, "redaction")


@staff_required
@require_POST
def commencer(request: StaffRequest, bilan_id: uuid.UUID) -> HttpResponse:
    """Start the bilan's synthèse (a draft), then open it; refused with the reason (closed
    bilan, phase not reached), nothing written."""
    bilan = bilan_obtenir(organisation=request.organisation, public_id=bilan_id)
    _exiger_acces(request, bilan)
    try:
        synthese = services.synthese_obtenir_ou_creer(bilan=bilan, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("bilans:detail", bilan_id=bilan.public_id)
    return _retour(synthese, "redaction")


@staff_required
@require_POST
def autosave(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    """JSON autosave of the sections (autosave.js): {"revision": n}, or 409 {"conflit": true}
    when newer text exists, or 400 {"erreur": ...} when the synthèse cannot be changed."""
    synthese = _synthese(request, synthese_id)
    form = SyntheseForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"erreur": _("Formulaire incomplet.")}, status=400)
    try:
        services.synthese_enregistrer(
            synthese=synthese,
            revision=form.cleaned_data["revision"],
            sections=form.sections(),
            par=request.user,
            page=form.cleaned_data["page"],
        )
    except services.ConflitRevision as exc:
        return JsonResponse(
            {
                "conflit": True,
                "revision": exc.actuelle.revision,
                "message": _(
                    "Attention : le texte a été modifié ailleurs. Rien n'a été enregistré "
                    "automatiquement ; cliquez sur « Enregistrer » pour comparer les deux textes."
                ),
            },
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse({"erreur": " ".join(exc.messages)}, status=400)
    heure = time_format(timezone.localtime(), "H:i")
    return JsonResponse(
        {
            "revision": synthese.revision,
            "heure": heure,
            "message": _("Enregistré à %(h)s") % {"h": heure},
        }
    )


# --- Structured parts -------------------------------------------------------------------------


def _objet(model, synthese: Synthese, public_id):
    if not public_id:
        raise Http404
    return get_for_organisation(
        model,
        organisation=synthese.organisation,
        public_id=public_id,
        queryset=model.objects.filter(synthese=synthese),
    )


def _lignes(
    request: StaffRequest,
    synthese_id: uuid.UUID,
    *,
    modele,
    form_class,
    nom,
    form_name,
    ajouter,
    modifier,
    supprimer,
    textes,
    ancre,
    autres=None,
):
    """Add, edit or delete one line of a structured part (plan, criteria, scenarios, gap
    matrix): the line is named by the POST field ``nom`` and looked up within the synthèse.
    ``autres`` maps further actions to ``fonction(request, synthese, ligne) -> message``."""
    synthese = _synthese(request, synthese_id)
    action = request.POST.get("action", "")
    try:
        if action == "ajouter":
            form = form_class(request.POST, prefix=nom)
            if not form.is_valid():
                return _page(request, synthese, status=400, **{form_name: form})
            try:
                ajouter(synthese=synthese, par=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
                return _page(request, synthese, status=400, **{form_name: form})
            messages.success(request, textes["ajouter"])
        else:
            ligne = _objet(modele, synthese, request.POST.get(nom))
            if action == "modifier":
                form = form_class(request.POST, prefix=f"{nom}-{ligne.public_id}")
                if not form.is_valid():
                    raise ValidationError([e for errs in form.errors.values() for e in errs])
                modifier(ligne, par=request.user, **form.cleaned_data)
                messages.success(request, textes["modifier"])
            elif action == "supprimer":
                supprimer(ligne, par=request.user)
                messages.success(request, textes["supprimer"])
            elif autres and action in autres:
                messages.success(request, autres[action](request, synthese, ligne))
            else:
                raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    return _retour(synthese, ancre)


def _deplacer_etape(request: StaffRequest, synthese, etape):
    services.etape_deplacer(etape=etape, vers=request.POST["action"], par=request.user)
    return _("Ordre du plan d'action modifié.")


def _noter_scenario(request: StaffRequest, synthese, scenario):
    form = NotesForm(
        request.POST,
        prefix=f"notes-{scenario.public_id}",
        criteres=selectors.criteres_lister(synthese=synthese),
    )
    if not form.is_valid():
        raise ValidationError(_("Chaque note va de 0 à 5."))
    services.scenario_noter(scenario=scenario, notes=form.notes(), par=request.user)
    return _("Notes du scénario %(l)s enregistrées.") % {"l": scenario.lettre}


@staff_required
@require_POST
def plan(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _lignes(
        request,
        synthese_id,
        modele=EtapePlanAction,
        form_class=EtapeForm,
        nom="etape",
        form_name="etape_form",
        ajouter=services.etape_ajouter,
        modifier=lambda ligne, **kw: services.etape_modifier(etape=ligne, **kw),
        supprimer=lambda ligne, **kw: services.etape_supprimer(etape=ligne, **kw),
        textes={
            "ajouter": _("Étape ajoutée au plan d'action."),
            "modifier": _("Étape modifiée."),
            "supprimer": _("Étape supprimée."),
        },
        ancre="plan",
        autres={"haut": _deplacer_etape, "bas": _deplacer_etape},
    )


@staff_required
@require_POST
def criteres(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _lignes(
        request,
        synthese_id,
        modele=Critere,
        form_class=CritereForm,
        nom="critere",
        form_name="critere_form",
        ajouter=services.critere_ajouter,
        modifier=lambda ligne, **kw: services.critere_modifier(critere=ligne, **kw),
        supprimer=lambda ligne, **kw: services.critere_supprimer(critere=ligne, **kw),
        textes={
            "ajouter": _("Critère ajouté."),
            "modifier": _("Critère modifié."),
            "supprimer": _("Critère supprimé."),
        },
        ancre="scenarios",
    )


@staff_required
@require_POST
def scenarios(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _lignes(
        request,
        synthese_id,
        modele=Scenario,
        form_class=ScenarioForm,
        nom="scenario",
        form_name="scenario_form",
        ajouter=services.scenario_ajouter,
        modifier=lambda ligne, **kw: services.scenario_modifier(scenario=ligne, **kw),
        supprimer=lambda ligne, **kw: services.scenario_supprimer(scenario=ligne, **kw),
        textes={
            "ajouter": _("Scénario ajouté."),
            "modifier": _("Scénario modifié."),
            "supprimer": _("Scénario supprimé."),
        },
        ancre="scenarios",
        autres={"noter": _noter_scenario},
    )


@staff_required
@require_POST
def ecarts(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _lignes(
        request,
        synthese_id,
        modele=EcartCompetence,
        form_class=EcartForm,
        nom="ecart",
        form_name="ecart_form",
        ajouter=services.ecart_ajouter,
        modifier=lambda ligne, **kw: services.ecart_modifier(ecart=ligne, **kw),
        supprimer=lambda ligne, **kw: services.ecart_supprimer(ecart=ligne, **kw),
        textes={
            "ajouter": _("Compétence ajoutée à la matrice."),
            "modifier": _("Ligne modifiée."),
            "supprimer": _("Ligne supprimée."),
        },
        ancre="ecarts",
    )


def _action(
    request: StaffRequest, synthese_id: uuid.UUID, fonction, succes: str, *, ancre="workflow"
):
    synthese = _synthese(request, synthese_id)
    try:
        fonction(synthese)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, succes)
    return _retour(synthese, ancre)


@staff_required
@require_POST
def partager(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_partager(synthese=s, par=request.user),
        _("Synthèse partagée : le ou la bénéficiaire peut la lire et la commenter."),
    )


@staff_required
@require_POST
def reviser(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_reviser(synthese=s, par=request.user),
        _("Révision publiée : le ou la bénéficiaire lit la nouvelle version."),
    )


@staff_required
@require_POST
def valider(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_valider(
            synthese=s, role=SignatureRole.CONSULTANT, par=request.user
        ),
        _("Votre validation est enregistrée."),
    )


@staff_required
@require_POST
def emettre(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_emettre_pour_signature(synthese=s, par=request.user),
        _("Document de synthèse émis : il attend les deux signatures."),
    )


@staff_required
@require_POST
def signer(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    synthese = _synthese(request, synthese_id)
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Cochez la case pour signer."))
        return _retour(synthese, "workflow")
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_signer(
            synthese=s,
            role=SignatureRole.CONSULTANT,
            user=request.user,
            client=client_info(request),
            methode=methode_authentification(request),
        ),
        _("Votre signature est enregistrée."),
    )


@staff_required
@require_POST
def nouvelle_version(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_nouvelle_version(synthese=s, par=request.user),
        _(
            "Nouvelle version ouverte : corrigez, puis faites-la valider et signer à nouveau. "
            "Le document signé reste conservé."
        ),
    )


@staff_required
@require_POST
def remettre(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    synthese = _synthese(request, synthese_id)
    form = RemiseForm(request.POST)
    if not form.is_valid():
        return _page(request, synthese, remise_form=form, status=400)
    return _action(
        request,
        synthese_id,
        lambda s: services.synthese_remettre(
            synthese=s, mode=form.cleaned_data["mode"], par=request.user
        ),
        _("Remise de la synthèse enregistrée."),
    )


# --- Versions and documents -------------------------------------------------------------------


@staff_required
@require_GET
def versions(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    """Every kept version; with ?a=<n>&b=<m>, the per-part differences from a to b."""
    synthese = _synthese(request, synthese_id)
    toutes = list(selectors.versions_lister(synthese=synthese).order_by("numero"))
    a = selectors.version_obtenir(synthese=synthese, numero=request.GET.get("a"))
    b = selectors.version_obtenir(synthese=synthese, numero=request.GET.get("b"))
    if a is None and b is None and len(toutes) >= 2:
        a, b = toutes[-2], toutes[-1]
    parties = selectors.versions_comparer(a=a, b=b) if a is not None and b is not None else None
    _journaliser(request, synthese, objet=SYNTHESE_VERSIONS)
    return render(
        request,
        "syntheses/versions.html",
        {
            "bilan": synthese.bilan,
            "synthese": synthese,
            "versions": toutes,
            "a": a,
            "b": b,
            "parties": parties,
            "demande_invalide": bool(request.GET.get("a") or request.GET.get("b"))
            and parties is None,
        },
    )


@staff_required
@require_GET
def document(
    request: StaffRequest, synthese_id: uuid.UUID, signed_document_id: uuid.UUID
) -> HttpResponse:
    synthese = _synthese(request, synthese_id)
    doc = get_for_organisation(
        SignedDocument,
        organisation=request.organisation,
        public_id=signed_document_id,
        queryset=selectors.documents_signes_lister(synthese=synthese),
    )
    return serve_signed_document(request, doc, signed=doc.status == SignedDocument.Status.SIGNE)


@staff_required
@require_GET
def apercu(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    """The PDF of the synthèse as it stands (the saved text, not a signed document), shown in
    the browser: the same template and sanitising as the issued document, marked « aperçu »
    by its file name; nothing is stored."""
    synthese = _synthese(request, synthese_id)
    contenu = render_pdf(
        template=services.PDF_TEMPLATE,
        context=synthese_contexte(synthese=synthese),
        organisation=request.organisation,
    )
    _journaliser(request, synthese, objet=SYNTHESE_APERCU)
    response = HttpResponse(contenu, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="synthese-{synthese.bilan.numero}-apercu.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def ecarts_rome(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    """Pre-fill the gap matrix with the core savoir-faire of the projet cible (ROME)."""
    synthese = _synthese(request, synthese_id)
    try:
        nombre = services.ecarts_preremplir_depuis_rome(synthese=synthese, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d savoir-faire ajouté à la matrice.",
                "%(n)d savoir-faire ajoutés à la matrice.",
                nombre,
            )
            % {"n": nombre},
        )
    return redirect(reverse("syntheses:editeur", args=[synthese.bilan.public_id]) + "#ecarts")


@staff_required
@require_POST
def enquetes_metier_inserer(request: StaffRequest, synthese_id: uuid.UUID) -> HttpResponse:
    """Insert the summary of the enquêtes métier into the "projets" section."""
    synthese = _synthese(request, synthese_id)
    try:
        services.synthese_inserer_enquetes_metier(synthese=synthese, par=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("Le résumé des enquêtes métier est ajouté à la section projets.")
        )
    return redirect(reverse("syntheses:editeur", args=[synthese.bilan.public_id]) + "#projets")
