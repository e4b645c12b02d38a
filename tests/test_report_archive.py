"""The archive of yearly reports: each PDF kept as handed out, numbered per organisation and year, found again
by its SHA-256; and the command that generates one without the board page."""

import hashlib
import itertools
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import translation

from register.models import AnnualReport, Breach, Deficiency, Organisation
from register.report_archive import (
    ReportYearError,
    annual_report_archive,
    annual_report_first_years,
    annual_report_match,
    annual_report_year_check,
    annual_report_years,
)
from tests.conftest import require
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = "2026-11-24 10:00:00+01:00"


@pytest.fixture(autouse=True)
def _today_in_english(time_machine):
    """Messages are asserted by their English text; the Dutch translation follows."""
    time_machine.move_to(NOW, tick=False)
    with translation.override("en"):
        yield


@pytest.fixture
def fake_pdf(monkeypatch):
    """A small, different PDF on every call, standing in for the real report (its own tests render it)."""
    calls = []
    counter = itertools.count(1)

    def annual_report_pdf(*, organisation, year, language="nl"):
        calls.append((organisation.slug, year, language))
        return f"%PDF-1.7\n{organisation.slug} {year} {language} {next(counter)}\n%%EOF".encode()

    monkeypatch.setattr("register.report.annual_report_pdf", annual_report_pdf)
    return calls


def test_a_report_is_archived_with_the_sha256_of_its_bytes(organisation, fake_pdf):
    user = UserFactory(first_name="Bram", last_name="Janssen")
    archived = annual_report_archive(organisation=organisation, year=2025, language="en", user=user)
    archived.refresh_from_db()
    assert fake_pdf == [(organisation.slug, 2025, "en")]
    assert bytes(archived.pdf).startswith(b"%PDF-")
    assert archived.sha256 == hashlib.sha256(bytes(archived.pdf)).hexdigest()
    assert (archived.year, archived.version, archived.language) == (2025, 1, "en")
    assert archived.generated_by == user
    assert archived.generated_by_name == "Bram Janssen"


def test_versions_count_per_organisation_and_year(organisation, fake_pdf):
    other = OrganisationFactory()
    versions = [
        annual_report_archive(organisation=organisation, year=2025, language="nl").version,
        annual_report_archive(organisation=organisation, year=2025, language="en").version,
        annual_report_archive(organisation=organisation, year=2024, language="nl").version,
        annual_report_archive(organisation=other, year=2025, language="nl").version,
        annual_report_archive(organisation=organisation, year=2025, language="nl").version,
    ]
    assert versions == [1, 2, 1, 1, 3]


def test_who_generated_it_is_the_full_name_the_username_or_the_command_line(organisation, fake_pdf):
    nameless = UserFactory(username="bestuurder")
    by_user = annual_report_archive(organisation=organisation, year=2025, language="nl", user=nameless)
    assert by_user.generated_by_name == "bestuurder"
    without_user = annual_report_archive(organisation=organisation, year=2025, language="nl")
    assert without_user.generated_by is None
    assert without_user.generated_by_name == "command line"


def test_a_version_taken_meanwhile_makes_the_insert_take_the_next(organisation, fake_pdf, monkeypatch):
    """Another archive took version 1 after this one read the highest version (as if the row lock were not
    there): the unique constraint refuses the insert, and the retry takes version 2."""
    annual_report_archive(organisation=organisation, year=2025, language="nl", user=UserFactory(username="elders"))
    original_aggregate = QuerySet.aggregate
    stale = []

    def aggregate(self, *args, **kwargs):
        if self.model is AnnualReport and not stale:
            stale.append(True)
            return {"version__max": None}  # read before the other archive's insert
        return original_aggregate(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "aggregate", aggregate)
    archived = annual_report_archive(organisation=organisation, year=2025, language="nl")
    assert stale
    assert archived.version == 2
    assert sorted(AnnualReport.objects.values_list("version", "generated_by_name")) == [
        (1, "elders"),
        (2, "command line"),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_board_members_at_once_get_two_versions(fake_pdf):
    """On PostgreSQL the organisation's row lock orders the two inserts; SQLite has one writer anyway."""
    require(connection.vendor == "postgresql", "PostgreSQL is needed (set DATABASE_URL) for two transactions at once")
    organisation = OrganisationFactory()
    start = threading.Barrier(2)
    errors = []

    def generate():
        try:
            start.wait()
            annual_report_archive(organisation=organisation, year=2025, language="nl")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(AnnualReport.objects.values_list("version", flat=True)) == [1, 2]


def test_a_language_or_year_the_report_does_not_have_is_refused(organisation, fake_pdf):
    with pytest.raises(ValueError, match="language"):
        annual_report_archive(organisation=organisation, year=2025, language="de")
    for year in (2017, 2027):
        with pytest.raises(ReportYearError):
            annual_report_archive(organisation=organisation, year=year, language="nl")
    assert fake_pdf == []
    assert not AnnualReport.objects.exists()


def test_the_year_check_runs_from_2018_to_this_year():
    annual_report_year_check(year=2018)
    annual_report_year_check(year=2026)
    with pytest.raises(ReportYearError):
        annual_report_year_check(year=2027)


def test_a_copy_is_matched_by_its_sha256_within_the_given_organisations(organisation, fake_pdf):
    other = OrganisationFactory()
    archived = annual_report_archive(organisation=organisation, year=2025, language="nl")
    mine = Organisation.objects.filter(pk=organisation.pk)
    assert annual_report_match(organisations=mine, sha256=archived.sha256) == archived
    assert annual_report_match(organisations=mine, sha256=f" {archived.sha256.upper()} ") == archived
    assert annual_report_match(organisations=mine, sha256="0" * 64) is None
    theirs = Organisation.objects.filter(pk=other.pk)
    assert annual_report_match(organisations=theirs, sha256=archived.sha256) is None


def test_the_years_run_from_the_earliest_record_to_this_year(organisation):
    created = Organisation.objects.filter(pk=organisation.pk)
    assert annual_report_first_years(organisations=created) == {organisation.pk: 2026}
    Deficiency.objects.create(organisation=organisation, found_on=date(2025, 3, 1), description="Geen back-up")
    breach = Breach(
        organisation=organisation, title="Lek", description="Lek",
        discovered_at=datetime(2024, 1, 1, 0, 30, tzinfo=ZoneInfo("Europe/Amsterdam")),  # 2023 in UTC
        notification_due_at=datetime(2024, 1, 6, tzinfo=ZoneInfo("Europe/Amsterdam")),
    )  # fmt: skip
    breach.save()
    assert annual_report_first_years(organisations=created) == {organisation.pk: 2024}
    assert annual_report_years(first_year=2024) == [2026, 2025, 2024]
    assert annual_report_years(first_year=None) == [2026]
    assert annual_report_years(first_year=2009) == list(range(2026, 2017, -1))


# The command


def test_the_command_archives_a_version_and_writes_the_pdf(organisation, fake_pdf, tmp_path, capsys):
    output = tmp_path / "jaarverslag.pdf"
    call_command("annual_report", "--organisation", organisation.slug, "--year", "2025", "-o", str(output))
    call_command("annual_report", organisation=organisation.slug, year="2025", language="en", output=output)
    archived = AnnualReport.objects.get(version=2)
    assert output.read_bytes() == bytes(archived.pdf)
    assert archived.language == "en"
    assert archived.generated_by is None
    assert archived.generated_by_name == "command line"
    printed = capsys.readouterr().out
    assert "version 1 " in printed
    assert "version 2 " in printed
    assert f"SHA-256: {archived.sha256}" in printed


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"organisation": "onbekend", "year": "2025"}, "no organisation"),
        ({"year": "20x5"}, "not a year"),
        ({"year": "25"}, "not a year"),
        ({"year": "2017"}, "from 2018"),
        ({"year": "2027"}, "from 2018"),
    ],
)
def test_the_command_refuses_an_unknown_organisation_or_a_bad_year(
    organisation, fake_pdf, tmp_path, arguments, message
):
    output = tmp_path / "jaarverslag.pdf"
    with pytest.raises(CommandError, match=message):
        call_command("annual_report", output=output, **{"organisation": organisation.slug, **arguments})
    assert not output.exists()
    assert not AnnualReport.objects.exists()


def test_a_file_that_cannot_be_written_leaves_nothing_archived(organisation, fake_pdf, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("annual_report", organisation=organisation.slug, year="2025", output=tmp_path / "no" / "x.pdf")
    assert not AnnualReport.objects.exists()
