"""Admin view to import a register file with a preview (stub; see issue 3)."""

from django.http import HttpResponse


def import_view(model_admin, request):
    return HttpResponse(status=501)
