"""Deadline arithmetic of the register, pure functions (the clock's own module builds on these)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local_day(moment: datetime) -> date:
    """The Dutch calendar day of a moment."""
    return moment.astimezone(AMSTERDAM).date()


def add_months(day: date, months: int) -> date:
    """Calendar months; a day that does not exist in the target month becomes its last day (31 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)


def agreement_valid_until(signed_on: date, renewed_yearly: bool, valid_until: date | None) -> date | None:
    """An agreement renewed yearly without an end date runs out a year after signing (seed 001 art. 10)."""
    if valid_until is None and renewed_yearly:
        return add_months(signed_on, 12)
    return valid_until


def breach_notification_due(discovered_at: datetime, hours: int) -> datetime:
    """Elapsed hours. Python adds a timedelta to the wall clock of an aware datetime, so the sum is taken in
    UTC: otherwise a deadline across a DST change would be an hour off."""
    return discovered_at.astimezone(UTC) + timedelta(hours=hours)
