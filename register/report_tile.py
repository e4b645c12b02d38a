"""The dashboard's reminder of the board's yearly evaluation (seed 001): last year's report not yet made."""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .access import board_allowed, organisations_for
from .report_archive import annual_report_first_years


def yearly_report_tile(user, now: datetime) -> dict | None:
    """For the FG and the board: the organisations that existed last year and have no report of it yet."""
    if not board_allowed(user):
        return None
    year = timezone.localdate(now).year - 1
    organisations = organisations_for(user).exclude(annualreport__year=year)
    first_years = annual_report_first_years(organisations=organisations)
    missing = [o for o in organisations.order_by("name") if first_years.get(o.pk, year + 1) <= year]
    url = reverse("board:index")
    return {
        "key": "yearly_report",
        "figure": len(missing),
        "title": _("yearly reports of %(year)d not yet made for the board") % {"year": year},
        "items": [(url, organisation.name) for organisation in missing],
    }
