"""Admin downloads of the register as CSV, XLSX or PDF, now or as it stood at the end of a day."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .access import organisations_for
from .exporting import FORMATS, parse_as_of, register_export
from .models import Organisation


def export_view(model_admin, request: HttpRequest, fmt: str) -> HttpResponse:
    """`?organisation=<pk>&as_of=YYYY-MM-DD`; an organisation the user may not see is not found, never forbidden."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if fmt not in FORMATS:
        raise Http404(_("Unknown export format."))
    organisation = _organisation(request)
    if organisation is None:
        return _bad_request(_("Choose the organisation whose register to export."))
    now = timezone.now()
    try:
        as_of = parse_as_of(request.GET["as_of"], timezone.localdate(now)) if request.GET.get("as_of") else None
    except ValueError as error:
        return _bad_request(str(error))
    export = register_export(organisation=organisation, fmt=fmt, as_of=as_of, now=now)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=export.filename)
    return response


def _organisation(request: HttpRequest) -> Organisation | None:
    """The organisation asked for, or the user's only one; None when the user has several and named none."""
    organisations = organisations_for(request.user)
    pk = request.GET.get("organisation", "")
    if pk:
        found = organisations.filter(pk=pk).first() if pk.isdigit() else None
        if found is None:
            raise Http404(_("Not found."))
        return found
    only = list(organisations[:2])
    if not only:
        raise Http404(_("Not found."))
    return only[0] if len(only) == 1 else None


def _bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
