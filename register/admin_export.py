"""Admin downloads of the register as CSV, XLSX or PDF (stub; see issue 3)."""

from django.http import HttpResponse


def export_view(model_admin, request, fmt):
    return HttpResponse(status=501)
