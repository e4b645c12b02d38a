"""Request and complaint deadlines at month ends, leap days, DST changes, 23:59:59 and 00:00."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from retention.deadlines import (
    complaint_due,
    days_left,
    days_waited,
    extension_allowed,
    extension_due,
    request_legal_due,
    request_target_due,
)

AMS = ZoneInfo("Europe/Amsterdam")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.mark.parametrize(
    ("received", "legal"),
    [
        ("2026-01-31 10:00:00", date(2026, 2, 28)),  # not 3 March
        ("2028-01-31 10:00:00", date(2028, 2, 29)),  # leap year
        ("2026-03-31 10:00:00", date(2026, 4, 30)),
        ("2026-01-30 23:59:59", date(2026, 2, 28)),
        ("2026-12-31 23:59:59", date(2027, 1, 31)),
        ("2027-01-01 00:00:00", date(2027, 2, 1)),
        ("2028-02-29 12:00:00", date(2028, 3, 29)),
    ],
)
def test_legal_deadline_is_one_calendar_month(received, legal):
    assert request_legal_due(at(received)) == legal


def test_the_day_of_receipt_is_the_dutch_day():
    # 23:30 UTC on 31 January is 00:30 on 1 February in Amsterdam.
    utc = datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert request_legal_due(utc) == date(2026, 3, 1)
    assert request_legal_due(at("2026-01-31 23:59:59")) == date(2026, 2, 28)
    assert request_legal_due(at("2026-02-01 00:00:00")) == date(2026, 3, 1)


def test_target_is_four_weeks_across_the_dst_change():
    assert request_target_due(at("2026-03-20 09:00:00"), 4) == date(2026, 4, 17)
    assert request_target_due(at("2026-10-20 09:00:00"), 4) == date(2026, 11, 17)


def test_waiting_shifts_both_deadlines():
    received = at("2026-01-31 10:00:00")
    assert request_legal_due(received, paused_days=5) == date(2026, 3, 5)
    assert request_target_due(received, 4, paused_days=5) == date(2026, 3, 5)


@pytest.mark.parametrize(
    ("since", "until", "days"),
    [
        ("2026-03-02 09:00:00", "2026-03-02 17:00:00", 0),
        ("2026-03-02 23:59:59", "2026-03-03 00:00:00", 1),
        ("2026-03-27 12:00:00", "2026-03-30 12:00:00", 3),  # across the spring DST change
    ],
)
def test_days_waited_are_calendar_days(since, until, days):
    assert days_waited(at(since), at(until)) == days


def test_extension_is_two_months_after_the_first_deadline_and_only_before_it():
    legal = date(2026, 2, 28)
    assert extension_due(legal, 2) == date(2026, 4, 28)
    assert extension_due(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert extension_allowed(legal, date(2026, 2, 28), already_extended=False)
    assert not extension_allowed(legal, date(2026, 3, 1), already_extended=False)
    assert not extension_allowed(legal, date(2026, 2, 10), already_extended=True)


def test_complaint_is_answered_within_fourteen_days():
    assert complaint_due(at("2026-02-20 23:59:59"), 14) == date(2026, 3, 6)
    assert complaint_due(at("2028-02-20 00:00:00"), 14) == date(2028, 3, 5)


def test_days_left_is_zero_on_the_due_date():
    assert days_left(date(2026, 3, 1), date(2026, 3, 1)) == 0
    assert days_left(date(2026, 3, 1), date(2026, 3, 2)) == -1
    assert days_left(date(2026, 3, 11), date(2026, 3, 1)) == 10
