"""The yearly evaluation report for the board (seed 001, 'Toetsing'): every section's figures for a fixture year
checked against what was built, data of another organisation and of other years kept out, the PDF read back in
Dutch and English, and a number of queries that does not grow with the data."""

import io
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from django.utils.functional import Promise
from pypdf import PdfReader

from register.models import (
    Authorisation,
    Breach,
    Control,
    DataCategory,
    Deficiency,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
)
from register.report import REPORT_SECTIONS, annual_report_context, annual_report_pdf, charts
from register.report.figures import Listing, percentile
from register.services import breach_save
from retention.models import JobRun
from tests.factories import ActivityFactory, OrganisationFactory, SubjectRequestFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
YEAR = 2025
GENERATED = datetime(2026, 2, 10, 9, 0, tzinfo=AMSTERDAM)
Basis = ProcessingActivity.LegalBasis


def at(year, month, day, hour=12, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def travel(moment):
    return time_machine.travel(moment, tick=False)


def pdf_text(content: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def sections(organisation, year=YEAR, now=GENERATED) -> dict:
    """Every section's data, with labels read in English."""
    with travel(now), translation.override("en"):
        context = annual_report_context(organisation=organisation, year=year)
        return {section["key"]: _english(section["data"]) for section in context["sections"]}


def _english(value):
    """Lazy labels turned into English text, so a test compares them outside the override."""
    if isinstance(value, dict):
        return {key: _english(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_english(item) for item in value]
    if isinstance(value, Listing):
        return Listing(_english(value.items), value.more)
    if isinstance(value, Promise):
        return str(value)
    return value


# The fixture year


def build_register(organisation):
    """At the start of 2025: 1.1 contract with processor P1 (valid agreement), 1.2 consent with special data and an
    exception and processor P2 (no agreement), 1.3 legal obligation, 1.4 special data without an exception.
    During 2025: 1.5 added, 1.1 renamed, 1.3 ended. In 2026: 1.6 added (after the year)."""
    special = DataCategory.objects.create(organisation=organisation, name="Gezondheid", kind=DataCategory.Kind.SPECIAL)
    bsn = DataCategory.objects.create(organisation=organisation, name="BSN", kind=DataCategory.Kind.NATIONAL_ID)
    p1 = Processor.objects.create(organisation=organisation, name="Econobis")
    p2 = Processor.objects.create(organisation=organisation, name="Mailservice")
    ProcessingAgreement.objects.create(processor=p1, signed_on=date(2025, 1, 10), valid_until=date(2026, 1, 10))
    ProcessingAgreement.objects.create(processor=p2, signed_on=date(2023, 1, 1), valid_until=date(2024, 1, 1))
    with travel(at(2024, 6, 1)):  # reviews planned for 2026, but for 1.1: its review in June 2025 never happened
        a1 = ActivityFactory(
            organisation=organisation, reference="1.1", name="Ledenadministratie", next_review_on=date(2025, 6, 1)
        )
        a1.processors.add(p1)
        a2 = ActivityFactory(
            organisation=organisation,
            reference="1.2",
            next_review_on=date(2026, 6, 1),
            name="Nieuwsbrief",
            legal_basis=Basis.CONSENT,
            consent_mechanism="Vinkje op het formulier",
            special_category_exception="a",
            dpia_required=True,
            dpia_done_on=date(2025, 2, 1),
        )
        a2.data_categories.add(special, bsn)
        a2.processors.add(p2)
        a3 = ActivityFactory(
            organisation=organisation,
            reference="1.3",
            next_review_on=date(2026, 6, 1),
            name="Belastingaangifte",
            legal_basis=Basis.LEGAL_OBLIGATION,
            legal_basis_explanation="AWR art. 52",
        )
        a4 = ActivityFactory(
            organisation=organisation,
            reference="1.4",
            next_review_on=date(2026, 6, 1),
            name="Zorgdossier",
            legal_basis=Basis.LEGITIMATE_INTERESTS,
            legal_basis_explanation="Afweging gemaakt",
            dpia_required=True,
        )
        a4.data_categories.add(special)
    with travel(at(2025, 3, 1)):
        ActivityFactory(
            organisation=organisation, reference="1.5", name="Energieadvies", last_reviewed_on=date(2025, 3, 1)
        )
    with travel(at(2025, 5, 1)):
        a1.name = "Leden- en aandeelhoudersadministratie"
        a1.save()
    with travel(at(2025, 9, 1)):
        a3.status = ProcessingActivity.Status.ENDED
        a3.save()
    with travel(at(2026, 1, 15)):
        ActivityFactory(organisation=organisation, reference="1.6", name="Na het jaar")


def request(organisation, kind, received, **fields):
    return SubjectRequestFactory(organisation=organisation, kind=kind, received_at=received, **fields)


def answered(organisation, kind, received, closed, status="completed", **fields):
    return request(organisation, kind, received, status=status, closed_at=closed, **fields)


def build_requests(organisation):
    """Answered in 2025 after 10 (on time), 45 (late), 57 (extended, on time), 14 (refused) and 21 days (received
    in 2024); received in 2025 and open at its end: three, one of them past its deadline."""
    answered(organisation, "access", at(2025, 1, 10), at(2025, 1, 20))
    answered(organisation, "erasure", at(2025, 2, 3), at(2025, 3, 20))
    answered(
        organisation,
        "access",
        at(2025, 3, 5),
        at(2025, 5, 1),
        extended_at=at(2025, 3, 20),
        extended_due_on=date(2025, 6, 5),
        extension_reason="Veel gegevens",
    )
    answered(organisation, "objection", at(2025, 4, 1), at(2025, 4, 15), status="refused", refusal_ground="21")
    answered(organisation, "access", at(2024, 12, 15), at(2025, 1, 5))
    answered(organisation, "access", at(2024, 3, 1), at(2024, 3, 10))  # another year
    answered(organisation, "access", at(2025, 12, 20), at(2026, 1, 10))  # open at year end, answered after
    request(organisation, "access", at(2025, 10, 1), status="in_progress")  # open, past its deadline
    request(organisation, "access", at(2025, 12, 31, 23, 30), status="verified")  # December, Amsterdam time
    request(organisation, "access", at(2026, 1, 1, 0, 30), status="verified")  # 2025 in UTC, 2026 here
    request(organisation, "access", at(2025, 7, 1), status="withdrawn", closed_at=at(2025, 7, 2))
    request(organisation, "access", at(2025, 6, 1), status="received", email_verified_at=None)  # unverified
    # Complaints: answered late (5 days past the 14), answered in time, open at year end (not yet due).
    answered(organisation, "complaint", at(2025, 5, 1), at(2025, 5, 20), reference="AVG-2025-LATE")
    answered(organisation, "complaint", at(2025, 6, 1), at(2025, 6, 10))
    request(organisation, "complaint", at(2025, 12, 28), status="in_progress")


def breach(organisation, discovered, notified=None, **fields):
    item = Breach(organisation=organisation, discovered_at=discovered, authority_notified_at=notified, **fields)
    return breach_save(breach=item)


def build_breaches(organisation):
    # 50 hours, across the change to summer time on 30 March (the wall clock says 51).
    breach(
        organisation,
        at(2025, 3, 29, 12),
        at(2025, 3, 31, 15),
        title="Verkeerd gemaild",
        notify_authority=True,
        authority_reference="AP-2025-123",
        subjects_notified_at=at(2025, 4, 1),
    )
    breach(organisation, at(2025, 6, 2, 9), at(2025, 6, 7, 19), title="Laptop gestolen", notify_authority=True)  # 130 h
    breach(organisation, at(2025, 8, 1, 9), title="Brief kwijt", notify_authority=False)
    breach(organisation, at(2024, 12, 31, 23, 30), title="Oud lek")  # 2024 in Amsterdam


def run(job, started, counts, outcome="done", dry_run=False):
    return JobRun.objects.create(job=job, started_at=started, outcome=outcome, counts=counts, dry_run=dry_run)


def build_job_runs(organisation, other):
    slug, other_slug = organisation.slug, other.slug
    nightly = {"erase": 3, f"org:{slug}:erase": 2, f"org:{other_slug}:erase": 1, f"org:{slug}:minimise": 4}
    # Per activity, and subjects awaiting approval (counted again every night): not summed.
    nightly |= {f"activity:{slug}/1.1:erase": 2, f"org:{slug}:awaiting_approval:erase": 7}
    run("retention_sweep", at(2025, 3, 1, 2, 30), nightly)
    # Fanned out into two chunk tasks; the run itself counts no subjects. One chunk failed once, then finished.
    run("retention_sweep", at(2025, 4, 1, 2, 30), {"candidates": 20000, "chunks_queued": 2})
    run("retention_sweep_chunk", at(2025, 4, 1, 2, 31), {}, outcome="failed")
    run("retention_sweep_chunk", at(2025, 4, 1, 2, 32), {f"org:{slug}:anonymise": 5})
    run("retention_sweep_chunk", at(2025, 4, 1, 2, 33), {f"org:{slug}:anonymise": 1, f"org:{slug}:erase": 1})
    run(f"retention_sweep_approved:{slug}", at(2025, 5, 1), {"erase": 1, f"org:{slug}:erase": 1})
    run(f"retention_sweep_approved:{other_slug}", at(2025, 5, 1), {"erase": 9, f"org:{other_slug}:erase": 9})
    run("retention_sweep", at(2025, 5, 2, 2, 30), {f"org:{slug}:erase": 100}, dry_run=True)
    run("retention_sweep", at(2025, 5, 3, 2, 30), {}, outcome="failed")
    run("request_uploads_destroy", at(2025, 6, 1), {"uploads": 3, f"uploads:{slug}": 2, f"uploads:{other_slug}": 1})
    run("requests_anonymise", at(2025, 6, 1), {"requests": 2, f"requests:{slug}": 2})
    run("retention_sweep", at(2024, 12, 31, 23, 30), {f"org:{slug}:erase": 50})  # 2024 in Amsterdam


def build_authorisations(organisation):
    with travel(at(2024, 5, 1)):
        reviewed = Authorisation.objects.create(
            organisation=organisation,
            person_name="Anna Admin",
            last_reviewed_on=date(2024, 5, 1),
            next_review_on=date(2025, 5, 1),
            confidentiality_signed_on=date(2024, 5, 1),
        )
        Authorisation.objects.create(
            organisation=organisation,
            person_name="Bert Boekhouder",
            next_review_on=date(2025, 2, 1),
            confidentiality_signed_on=date(2024, 2, 1),
        )
        revoked = Authorisation.objects.create(
            organisation=organisation, person_name="Carla Vrijwilliger", next_review_on=date(2025, 3, 1)
        )
    with travel(at(2025, 4, 20)):
        reviewed.last_reviewed_on, reviewed.next_review_on = date(2025, 4, 20), date(2026, 4, 20)
        reviewed.save()
    with travel(at(2025, 6, 1)):
        revoked.revoked_on = date(2025, 6, 1)
        revoked.save()
    with travel(at(2025, 7, 1)):
        Authorisation.objects.create(organisation=organisation, person_name="Dirk Nieuw", approved_on=date(2025, 7, 1))
    with travel(at(2026, 1, 20)):  # the next review, after the year, replaces the 2025 date
        reviewed.last_reviewed_on, reviewed.next_review_on = date(2026, 1, 20), date(2027, 1, 20)
        reviewed.save()


def build_controls(organisation):
    with travel(at(2024, 1, 10)):
        renewal = Control.objects.create(
            organisation=organisation,
            name="Verwerkersovereenkomst vernieuwen",
            last_done_on=date(2024, 1, 10),
            next_due_on=date(2025, 1, 10),
        )
        duplicates = Control.objects.create(
            organisation=organisation, name="Duplicaten vernietigen", next_due_on=date(2025, 3, 1)
        )
        Control.objects.create(
            organisation=organisation, name="Autorisaties controleren", next_due_on=date(2025, 10, 1)
        )
    with travel(at(2025, 1, 8)):
        renewal.last_done_on, renewal.next_due_on = date(2025, 1, 8), date(2026, 1, 8)
        renewal.save()
    with travel(at(2025, 4, 15)):
        duplicates.last_done_on, duplicates.next_due_on = date(2025, 4, 15), date(2026, 4, 15)
        duplicates.save()


def build_deficiencies(organisation):
    def deficiency(found_on, description, **fields):
        Deficiency.objects.create(organisation=organisation, found_on=found_on, description=description, **fields)

    deficiency(date(2024, 11, 1), "Toestemmingen niet gearchiveerd", resolved_on=date(2025, 2, 1))
    deficiency(date(2024, 5, 1), "Opgelost in 2024", resolved_on=date(2024, 12, 1))
    deficiency(
        date(2025, 5, 20), "Klacht te laat beantwoord", measure="Vervanger van de FG aanwijzen", due_on=date(2025, 7, 1)
    )
    deficiency(date(2026, 1, 5), "Na het jaar gevonden")


@pytest.fixture
def other(db):
    """Another organisation on the same installation, with data of every kind in the same year."""
    other = OrganisationFactory(name="Andere Coöperatie")
    with travel(at(2025, 2, 1)):
        activity = ActivityFactory(organisation=other, reference="9.1", name="Geheime verwerking")
    activity.data_categories.add(DataCategory.objects.create(organisation=other, name="Strafblad", kind="criminal"))
    answered(other, "access", at(2025, 5, 5), at(2025, 8, 5))
    answered(other, "complaint", at(2025, 5, 5), at(2025, 8, 5))
    breach(other, at(2025, 3, 3), title="Lek bij de ander")
    Authorisation.objects.create(organisation=other, person_name="Xander Ander", next_review_on=date(2020, 1, 1))
    Control.objects.create(organisation=other, name="Controle van de ander", next_due_on=date(2025, 2, 1))
    Deficiency.objects.create(organisation=other, found_on=date(2025, 3, 1), description="Tekort bij de ander")
    return other


@pytest.fixture
def year_data(other):
    organisation = OrganisationFactory(name="Energiecoöperatie Zonnedael", slug="zonnedael")
    build_register(organisation)
    build_requests(organisation)
    build_breaches(organisation)
    build_job_runs(organisation, other)
    build_authorisations(organisation)
    build_controls(organisation)
    build_deficiencies(organisation)
    return organisation


# Sections against the fixture year


def test_every_app_adds_its_sections_in_order():
    assert list(REPORT_SECTIONS) and {"register", "requests", "complaints", "breaches", "retention"} <= set(
        REPORT_SECTIONS
    )
    with translation.override("en"):
        context = annual_report_context(organisation=OrganisationFactory(), year=YEAR)
    assert [section["key"] for section in context["sections"]] == [
        "register",
        "requests",
        "complaints",
        "erasures",
        "breaches",
        "retention",
        "authorisations",
        "controls",
        "deficiencies",
    ]


def test_register_at_year_end(year_data):
    data = sections(year_data)["register"]
    assert {str(row["label"]): row["n"] for row in data["statuses"]} == {"draft": 0, "active": 4, "ended": 1}
    assert data["current"] == 4  # 1.1, 1.2, 1.4, 1.5; 1.3 ended, 1.6 came after the year
    assert {str(row["label"]): row["n"] for row in data["bases"]} == {
        "consent (art. 6(1)(a))": 1,
        "contract (art. 6(1)(b))": 2,
        "legitimate interests (art. 6(1)(f))": 1,
    }
    assert {str(row["label"]): row["n"] for row in data["sensitive"]["rows"]} == {
        "special category (art. 9 GDPR)": 2,
        "criminal data (art. 10 GDPR)": 0,  # the other organisation's
        "citizen service number (BSN, art. 46 UAVG)": 1,
    }
    assert [a.reference for a in data["sensitive"]["without_exception"].items] == ["1.4"]
    assert data["reviewed"] == 1


def test_register_processors_findings_and_dpia(year_data):
    data = sections(year_data)["register"]
    processors = {row["name"]: row for row in data["processors"]["rows"].items}
    assert (data["processors"]["total"], data["processors"]["covered"]) == (2, 1)
    assert processors["Econobis"]["signed_on"] == date(2025, 1, 10) and processors["Econobis"]["activities"] == 1
    assert processors["Mailservice"]["signed_on"] is None
    findings = data["findings"]
    assert (findings["complete"], findings["incomplete"]) == (1, 3)
    assert {row["reference"]: row["findings"] for row in findings["activities"].items} == {
        "1.1": ["review overdue"],
        "1.2": ["a processor without a valid processing agreement"],
        "1.4": ["special categories without an art. 9(2) exception", "DPIA required but not done"],
    }
    assert data["dpia"]["required"] == 2 and data["dpia"]["done"] == 1 and data["dpia"]["done_in_year"] == 1
    assert [a.reference for a in data["dpia"]["missing"].items] == ["1.4"]


def test_register_changes_during_the_year(year_data):
    changes = sections(year_data)["register"]["changes"]
    assert {key: [a.reference for a in listing.items] for key, listing in changes.items()} == {
        "added": ["1.5"],
        "changed": ["1.1"],
        "ended": ["1.3"],
        "removed": [],
    }


def test_requests_per_month_answer_times_and_deadlines(year_data):
    data = sections(year_data)["requests"]
    rows = {str(row["label"]): row["values"] for row in data["months"]["rows"]}
    assert rows == {
        "access (art. 15)": [1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 2],
        "erasure (art. 17)": [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        "objection (art. 21)": [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    }
    assert data["months"]["total"] == 8
    totals = data["totals"]
    assert totals == {
        "received": 8,
        "withdrawn": 1,
        "answered": 5,
        "completed": 4,
        "refused": 1,
        "within_target": 3,
        "on_time": 4,
        "late": 1,
        "extended": 1,
    }
    assert (data["median_days"], data["p90_days"]) == (21, 57)  # of 10, 14, 21, 45, 57
    assert [(str(row["label"]), row["n"]) for row in data["refusals"]] == [
        ("compelling legitimate grounds outweigh the objection (art. 21(1) GDPR)", 1)
    ]
    assert data["open"] == {"total": 3, "overdue": 1}
    assert "<svg" in data["chart"]


def test_complaints_answered_within_the_window_or_not(year_data):
    data = sections(year_data)["complaints"]
    assert (data["received"], data["in_time"], data["late"], data["pending"], data["withdrawn"]) == (3, 1, 1, 1, 0)
    assert [(row["reference"], row["days"]) for row in data["late_rows"].items] == [("AVG-2025-LATE", 19)]


def test_breaches_hours_against_own_and_statutory_window(year_data):
    data = sections(year_data)["breaches"]
    assert [(row["breach"].title, row["hours"]) for row in data["rows"]] == [
        ("Verkeerd gemaild", 50.0),
        ("Laptop gestolen", 130.0),
        ("Brief kwijt", None),
    ]
    assert (data["own_hours"], data["statutory_hours"]) == (120, 72)
    assert (data["total"], data["notified"], data["within_statutory"], data["within_own"], data["late"]) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert (data["not_to_notify"], data["undecided"], data["persons_informed"]) == (1, 0, 1)


def test_retention_counts_per_organisation_once(year_data, other):
    # The same key as the anonymisation of old requests, in another job: each is counted under its own job.
    purge = {"requests": 3, f"requests:{year_data.slug}": 1, f"requests:{other.slug}": 2}
    run("unverified_requests_purge", at(2025, 5, 1, 3, 10), purge)
    data = sections(year_data)["retention"]
    # erased, anonymised, minimised, uploads, packages, requests anonymised, unverified requests deleted
    assert [row["n"] for row in data["figures"]] == [4, 6, 4, 2, 0, 2, 1]
    assert (data["chunks_queued"], data["chunks_missing"]) == (2, 0)
    jobs = {job["job"]: (job["done"], job["failed"]) for job in data["jobs"]}
    assert jobs == {
        "retention_sweep": (2, 1),
        "retention_sweep_chunk": (2, 1),
        "retention_sweep_approved:zonnedael": (1, 0),
        "request_uploads_destroy": (1, 0),
        "requests_anonymise": (1, 0),
        "unverified_requests_purge": (1, 0),
    }
    assert data["failed"] == 2


def test_retention_says_when_chunk_tasks_left_no_record(year_data):
    run("retention_sweep", at(2025, 7, 1, 2, 30), {"candidates": 30000, "chunks_queued": 3})
    run("retention_sweep_chunk", at(2025, 7, 1, 2, 31), {f"org:{year_data.slug}:erase": 10})
    data = sections(year_data)["retention"]
    assert (data["chunks_queued"], data["chunks_missing"]) == (5, 2)
    assert data["figures"][0]["n"] == 14


def test_authorisations_reviewed_and_overdue(year_data):
    data = sections(year_data)["authorisations"]
    assert (data["in_force"], data["reviewed"], data["reviews"], data["granted"], data["revoked"]) == (3, 1, 1, 1, 1)
    assert [a.person_name for a in data["overdue"].items] == ["Dirk Nieuw", "Bert Boekhouder"]  # none planned first
    assert [a.person_name for a in data["without_statement"].items] == ["Dirk Nieuw"]


def test_controls_done_and_missed(year_data):
    data = sections(year_data)["controls"]
    rows = {row["name"]: row for row in data["rows"]}
    assert rows["Verwerkersovereenkomst vernieuwen"]["done"] == [date(2025, 1, 8)]
    assert rows["Verwerkersovereenkomst vernieuwen"]["missed"] == []
    assert rows["Duplicaten vernietigen"]["done"] == [date(2025, 4, 15)]
    assert rows["Duplicaten vernietigen"]["missed"] == [date(2025, 3, 1)]  # done six weeks late
    assert rows["Autorisaties controleren"]["missed"] == [date(2025, 10, 1)]
    assert rows["Autorisaties controleren"]["overdue"]
    assert (data["done"], data["missed"], data["overdue"], len(data["rows"])) == (2, 2, 1, 3)


def test_deficiencies_of_the_year_and_still_open_from_before(year_data):
    data = sections(year_data)["deficiencies"]
    descriptions = [d.description for d in data["rows"].items]
    assert descriptions == ["Toestemmingen niet gearchiveerd", "Klacht te laat beantwoord"]
    assert (data["found"], data["carried_over"], data["resolved"], data["open"], data["overdue"]) == (1, 1, 1, 1, 1)
    assert data["without_measure"] == 1


def test_nothing_of_another_year_or_organisation_in_an_empty_year(year_data, other):
    data = sections(year_data, year=2023, now=GENERATED)
    assert data["register"]["current"] == 0
    assert data["requests"]["totals"]["answered"] == 0 and data["requests"]["months"]["total"] == 0
    assert data["complaints"]["received"] == 0
    assert data["breaches"]["total"] == 0
    assert all(row["n"] == 0 for row in data["retention"]["figures"])
    assert data["deficiencies"]["found"] == 0


def test_a_year_not_yet_over_is_covered_up_to_now(year_data):
    data = sections(year_data, year=2026, now=GENERATED)
    assert data["register"]["changes"]["added"].items[0].reference == "1.6"
    assert data["requests"]["months"]["total"] == 1  # 1 January 00:30
    assert data["deficiencies"]["found"] == 1


def test_charts_sit_inline_side_by_side_without_clashing():
    """Each chart's ids get its own prefix (two charts share glyph names), unreferenced ids and style attributes
    go (WeasyPrint would make anchors of them and warn), nothing precedes <svg>, and the same figures draw the
    same markup."""
    series = [("access", [1, 2, 3]), ("erasure", [0, 1, 0])]
    first = charts.stacked_bars_svg(labels=["jan", "May", "2025"], series=series)
    second = charts.horizontal_bars_svg(labels=["consent", "contract"], values=[3, 5])
    ids = [re.findall(r'id="([^"]+)"', svg) for svg in (first, second)]
    assert ids[0] and ids[1] and not set(ids[0]) & set(ids[1])
    for svg, own in zip((first, second), ids, strict=True):
        assert svg.startswith("<svg") and " style=" not in svg and "<style" not in svg
        assert set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg)) <= set(own)
    assert charts.horizontal_bars_svg(labels=["consent", "contract"], values=[3, 5]) == second  # deterministic


def test_percentile_is_the_nearest_rank():
    assert percentile([], 0.5) is None
    assert percentile([3], 0.9) == 3
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9


# The PDF


def test_pdf_in_dutch_shows_every_section_with_its_figures(year_data):
    with travel(GENERATED):
        text = pdf_text(annual_report_pdf(organisation=year_data, year=YEAR))
    assert "Energiecoöperatie Zonnedael" in text and "2025" in text
    assert "10 februari 2026" in text  # generated at, in Dutch
    for figure in ["AP-2025-123", "Verkeerd gemaild", "Laptop gestolen", "130,0", "50,0", "AVG-2025-LATE"]:
        assert figure in text
    assert "Mailservice" in text and "Klacht te laat beantwoord" in text and "Vervanger van de FG aanwijzen" in text
    for name in ["Andere Coöperatie", "Geheime verwerking", "Lek bij de ander", "Xander Ander", "Tekort bij de ander"]:
        assert name not in text
    assert "Oud lek" not in text and "Na het jaar gevonden" not in text
    assert "retention_sweep_approved:" + year_data.slug in text
    assert "retention_sweep_approved:" + "voorbeeld" not in text


def test_pdf_in_english_has_english_headings_and_dates(year_data):
    with travel(GENERATED):
        text = pdf_text(annual_report_pdf(organisation=year_data, year=YEAR, language="en"))
    for heading in ["Yearly privacy evaluation 2025", "Requests of data subjects", "Complaints", "Data breaches",
                    "Retention and the clock", "Authorisations", "Controls", "Deficiencies and measures",
                    "Evaluation by the board", "Signature"]:  # fmt: skip
        assert heading in text
    assert "10 February 2026" in text
    assert "130.0" in text


def test_month_table_figures_are_in_the_pdf(year_data):
    """The chart's figures are in the table beside it, as text a reader (and pypdf) can take out."""
    with travel(GENERATED):
        text = pdf_text(annual_report_pdf(organisation=year_data, year=YEAR, language="en"))
    assert "Access (art. 15) 1 0 1 0 0 0 1 0 0 1 0 2 6" in text
    assert "Total 1 1 1 1 0 0 1 0 0 1 0 2 8" in text


def _bulk(organisation, number: int):
    """More of everything, for the query count."""
    for index in range(number):
        with travel(at(2025, 1 + index % 12, 1 + index % 27)):
            activity = ActivityFactory(organisation=organisation, reference=f"5.{index}", dpia_required=index % 2 == 0)
            activity.processors.add(Processor.objects.create(organisation=organisation, name=f"Verwerker {index}"))
        received = at(2025, 1 + index % 12, 1 + index % 27)
        answered(organisation, "erasure", received, received + timedelta(days=index % 40), reference=f"B-{index}")
        answered(organisation, "complaint", received, received + timedelta(days=index % 20), reference=f"C-{index}")
        breach(organisation, received, received + timedelta(hours=index * 7), title=f"Lek {index}")
        Deficiency.objects.create(organisation=organisation, found_on=received.date(), description=f"Tekort {index}")
        Authorisation.objects.create(organisation=organisation, person_name=f"Persoon {index}")
        Control.objects.create(organisation=organisation, name=f"Controle {index}", next_due_on=received.date())
        run("retention_sweep", received, {f"org:{organisation.slug}:erase": index})


def test_queries_do_not_grow_with_the_data(year_data, django_assert_num_queries, django_assert_max_num_queries):
    """23 queries, whatever the data:
    register 7: the activities as of the year's end, the kinds of their data categories and their processors
      (historical M2M rows), the processors with their agreements, the completeness findings, the activities as
      of the year's start, the activities changed during the year;
    requests 6: received per kind and month, received per kind, answers per kind, answer times, refusals by
      ground, open at the end; complaints 2: the counts, those not answered in time; erasures on request 1;
    breaches 1; retention 2: the sums of the counts, the runs per job;
    authorisations 2: the reviews in their history, their state at the end; controls 1: their history;
    deficiencies 1."""
    with travel(GENERATED), django_assert_num_queries(23):
        annual_report_pdf(organisation=year_data, year=YEAR)
    _bulk(year_data, 40)
    with travel(GENERATED), django_assert_max_num_queries(23):
        annual_report_pdf(organisation=year_data, year=YEAR)


def test_erasures_on_request_are_summed_from_the_certificates_of_the_year(organisation, other):
    from requests_portal.models import ErasureRun

    def run(org, executed_at, **counts):
        request = SubjectRequestFactory(organisation=org, kind="erasure")
        certificate = {"counts": {"subjects_erased": 0, "subjects_minimised": 0, "relations_erased": 0} | counts}
        ErasureRun.objects.create(request=request, executed_at=executed_at, certificate=certificate)

    run(organisation, at(2025, 1, 1, 0, 0), subjects_erased=1, relations_erased=2)
    run(organisation, at(2025, 12, 31, 23, 59), subjects_minimised=1, relations_erased=1, relations_kept=1)
    run(organisation, at(2026, 1, 1, 0, 0), subjects_erased=1)  # next year
    run(other, at(2025, 6, 1), subjects_erased=1)  # another organisation
    ErasureRun.objects.create(request=SubjectRequestFactory(organisation=organisation, kind="erasure"))  # not run
    data = sections(organisation)["erasures"]
    assert data == {
        "runs": 2, "subjects_erased": 1, "subjects_minimised": 1, "relations_erased": 3, "relations_kept": 1,
    }  # fmt: skip
    with translation.override("nl"), travel(GENERATED):
        text = pdf_text(annual_report_pdf(organisation=organisation, year=YEAR, language="nl"))
    assert "Verwijdering op verzoek" in text and "Verwijderingen uitgevoerd op verzoek 2" in text
