"""The public privacy statement of an organisation, as a page and as a PDF; no login."""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from .exporting import PDF_CONTENT_TYPE
from .models import Organisation
from .pdf import pdf_render
from .privacy_statement import PrivacyStatement, privacy_statement_build

# A PDF is rendered once per version of the statement, language and host: anyone can ask for it, and WeasyPrint
# takes a second of CPU. The hour bounds how long a changed template waits.
PDF_CACHE_SECONDS = 60 * 60


@require_safe
def privacy_statement(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    statement = privacy_statement_build(organisation=organisation)
    return render(request, "register/privacy_statement.html", _context(request, statement))


@require_safe
def privacy_statement_pdf(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    statement = privacy_statement_build(organisation=organisation)
    version = f"{slug}|{translation.get_language()}|{request.get_host()}|{statement.last_changed}"
    key = "privacy-statement-pdf:" + hashlib.sha256(version.encode()).hexdigest()
    content = cache.get(key)
    if content is None:
        content = pdf_render(
            template="register/privacy_statement_pdf.html",
            context=_context(request, statement),
            running_title=gettext("Privacy statement"),
            running_subtitle=organisation.name,
        )
        cache.set(key, content, PDF_CACHE_SECONDS)
    response = HttpResponse(content, content_type=PDF_CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="privacy-{organisation.slug}.pdf"'
    return response


def _context(request, statement: PrivacyStatement) -> dict:
    slug = statement.organisation.slug
    return {
        "statement": statement,
        "organisation": statement.organisation,
        "portal_url": request.build_absolute_uri(reverse("requests_portal:form", args=[slug])),
        "statement_url": request.build_absolute_uri(reverse("privacy:statement", args=[slug])),
    }
