"""The yearly evaluation report for the board (seed 001, 'Toetsing'): its context and its PDF."""

from datetime import datetime
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from ..models import Organisation
from ..pdf import pdf_render
from .period import report_period
from .registry import report_sections


def annual_report_context(*, organisation: Organisation, year: int, now: datetime | None = None) -> dict[str, Any]:
    """Every section's figures for `year`, in the active language."""
    period = report_period(year, now)
    sections = [
        {"key": s.key, "title": s.title, "template": s.template, "data": s.build(organisation, year)}
        for s in report_sections()
    ]
    return {
        "organisation": organisation,
        "period": period,
        "generated_at": timezone.localtime(period.now),
        "sections": sections,
    }


def annual_report_pdf(*, organisation: Organisation, year: int, language: str = "nl") -> bytes:
    """The report as a PDF, in `language` (Dutch unless English is asked for)."""
    with translation.override(language):
        context = annual_report_context(organisation=organisation, year=year)
        generated = formats.date_format(context["generated_at"], "j F Y")
        return pdf_render(
            template="register/annual_report/report.html",
            context=context,
            running_title=organisation.name,
            running_subtitle=gettext("Yearly privacy evaluation %(year)s, generated on %(day)s")
            % {"year": year, "day": generated},
        )
