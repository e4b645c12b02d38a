"""Deadline arithmetic of the register, pure functions (the clock's own module builds on these)."""

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta


def add_months(day: date, months: int) -> date:
    """Calendar months; a day that does not exist in the target month becomes its last day (31 Jan + 1 = 28/29 Feb)."""
    return day + relativedelta(months=months)


def agreement_valid_until(signed_on: date, renewed_yearly: bool, valid_until: date | None) -> date | None:
    """An agreement renewed yearly without an end date runs out a year after signing (seed 001 art. 10)."""
    if valid_until is None and renewed_yearly:
        return add_months(signed_on, 12)
    return valid_until


def breach_notification_due(discovered_at: datetime, hours: int) -> datetime:
    """Hours are elapsed hours (aware datetimes), so a DST change neither adds nor takes an hour."""
    return discovered_at + timedelta(hours=hours)
