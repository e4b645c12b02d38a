"""The archive of yearly reports: every PDF handed out is kept with its SHA-256, so the board can later tell
whether a copy in front of it is one the register produced, and which version.

A version is numbered per organisation and year. The PDF is rendered before the number is taken (rendering
takes seconds; the lock is held only for the insert), and the number is taken under a row lock on the
organisation, so two board members generating at once get versions 1 and 2. SQLite ignores the lock but
serialises writers; should two inserts still meet, the unique constraint refuses the second and it takes the
next number.
"""

import hashlib
from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext

from . import report
from .models import AnnualReport, Breach, Deficiency, Organisation, ProcessingActivity

FIRST_YEAR = 2018  # the GDPR (AVG) applies from 25 May 2018
LANGUAGES = ("nl", "en")
INSERT_ATTEMPTS = 5


class ReportYearError(ValueError):
    """The year is not one a report can be made for."""


def annual_report_year_check(*, year: int, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise ReportYearError(
            gettext("A yearly report covers a year from %(first)d up to this year, %(current)d.")
            % {"first": FIRST_YEAR, "current": today.year}
        )


def generated_by_name(user) -> str:
    if user is None:
        return gettext("command line")
    return user.get_full_name() or user.get_username()


def annual_report_archive(*, organisation: Organisation, year: int, language: str, user=None) -> AnnualReport:
    """Render the organisation's report for `year` in `language`, archive it as the next version and return it."""
    annual_report_year_check(year=year)
    if language not in LANGUAGES:
        raise ValueError(f"unknown report language {language!r}")
    pdf = report.annual_report_pdf(organisation=organisation, year=year, language=language)
    archived = AnnualReport(
        organisation=organisation,
        year=year,
        language=language,
        generated_at=timezone.now(),
        generated_by=user,
        generated_by_name=generated_by_name(user),
        sha256=hashlib.sha256(pdf).hexdigest(),
        pdf=pdf,
    )
    for attempt in range(INSERT_ATTEMPTS):
        try:
            with transaction.atomic():
                list(Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk"))
                latest = AnnualReport.objects.filter(organisation=organisation, year=year).aggregate(Max("version"))
                archived.version = (latest["version__max"] or 0) + 1
                archived.save(force_insert=True)
            return archived
        except IntegrityError:
            if attempt == INSERT_ATTEMPTS - 1:
                raise
            archived.pk = None
    raise AssertionError("unreachable")


def annual_report_match(*, organisations: QuerySet[Organisation], sha256: str) -> AnnualReport | None:
    """The archived version of these organisations whose PDF has this SHA-256, or None: not one of ours."""
    return (
        AnnualReport.objects.filter(organisation__in=organisations, sha256=sha256.strip().lower())
        .select_related("organisation")
        .defer("pdf")
        .order_by("generated_at")
        .first()
    )


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def annual_reports_for(*, organisations: QuerySet[Organisation]) -> QuerySet[AnnualReport]:
    """The archived versions, newest first, without their PDFs (a list must not load every file)."""
    return (
        AnnualReport.objects.filter(organisation__in=organisations)
        .defer("pdf")
        .order_by("organisation_id", "-year", "-version")
    )


def annual_report_first_years(*, organisations: QuerySet[Organisation]) -> dict[int, int]:
    """Per organisation, the year of its earliest record: its own history, its register's history, a breach, a
    deficiency. One query (a UNION of grouped minimums), whatever the number of organisations."""
    ids = organisations.values("pk")
    parts = [
        (Organisation.history.filter(id__in=ids), "id", "history_date"),
        (ProcessingActivity.history.filter(organisation_id__in=ids), "organisation_id", "history_date"),
        (Breach.objects.filter(organisation_id__in=ids), "organisation_id", "discovered_at"),
        (Deficiency.objects.filter(organisation_id__in=ids), "organisation_id", "found_on"),
    ]
    queries = [
        queryset.order_by().values_list(key).annotate(first=Min(ExtractYear(moment))) for queryset, key, moment in parts
    ]
    first: dict[int, int] = {}
    for organisation_id, year in queries[0].union(*queries[1:], all=True).order_by():
        if year is not None:
            first[organisation_id] = min(year, first.get(organisation_id, year))
    return first


def annual_report_years(*, first_year: int | None, today: date | None = None) -> list[int]:
    """The years a report can be made for, newest first: from the earliest record up to this year."""
    current = (today or timezone.localdate()).year
    start = max(FIRST_YEAR, min(first_year or current, current))
    return list(range(current, start - 1, -1))
