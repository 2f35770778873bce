"""The BPF figures of the bilan category for a year (admins only): printable page and CSV."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from bilan.core.audit import TypeObjet, audit_record
from bilan.core.exports import csv_reponse
from bilan.core.middleware import StaffRequest
from bilan.core.models import AuditEvent, Role
from bilan.core.permissions import role_required
from qualiopi.selectors.bpf import bpf_annee, bpf_lignes_csv

BPF = TypeObjet("bpf", gettext_lazy("Export CSV du bilan pédagogique et financier"))


@never_cache
@role_required(Role.ADMIN)
@require_GET
def bpf(request: StaffRequest) -> HttpResponse:
    courante = timezone.localdate().year
    try:
        annee = int(request.GET.get("annee", ""))
    except ValueError:
        annee = courante - 1
    annee = min(max(annee, 2000), courante)
    donnees = bpf_annee(organisation=request.organisation, annee=annee)
    if request.GET.get("export") == "csv":
        audit_record(
            request=request,
            action=AuditEvent.Action.EXPORT,
            objet=BPF,
            object_id=request.organisation.public_id,
        )
        entetes, lignes = bpf_lignes_csv(bpf=donnees)
        return csv_reponse(nom_fichier=f"bpf_bilans_{annee}.csv", entetes=entetes, lignes=lignes)
    return render(
        request,
        "qualiopi/resultats/bpf.html",
        {"bpf": donnees, "annees": list(range(courante, courante - 6, -1))},
    )
