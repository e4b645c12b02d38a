"""The calendar year a report covers, in the Dutch time zone, and how much of it has passed."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from ..deadlines import AMSTERDAM, local_day


@dataclass(frozen=True)
class ReportPeriod:
    """1 January 00:00 up to 1 January of the next year (exclusive), Amsterdam time. A year not yet over is
    covered up to `now`: its 'year end' is then the moment of generation."""

    year: int
    now: datetime

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1, 1, tzinfo=AMSTERDAM)

    @property
    def end(self) -> datetime:
        return datetime(self.year + 1, 1, 1, tzinfo=AMSTERDAM)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    @property
    def complete(self) -> bool:
        return self.now >= self.end

    @property
    def as_of(self) -> datetime:
        """The moment whose state the report shows: 31 December 23:59:59.999999, or now for the current year."""
        return datetime.combine(self.last_day, time.max, tzinfo=AMSTERDAM) if self.complete else self.now

    @property
    def reference_day(self) -> date:
        """The day deadlines are measured against: 31 December, or today for the current year."""
        return self.last_day if self.complete else timezone.localdate(self.now, AMSTERDAM)

    @property
    def until(self) -> datetime:
        """The end of what has happened: the year's end, or now."""
        return min(self.end, self.now)

    def contains(self, day: date | None) -> bool:
        return day is not None and self.first_day <= day <= self.last_day


def report_period(year: int, now: datetime | None = None) -> ReportPeriod:
    return ReportPeriod(year=year, now=now or timezone.now())


def days_between(start: datetime, end: datetime) -> int:
    """Calendar days in Amsterdam from one moment to another: received on Monday, answered on Tuesday is 1."""
    return (local_day(end) - local_day(start)).days


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start) / timedelta(hours=1)
