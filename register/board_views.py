"""The board page (/bestuur/): the yearly report of each of the user's organisations, generated and archived,
every archived version, and a check whether a copy is one of them."""

from collections import defaultdict
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .access import board_allowed, board_signed_in, organisations_for, visible_to
from .board_forms import GenerateForm, VerifyForm
from .exporting import PDF_CONTENT_TYPE
from .models import AnnualReport
from .report_archive import (
    annual_report_archive,
    annual_report_first_years,
    annual_report_match,
    annual_report_years,
    annual_reports_for,
    sha256_of,
)


def board_required(view):
    """Anyone not signed in with both factors goes to the admin's login and comes back; a staff member in
    another role is refused. Nothing of the page may be cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not board_signed_in(request.user):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not board_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapped)


@require_GET
@board_required
def board_index(request):
    return _page(request, VerifyForm())


@require_POST
@board_required
def board_verify(request):
    """Which archived version a PDF (or a SHA-256) is; the uploaded file is hashed and never stored."""
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["pdf"]
    sha256 = sha256_of(upload.chunks()) if upload else form.cleaned_data["sha256"]
    match = annual_report_match(organisations=organisations_for(request.user), sha256=sha256)
    return _page(request, VerifyForm(), verified={"sha256": sha256, "match": match})


@require_POST
@board_required
def board_generate(request, slug, year):
    """Generate the report in the chosen language, archive it as the next version, and hand it out."""
    organisation = get_object_or_404(organisations_for(request.user), slug=slug)
    first_year = annual_report_first_years(organisations=organisations_for(request.user).filter(pk=organisation.pk))
    if year not in annual_report_years(first_year=first_year.get(organisation.pk)):
        raise Http404(gettext("There is no yearly report for this year."))
    form = GenerateForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(gettext("Choose the language of the report."))
    archived = annual_report_archive(
        organisation=organisation, year=year, language=form.cleaned_data["language"], user=request.user
    )
    return board_pdf_response(archived)


@require_GET
@board_required
def board_download(request, pk):
    reports = visible_to(request.user, AnnualReport.objects.select_related("organisation"))
    archived = get_object_or_404(reports, pk=pk)
    return board_pdf_response(archived)


def board_pdf_response(archived: AnnualReport) -> HttpResponse:
    """The archived PDF as a download named after the organisation, the year and the version."""
    with translation.override(archived.language):
        name = gettext("annual-report")
    filename = f"{archived.organisation.slug}-{name}-{archived.year}-v{archived.version}.pdf"
    response = HttpResponse(bytes(archived.pdf), content_type=PDF_CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _page(request, form: VerifyForm, verified: dict | None = None, status: int = 200) -> HttpResponse:
    """Four queries whatever the number of organisations and versions: the role (in board_required), the
    organisations, their earliest records, the archived versions."""
    organisations = list(organisations_for(request.user).only("pk", "name", "slug"))
    first_years = annual_report_first_years(organisations=organisations_for(request.user))
    archive: dict[int, list[AnnualReport]] = defaultdict(list)
    for archived in annual_reports_for(organisations=organisations_for(request.user)):
        archive[archived.organisation_id].append(archived)
    current = timezone.localdate().year
    context = {
        "organisations": [
            {
                "organisation": organisation,
                "years": [
                    {
                        "year": year,
                        "so_far": year == current,
                        "versions": [a for a in archive[organisation.pk] if a.year == year],
                    }
                    for year in annual_report_years(first_year=first_years.get(organisation.pk))
                ],
                "archive": archive[organisation.pk],
            }
            for organisation in organisations
        ],
        "form": form,
        "verified": verified,
    }
    return render(request, "register/board/index.html", context, status=status)
