from django.shortcuts import render

from bilan.core.permissions import staff_required


@staff_required
def bilan_list(request):
    return render(request, "bilans/list.html", {})
