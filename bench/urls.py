"""The project's URLs plus the benchmarks' floor view (``/app/plancher/``), for the bench and
the query-count tests only: never mounted by ``bilan.urls``."""

from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import path

from beneficiaires.models import Bilan
from bilan.core.middleware import StaffRequest
from bilan.core.permissions import staff_required
from bilan.urls import urlpatterns as projet

_GABARIT = engines["django"].from_string("<!doctype html><title>{{ b.numero }}</title>")


@staff_required
def plancher(request: StaffRequest) -> HttpResponse:
    """The floor: one row by primary key through the same middleware, a trivial template."""
    bilan = Bilan.objects.filter(pk=request.GET.get("pk") or 0).first()
    return HttpResponse(_GABARIT.render({"b": bilan}, request))


@staff_required
def plancher_coque(request: StaffRequest) -> HttpResponse:
    """The floor inside the staff layout (header, navigation, account): what any staff page
    pays before its own content."""
    bilan = Bilan.objects.filter(pk=request.GET.get("pk") or 0).first()
    return render(request, "app/base.html", {"b": bilan})


urlpatterns = [
    path("app/plancher/", plancher, name="plancher"),
    path("app/plancher/coque/", plancher_coque, name="plancher_coque"),
    *projet,
]
