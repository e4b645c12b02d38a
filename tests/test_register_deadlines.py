"""Deadline arithmetic of the register at month ends, leap days and DST changes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from register.deadlines import add_months, agreement_valid_until, breach_notification_due

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 11, 24), 12, date(2027, 11, 24)),
    ],
)
def test_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


def test_a_yearly_agreement_runs_a_year_unless_it_says_otherwise():
    assert agreement_valid_until(date(2028, 2, 29), True, None) == date(2029, 2, 28)
    assert agreement_valid_until(date(2026, 5, 1), True, date(2026, 12, 31)) == date(2026, 12, 31)
    assert agreement_valid_until(date(2026, 5, 1), False, None) is None


def test_breach_window_counts_elapsed_hours_across_the_dst_change():
    # Discovered on Friday 23 October 2026 at 12:00; clocks go back on Sunday 25 October at 03:00.
    discovered = datetime(2026, 10, 23, 12, 0, tzinfo=AMSTERDAM)
    assert breach_notification_due(discovered, 72).astimezone(AMSTERDAM) == datetime(
        2026, 10, 26, 11, 0, tzinfo=AMSTERDAM
    )
    assert breach_notification_due(discovered, 120).astimezone(AMSTERDAM) == datetime(
        2026, 10, 28, 11, 0, tzinfo=AMSTERDAM
    )


def test_breach_window_across_the_spring_change():
    discovered = datetime(2026, 3, 28, 12, 0, tzinfo=AMSTERDAM)  # clocks go forward on 29 March
    assert breach_notification_due(discovered, 72).astimezone(AMSTERDAM) == datetime(
        2026, 3, 31, 13, 0, tzinfo=AMSTERDAM
    )
