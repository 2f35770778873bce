"""Quality registers (staff, /app/qualiopi/registres/): one generic list (filters, CSV
export), add, and detail/edit page per register, driven by the ``REGISTRES`` table.

Access: administrators only, except that consultants may **add** an entry to the watch log and
to the stakeholder feedback register (the whole team does the watch and hears funders and
employers, ind. 23-25 and 30); they neither list, edit nor export. Proof files of the staff
records are served only through ``piece_telecharger`` (admins, re-checked, logged).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bilan.core.audit import TypeObjet, audit_record
from bilan.core.exports import csv_reponse
from bilan.core.form_errors import add_errors
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, Role, TenantOwned
from bilan.core.permissions import role_required, staff_required
from bilan.core.tenancy import get_for_organisation
from qualiopi.forms import registres as formulaires
from qualiopi.models.registres import (
    CanalReclamation,
    Intervenant,
    KindVeille,
    NatureReclamation,
    PartenaireHandicap,
    PieceIntervenant,
    Reclamation,
    RetourPartiePrenante,
    SourceAction,
    StatutAction,
)
from qualiopi.selectors import registres as selectors
from qualiopi.services import registres as services

PIECE_INTERVENANT = TypeObjet("piece_intervenant", gettext_lazy("Justificatif d'intervenant·e"))


def _d(valeur: dt.date | None) -> str:
    return valeur.strftime("%d/%m/%Y") if valeur else ""


def _iso(valeur: dt.date | None) -> str:
    return valeur.isoformat() if valeur else ""


@dataclass(frozen=True)
class Colonne:
    libelle: Any
    valeur: Callable[[Any], object]


@dataclass(frozen=True)
class Filtre:
    nom: str
    libelle: Any
    champ: str
    choix: list[tuple[str, str]]


@dataclass(frozen=True)
class Registre:
    slug: str
    titre: Any
    indicateurs: str
    intro: Any
    lister: Callable[[], QuerySet]
    formulaire: type[formulaires.RegistreForm]
    champ_date: str | None
    colonnes: list[Colonne]
    csv: list[Colonne]
    filtres: list[Filtre] = field(default_factory=list)
    recherche: tuple[str, ...] = ()
    consultant_ajoute: bool = False

    @property
    def modele(self) -> type[TenantOwned]:
        return cast("type[TenantOwned]", self.formulaire._meta.model)


def _choix(enum) -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in enum.choices]


REGISTRES: dict[str, Registre] = {
    r.slug: r
    for r in [
        Registre(
            slug="reclamations",
            titre=gettext_lazy("Réclamations et incidents"),
            indicateurs="31",
            intro=gettext_lazy(
                "Chaque réclamation écrite ou incident : réception, accusé de réception dans le "
                "délai cible, réponse, clôture et actions d'amélioration liées."
            ),
            lister=selectors.reclamations_lister,
            formulaire=formulaires.ReclamationForm,
            champ_date="recue_le",
            colonnes=[
                Colonne(gettext_lazy("Reçue le"), lambda r: _d(r.recue_le)),
                Colonne(gettext_lazy("Objet"), lambda r: r.objet),
                Colonne(gettext_lazy("Nature"), lambda r: r.get_nature_display()),
                Colonne(gettext_lazy("Canal"), lambda r: r.get_canal_display()),
                Colonne(gettext_lazy("Accusé"), lambda r: _d(r.accuse_le)),
                Colonne(gettext_lazy("Réponse"), lambda r: _d(r.reponse_le)),
                Colonne(gettext_lazy("Clôture"), lambda r: _d(r.cloture_le)),
            ],
            csv=[
                Colonne("reference", lambda r: r.public_id),
                Colonne("recue_le", lambda r: _iso(r.recue_le)),
                Colonne("canal", lambda r: r.get_canal_display()),
                Colonne("nature", lambda r: r.get_nature_display()),
                Colonne("objet", lambda r: r.objet),
                Colonne("dossier", lambda r: r.bilan.numero if r.bilan_id else ""),
                Colonne("accuse_le", lambda r: _iso(r.accuse_le)),
                Colonne("reponse_le", lambda r: _iso(r.reponse_le)),
                Colonne("reponse", lambda r: r.reponse),
                Colonne("cloture_le", lambda r: _iso(r.cloture_le)),
                Colonne("actions", lambda r: " | ".join(a.intitule for a in r.actions.all())),
            ],
            filtres=[
                Filtre("nature", gettext_lazy("Nature"), "nature", _choix(NatureReclamation)),
                Filtre("canal", gettext_lazy("Canal"), "canal", _choix(CanalReclamation)),
                Filtre(
                    "etat",
                    gettext_lazy("État"),
                    "",
                    [
                        ("ouverte", str(gettext_lazy("Ouvertes"))),
                        ("close", str(gettext_lazy("Closes"))),
                    ],
                ),
            ],
            recherche=("objet", "description", "auteur"),
        ),
        Registre(
            slug="actions",
            titre=gettext_lazy("Actions d'amélioration"),
            indicateurs="32",
            intro=gettext_lazy(
                "Le plan d'amélioration : chaque action, son origine (réclamation, enquête, "
                "audit, retour), son ou sa responsable, son échéance, son statut et son résultat."
            ),
            lister=selectors.actions_lister,
            formulaire=formulaires.ActionForm,
            champ_date="ouverte_le",
            colonnes=[
                Colonne(gettext_lazy("Ouverte le"), lambda a: _d(a.ouverte_le)),
                Colonne(gettext_lazy("Intitulé"), lambda a: a.intitule),
                Colonne(gettext_lazy("Origine"), lambda a: a.get_source_display()),
                Colonne(gettext_lazy("Responsable"), lambda a: a.responsable),
                Colonne(gettext_lazy("Échéance"), lambda a: _d(a.echeance)),
                Colonne(gettext_lazy("Statut"), lambda a: a.get_statut_display()),
            ],
            csv=[
                Colonne("reference", lambda a: a.public_id),
                Colonne("ouverte_le", lambda a: _iso(a.ouverte_le)),
                Colonne("intitule", lambda a: a.intitule),
                Colonne("origine", lambda a: a.get_source_display()),
                Colonne("precision_origine", lambda a: a.source_precision),
                Colonne(
                    "reclamation", lambda a: a.reclamation.public_id if a.reclamation_id else ""
                ),
                Colonne("retour", lambda a: a.retour.public_id if a.retour_id else ""),
                Colonne("responsable", lambda a: a.responsable),
                Colonne("echeance", lambda a: _iso(a.echeance)),
                Colonne("statut", lambda a: a.get_statut_display()),
                Colonne("realisee_le", lambda a: _iso(a.realisee_le)),
                Colonne("resultat", lambda a: a.resultat),
            ],
            filtres=[
                Filtre("statut", gettext_lazy("Statut"), "statut", _choix(StatutAction)),
                Filtre("source", gettext_lazy("Origine"), "source", _choix(SourceAction)),
            ],
            recherche=("intitule", "description", "resultat"),
        ),
        Registre(
            slug="veille",
            titre=gettext_lazy("Veille"),
            indicateurs="23-25",
            intro=gettext_lazy(
                "Veille légale et réglementaire, métiers et emploi, pédagogique et "
                "technologique : ce qui a été appris et ce qui en a été fait."
            ),
            lister=selectors.veille_lister,
            formulaire=formulaires.VeilleForm,
            champ_date="date",
            colonnes=[
                Colonne(gettext_lazy("Date"), lambda v: _d(v.date)),
                Colonne(gettext_lazy("Type"), lambda v: v.get_kind_display()),
                Colonne(gettext_lazy("Source"), lambda v: v.source),
                Colonne(gettext_lazy("Action menée"), lambda v: v.action_prise),
            ],
            csv=[
                Colonne("date", lambda v: _iso(v.date)),
                Colonne("type", lambda v: v.get_kind_display()),
                Colonne("source", lambda v: v.source),
                Colonne("apprentissage", lambda v: v.apprentissage),
                Colonne("action_menee", lambda v: v.action_prise),
                Colonne("action_amelioration", lambda v: v.action.intitule if v.action_id else ""),
            ],
            filtres=[Filtre("kind", gettext_lazy("Type"), "kind", _choix(KindVeille))],
            recherche=("source", "apprentissage", "action_prise"),
            consultant_ajoute=True,
        ),
        Registre(
            slug="intervenants",
            titre=gettext_lazy("Intervenant·es : qualifications et formations"),
            indicateurs="17, 21, 22",
            intro=gettext_lazy(
                "Par intervenant·e (membre de l'équipe ou sous-traitant·e) : diplômes, "
                "habilitations aux tests, formations, supervision, avec leurs justificatifs."
            ),
            lister=selectors.intervenants_lister,
            formulaire=formulaires.IntervenantForm,
            champ_date=None,
            colonnes=[
                Colonne(gettext_lazy("Intervenant·e"), lambda i: str(i)),
                Colonne(gettext_lazy("Fonction"), lambda i: i.fonction),
                Colonne(
                    gettext_lazy("Sous-traitance"),
                    lambda i: _("oui") if i.sous_traitant else _("non"),
                ),
                Colonne(gettext_lazy("Lignes"), lambda i: len(i.pieces.all())),
            ],
            csv=[
                Colonne("intervenant", lambda i: str(i)),
                Colonne("fonction", lambda i: i.fonction),
                Colonne("sous_traitance", lambda i: "oui" if i.sous_traitant else "non"),
                Colonne("lignes", lambda i: len(i.pieces.all())),
            ],
            recherche=("nom", "fonction", "membre__last_name", "membre__email"),
        ),
        Registre(
            slug="partenaires-handicap",
            titre=gettext_lazy("Partenaires handicap"),
            indicateurs="26",
            intro=gettext_lazy(
                "L'annuaire des partenaires mobilisables : Agefiph, Cap emploi, MDPH..."
            ),
            lister=selectors.partenaires_handicap_lister,
            formulaire=formulaires.PartenaireForm,
            champ_date=None,
            colonnes=[
                Colonne(gettext_lazy("Nom"), lambda p: p.nom),
                Colonne(gettext_lazy("Type"), lambda p: p.get_kind_display()),
                Colonne(gettext_lazy("Contact"), lambda p: p.contact),
                Colonne(gettext_lazy("Téléphone"), lambda p: p.telephone),
            ],
            csv=[
                Colonne("nom", lambda p: p.nom),
                Colonne("type", lambda p: p.get_kind_display()),
                Colonne("contact", lambda p: p.contact),
                Colonne("telephone", lambda p: p.telephone),
                Colonne("courriel", lambda p: p.courriel),
            ],
            filtres=[Filtre("kind", gettext_lazy("Type"), "kind", _choix(PartenaireHandicap.Kind))],
            recherche=("nom", "contact", "notes"),
        ),
        Registre(
            slug="adaptations",
            titre=gettext_lazy("Adaptations handicap (anonymisées)"),
            indicateurs="26",
            intro=gettext_lazy(
                "Les adaptations mises en place, sans nom ni lien vers le dossier : la date, le "
                "besoin et la réponse apportée."
            ),
            lister=selectors.adaptations_handicap_lister,
            formulaire=formulaires.AdaptationForm,
            champ_date="date",
            colonnes=[
                Colonne(gettext_lazy("Date"), lambda a: _d(a.date)),
                Colonne(gettext_lazy("Besoin"), lambda a: a.besoin),
                Colonne(gettext_lazy("Adaptation"), lambda a: a.adaptation),
            ],
            csv=[
                Colonne("date", lambda a: _iso(a.date)),
                Colonne("besoin", lambda a: a.besoin),
                Colonne("adaptation", lambda a: a.adaptation),
                Colonne("partenaire", lambda a: a.partenaire.nom if a.partenaire_id else ""),
            ],
            recherche=("besoin", "adaptation"),
        ),
        Registre(
            slug="retours",
            titre=gettext_lazy("Retours des parties prenantes"),
            indicateurs="30",
            intro=gettext_lazy(
                "Les appréciations des financeurs, employeurs, consultant·es et partenaires, et "
                "les actions d'amélioration qui en découlent."
            ),
            lister=selectors.retours_lister,
            formulaire=formulaires.RetourForm,
            champ_date="recu_le",
            colonnes=[
                Colonne(gettext_lazy("Date"), lambda r: _d(r.recu_le)),
                Colonne(gettext_lazy("Origine"), lambda r: r.get_source_display()),
                Colonne(gettext_lazy("Organisme ou personne"), lambda r: r.organisme_nom),
                Colonne(gettext_lazy("Actions"), lambda r: len(r.actions.all())),
            ],
            csv=[
                Colonne("date", lambda r: _iso(r.recu_le)),
                Colonne("origine", lambda r: r.get_source_display()),
                Colonne("organisme", lambda r: r.organisme_nom),
                Colonne("resume", lambda r: r.resume),
                Colonne("actions", lambda r: " | ".join(a.intitule for a in r.actions.all())),
            ],
            filtres=[
                Filtre(
                    "source", gettext_lazy("Origine"), "source", _choix(RetourPartiePrenante.Source)
                )
            ],
            recherche=("organisme_nom", "resume"),
            consultant_ajoute=True,
        ),
    ]
}


def registre_obtenir(slug: str) -> Registre:
    try:
        return REGISTRES[slug]
    except KeyError:
        raise Http404 from None


def _est_admin(request: StaffRequest) -> bool:
    return request.membership.role == Role.ADMIN


def _date(valeur: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(valeur or "")
    except ValueError:
        return None


def registre_filtrer(*, registre: Registre, params) -> tuple[QuerySet, dict[str, str]]:
    """The register's rows after the request's filters, and the filters kept."""
    qs = registre.lister()
    gardes: dict[str, str] = {}
    for filtre in registre.filtres:
        valeur = params.get(filtre.nom, "")
        if valeur not in {v for v, _l in filtre.choix}:
            continue
        gardes[filtre.nom] = valeur
        if filtre.nom == "etat" and registre.slug == "reclamations":
            qs = qs.filter(cloture_le__isnull=(valeur == "ouverte"))
        else:
            qs = qs.filter(**{filtre.champ: valeur})
    if registre.champ_date:
        debut, fin = _date(params.get("debut")), _date(params.get("fin"))
        if debut:
            qs = qs.filter(**{f"{registre.champ_date}__gte": debut})
            gardes["debut"] = debut.isoformat()
        if fin:
            qs = qs.filter(**{f"{registre.champ_date}__lte": fin})
            gardes["fin"] = fin.isoformat()
    texte = (params.get("q") or "").strip()[:100]
    if texte and registre.recherche:
        condition = Q()
        for champ in registre.recherche:
            condition |= Q(**{f"{champ}__icontains": texte})
        qs = qs.filter(condition)
        gardes["q"] = texte
    return qs, gardes


@never_cache
@role_required(Role.ADMIN)
@require_GET
def registre_liste(request: StaffRequest, registre: str) -> HttpResponse:
    config = registre_obtenir(registre)
    qs, gardes = registre_filtrer(registre=config, params=request.GET)
    if request.GET.get("format") == "csv":
        return csv_reponse(
            nom_fichier=f"registre-{config.slug}.csv",
            entetes=[c.libelle for c in config.csv],
            lignes=([c.valeur(e) for c in config.csv] for e in qs),
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    lignes = [
        {
            "entree": e,
            "cellules": [c.valeur(e) for c in config.colonnes],
        }
        for e in page.object_list
    ]
    retards: set[int] = set()
    if config.slug == "reclamations":
        retards = {
            ligne.reclamation.pk
            for ligne in selectors.reclamations_lignes(
                organisation=request.organisation,
                reclamations=cast("QuerySet[Reclamation]", page.object_list),
            )
            if ligne.en_retard
        }
    return render(
        request,
        "qualiopi/registres/liste.html",
        {
            "registre": config,
            "page": page,
            "lignes": lignes,
            "retards": retards,
            "gardes": gardes,
            "query": urlencode(gardes),
            "csv_query": urlencode({**gardes, "format": "csv"}),
            "delai": selectors.delai_accuse_jours(organisation=request.organisation)
            if config.slug == "reclamations"
            else None,
            "parametres_form": formulaires.ParametresForm(
                initial={
                    "delai_accuse_jours": selectors.delai_accuse_jours(
                        organisation=request.organisation
                    )
                }
            )
            if config.slug == "reclamations"
            else None,
        },
    )


def _formulaire_page(request, *, config: Registre, form, entree=None, status: int = 200):
    contexte: dict[str, Any] = {"registre": config, "form": form, "entree": entree}
    if entree is not None and config.slug == "reclamations":
        ligne = selectors.reclamations_lignes(
            organisation=request.organisation,
            reclamations=selectors.reclamations_lister().filter(pk=entree.pk),
        )[0]
        contexte["ligne"] = ligne
        contexte["actions"] = entree.actions.select_related("responsable")
    if entree is not None and config.slug == "intervenants":
        contexte["pieces"] = entree.pieces.all()
        contexte["aujourdhui"] = timezone.localdate()
        contexte["piece_form"] = formulaires.PieceIntervenantForm(organisation=request.organisation)
    if entree is not None and config.slug == "retours":
        contexte["actions"] = entree.actions.select_related("responsable")
    return render(request, "qualiopi/registres/formulaire.html", contexte, status=status)


def _enregistrer(request: StaffRequest, *, config: Registre, form):
    try:
        entree = services.entree_enregistrer(
            entree=form.instance, organisation=request.organisation, par=request.user
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return None
    return entree


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def registre_ajouter(request: StaffRequest, registre: str) -> HttpResponse:
    config = registre_obtenir(registre)
    if not (
        _est_admin(request)
        or (config.consultant_ajoute and request.membership.role == Role.CONSULTANT)
    ):
        raise PermissionDenied(_("Votre rôle ne permet pas cette action."))
    form = config.formulaire(request.POST or None, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        entree = _enregistrer(request, config=config, form=form)
        if entree is not None:
            messages.success(request, _("Entrée ajoutée au registre."))
            if not _est_admin(request):
                return redirect("qualiopi:registre_ajouter", registre=config.slug)
            return redirect(
                "qualiopi:registre_detail", registre=config.slug, entree_id=entree.public_id
            )
    return _formulaire_page(
        request, config=config, form=form, status=400 if request.method == "POST" else 200
    )


@never_cache
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def registre_detail(request: StaffRequest, registre: str, entree_id: uuid.UUID) -> HttpResponse:
    config = registre_obtenir(registre)
    entree = get_for_organisation(
        config.modele, organisation=request.organisation, public_id=entree_id
    )
    form = config.formulaire(
        request.POST or None, instance=entree, organisation=request.organisation
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _enregistrer(request, config=config, form=form) is not None
    ):
        messages.success(request, _("Modifications enregistrées."))
        return redirect(
            "qualiopi:registre_detail", registre=config.slug, entree_id=entree.public_id
        )
    return _formulaire_page(
        request,
        config=config,
        form=form,
        entree=entree,
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ADMIN)
@require_POST
def parametres(request: StaffRequest) -> HttpResponse:
    form = formulaires.ParametresForm(request.POST)
    if form.is_valid():
        try:
            services.parametres_qualite_modifier(
                organisation=request.organisation,
                delai_accuse_jours=form.cleaned_data["delai_accuse_jours"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Délai cible enregistré."))
    else:
        messages.error(request, _("Le délai est un nombre de jours ouvrés entre 0 et 30."))
    return redirect("qualiopi:registre_liste", registre="reclamations")


@role_required(Role.ADMIN)
@require_POST
def piece_ajouter(request: StaffRequest, intervenant_id: uuid.UUID) -> HttpResponse:
    intervenant = get_for_organisation(
        Intervenant, organisation=request.organisation, public_id=intervenant_id
    )
    form = formulaires.PieceIntervenantForm(
        request.POST, request.FILES, organisation=request.organisation
    )
    if form.is_valid():
        try:
            services.piece_intervenant_enregistrer(
                piece=form.instance,
                intervenant=intervenant,
                fichier=form.cleaned_data.get("fichier"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Ligne ajoutée à la fiche."))
            return redirect(
                "qualiopi:registre_detail", registre="intervenants", entree_id=intervenant.public_id
            )
    return _avec_piece_form(request, intervenant, form)


def _avec_piece_form(request, intervenant, form):
    config = REGISTRES["intervenants"]
    return render(
        request,
        "qualiopi/registres/formulaire.html",
        {
            "registre": config,
            "form": config.formulaire(instance=intervenant, organisation=request.organisation),
            "entree": intervenant,
            "pieces": intervenant.pieces.all(),
            "aujourdhui": timezone.localdate(),
            "piece_form": form,
        },
        status=400,
    )


@role_required(Role.ADMIN)
@require_GET
def piece_telecharger(request: StaffRequest, piece_id: uuid.UUID) -> HttpResponse:
    """Serve a proof file of a staff record after re-checking access; logged."""
    piece = get_for_organisation(
        PieceIntervenant, organisation=request.organisation, public_id=piece_id
    )
    if not piece.fichier:
        raise Http404
    audit_record(
        request=request,
        action=AuditEvent.Action.DOWNLOAD,
        objet=PIECE_INTERVENANT,
        object_id=piece.public_id,
    )
    # Read inside the tenant transaction: the response must not stream after it ends.
    with piece.fichier.open("rb") as handle:
        contenu = handle.read()
    response = HttpResponse(contenu, content_type=piece.type_mime or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=piece.nom_original or "justificatif"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
