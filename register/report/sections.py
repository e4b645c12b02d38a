"""The register's own sections of the yearly report."""

from django.utils.translation import gettext_lazy as _

from ..models import Organisation
from ..selectors import activities_as_of
from .period import report_period
from .registry import Section, report_section_add


def register_section(organisation: Organisation, year: int) -> dict:
    period = report_period(year)
    activities = activities_as_of(organisation, period.as_of)
    return {"activities": len(activities)}


report_section_add(
    Section("register", _("The register at year end"), "register/annual_report/register.html", register_section, 10)
)
