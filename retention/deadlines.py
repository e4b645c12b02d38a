"""Deadlines of requests and complaints, pure functions. Days are Dutch calendar days: a request received at
23:59:59 in Amsterdam counts from that day, one received a second later from the next.

Art. 12(3) GDPR: an answer within one month of receipt, calendar months (31 January + 1 month = 28 or 29
February, not 2 March), extendable once by at most two further months, counted from the first deadline.
The organisation's own target (four weeks in seeds 002-004) comes earlier and is shown beside it. Time spent
waiting for the requester (identity, clarification) shifts both dates by the days waited.
"""

from datetime import date, datetime, timedelta

from register.deadlines import add_months, local_day


def request_target_due(received_at: datetime, weeks: int, paused_days: int = 0) -> date:
    return local_day(received_at) + timedelta(weeks=weeks, days=paused_days)


def request_legal_due(received_at: datetime, paused_days: int = 0) -> date:
    return add_months(local_day(received_at), 1) + timedelta(days=paused_days)


def extension_due(legal_due: date, months: int) -> date:
    """The extended deadline: at most `months` calendar months after the first (legal) deadline."""
    return add_months(legal_due, months)


def extension_allowed(legal_due: date, today: date, already_extended: bool) -> bool:
    """Once, and only before the first deadline has passed (the requester must be told within that month)."""
    return not already_extended and today <= legal_due


def days_waited(since: datetime, until: datetime) -> int:
    """Calendar days between the start of a pause and its end; a pause within one day shifts nothing."""
    return max(0, (local_day(until) - local_day(since)).days)


def complaint_due(received_at: datetime, days: int) -> date:
    return local_day(received_at) + timedelta(days=days)


def days_left(due: date, today: date) -> int:
    """0 on the due date itself, negative when overdue."""
    return (due - today).days
