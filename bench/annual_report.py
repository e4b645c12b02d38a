"""Benchmark of the yearly report against PostgreSQL (a script, not a test).

    createdb -h 127.0.0.1 -U postgres bench_report
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_report .venv/bin/python bench/annual_report.py

Builds one organisation's year (2025) at the size of a large installation: 500 activities with their history
(set up in 2024, reviewed in March, changed in September, 25 added during the year) and their categories,
processors and retention rules; 20,000 requests by COPY (every kind, answered on time, late, extended, refused,
withdrawn, a few open); 200 breaches; 100 authorisations and 20 controls with history; 50 deficiencies; and a
year of job runs (the nightly jobs and the two that run every 15 minutes, 72,000 runs). Then it times the PDF
(annual_report_pdf) and the board's archive of it (which renders again), printing wall time, process peak RSS
and query count. --profile prints where the time of a third rendering goes.
"""

import argparse
import cProfile
import io
import json
import pstats
import random
import resource
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from common import QueryCounter, django_setup  # noqa: E402 - bench/ is on the path of a script run from it

django_setup()

from dateutil.relativedelta import relativedelta  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from register.models import (  # noqa: E402
    Authorisation,
    Breach,
    Control,
    DataCategory,
    Deficiency,
    Organisation,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
    RetentionRule,
    SubjectCategory,
)
from register.report import annual_report_pdf  # noqa: E402
from register.report_archive import annual_report_archive  # noqa: E402
from requests_portal.models import SubjectRequest  # noqa: E402

YEAR = 2025
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(YEAR, 1, 1, tzinfo=AMSTERDAM)
SET_UP = datetime(YEAR - 1, 6, 1, 10, tzinfo=AMSTERDAM)
KINDS = [  # (kind, weight)
    ("access", 40), ("erasure", 20), ("rectification", 10), ("objection", 8), ("withdraw_consent", 8),
    ("portability", 4), ("restriction", 2), ("complaint", 8),
]  # fmt: skip
NIGHTLY = ["retention_sweep", "unverified_requests_purge", "request_uploads_destroy", "access_packages_expire",
           "requests_anonymise", "request_tokens_purge"]  # fmt: skip
EVERY_15_MINUTES = ["verification_reminders", "deadline_watchers"]


def truncate() -> None:
    """Empty every table of the three apps (a dedicated database: history tables have no foreign keys)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'register\\_%%' "
            "OR tablename LIKE 'requests\\_portal\\_%%' OR tablename LIKE 'retention\\_%%')"
        )
        tables = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def build_register(organisation: Organisation, activities: int, rng: random.Random) -> None:
    categories = DataCategory.objects.bulk_create(
        DataCategory(organisation=organisation, name=f"Gegeven {n}", kind="special" if n < 3 else "ordinary")
        for n in range(30)
    )
    subjects = SubjectCategory.objects.bulk_create(
        SubjectCategory(organisation=organisation, name=f"Betrokkenen {n}") for n in range(10)
    )
    processors = Processor.objects.bulk_create(
        Processor(organisation=organisation, name=f"Verwerker {n}") for n in range(20)
    )
    ProcessingAgreement.objects.bulk_create(
        ProcessingAgreement(processor=p, signed_on=date(YEAR, 1, 15), valid_until=date(YEAR + 1, 1, 15))
        for p in processors[:16]
    )
    bases = [basis for basis, _ in ProcessingActivity.LegalBasis.choices]
    rows = ProcessingActivity.objects.bulk_create(
        ProcessingActivity(
            organisation=organisation, reference=f"{n // 50 + 1}.{n % 50 + 1}", group=f"Groep {n // 50 + 1}",
            name=f"Verwerking {n}", purposes="Doel" if n % 20 else "", legal_basis=bases[n % len(bases)],
            security_measures="Versleuteld", status="ended" if n % 50 == 49 else "active",
            last_reviewed_on=date(YEAR, 3, 3), next_review_on=date(YEAR + 1, 3, 3),
        )
        for n in range(activities)
    )  # fmt: skip
    RetentionRule.objects.bulk_create(RetentionRule(activity=a, period=2) for a in rows if a.pk % 10)
    links = {
        "data_categories": lambda a: rng.sample(categories, 3),
        "subject_categories": lambda a: [subjects[a.pk % 10]],
        "processors": lambda a: [processors[a.pk % 20]],
    }
    chosen = {field: {a.pk: pick(a) for a in rows} for field, pick in links.items()}
    columns = {f: f"{ProcessingActivity._meta.get_field(f).related_model._meta.model_name}_id" for f in chosen}
    link_ids: dict[tuple[str, int, int], int] = {}  # the historical M2M rows repeat the through row's id
    for field, per_activity in chosen.items():
        through, column = getattr(ProcessingActivity, field).through, columns[field]
        created = through.objects.bulk_create(
            through(processingactivity_id=pk, **{column: target.pk}) for pk, targets in per_activity.items()
            for target in targets
        )  # fmt: skip
        link_ids.update({(field, link.processingactivity_id, getattr(link, column)): link.pk for link in created})
    # History: set up in 2024 (the last 25 added in May), reviewed in March, one in five changed in September.
    added = {a.pk for a in rows[-25:]}
    history = [
        *_history(rows, lambda a: SET_UP if a.pk not in added else datetime(YEAR, 5, 1, 10, tzinfo=AMSTERDAM), "+"),
        *_history([a for a in rows if a.pk not in added], lambda a: datetime(YEAR, 3, 3, 10, tzinfo=AMSTERDAM), "~"),
        *_history(rows[::5], lambda a: datetime(YEAR, 9, 1, 10, tzinfo=AMSTERDAM) + timedelta(minutes=a.pk), "~"),
    ]
    historical = ProcessingActivity.history.model
    for field, per_activity in chosen.items():
        m2m = getattr(historical, field).model
        m2m.objects.bulk_create(
            m2m(
                id=link_ids[field, record.id, target.pk],
                history_id=record.history_id,
                processingactivity_id=record.id,
                **{columns[field]: target.pk},
            )
            for record in history
            for target in per_activity[record.id]
        )


def _history(rows, when, history_type: str):
    for row in rows:
        row._history_date = when(row)
    return ProcessingActivity.history.bulk_history_create(rows, update=history_type == "~", batch_size=1000)


def build_requests(organisation: Organisation, count: int, rng: random.Random) -> None:
    kinds, weights = zip(*KINDS, strict=True)
    grounds = SubjectRequest.RefusalGround.values
    seconds = int((datetime(YEAR + 1, 1, 1, tzinfo=AMSTERDAM) - START).total_seconds())
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY requests_portal_subjectrequest (organisation_id, reference, kind, status, requester_name, "
            "requester_email, requester_language, message, on_behalf, on_behalf_of, received_at, email_verified_at, "
            "verification_token_hash, target_due_on, legal_due_on, extended_due_on, extension_reason, extended_at, "
            "paused_days, pause_reason, outcome, refusal_ground, closed_at) FROM STDIN"
        ) as copy,
    ):
        for n in range(1, count + 1):
            kind = rng.choices(kinds, weights)[0]
            received = START + timedelta(seconds=rng.randrange(seconds))
            day = received.astimezone(AMSTERDAM).date()
            complaint = kind == "complaint"
            target = day + timedelta(days=14 if complaint else 28)
            legal = target if complaint else day + relativedelta(months=1)
            verified = received + timedelta(hours=1) if rng.random() > 0.03 else None
            extended = not complaint and verified and rng.random() < 0.03
            status, closed, ground = _outcome(rng, verified, received, grounds)
            copy.write_row((
                organisation.pk, f"AVG-{YEAR}-{n:05d}", kind, status, "Geanonimiseerd", f"r{n}@voorbeeld.nl",
                "nl", "", "", "", received, verified, "", target, legal,
                legal + relativedelta(months=2) if extended else None, "Omvangrijk" if extended else "",
                received + timedelta(days=20) if extended else None, 0, "", "", ground, closed,
            ))  # fmt: skip


def _outcome(rng: random.Random, verified, received: datetime, grounds: list[str]):
    if verified is None:
        return "received", None, ""
    draw = rng.random()
    closed = received + timedelta(days=rng.choice([2, 5, 10, 15, 20, 25, 27, 30, 33, 45]))
    if draw < 0.05:
        return "in_progress", None, ""
    if draw < 0.11:
        return "refused", closed, rng.choice(grounds)
    if draw < 0.15:
        return "withdrawn", closed, ""
    return "completed", closed, ""


def build_breaches(organisation: Organisation, count: int, rng: random.Random) -> None:
    breaches = []
    for n in range(count):
        discovered = START + timedelta(hours=rng.randrange(360 * 24))
        notified = discovered + timedelta(hours=rng.choice([20, 50, 80, 110, 130])) if rng.random() < 0.7 else None
        breaches.append(
            Breach(
                organisation=organisation, title=f"Datalek {n}", description="Verkeerde ontvanger",
                discovered_at=discovered, notification_due_at=discovered + timedelta(hours=120),
                confidentiality=True, subjects_affected=rng.randint(1, 500), risk="risk",
                notify_authority=notified is not None or None, authority_notified_at=notified,
                authority_reference=f"M{YEAR}-{n:05d}" if notified else "", closed_at=discovered + timedelta(days=30),
            )
        )  # fmt: skip
    Breach.objects.bulk_create(breaches)


def build_accountability(organisation: Organisation, rng: random.Random) -> None:
    """Authorisations and controls with a year of history, and deficiencies."""
    authorisations = Authorisation.objects.bulk_create(
        Authorisation(
            organisation=organisation, person_name=f"Medewerker {n}", approved_on=date(YEAR - 1, 6, 1),
            confidentiality_signed_on=date(YEAR - 1, 6, 1) if n % 10 else None,
            last_reviewed_on=date(YEAR, 2, 1), next_review_on=date(YEAR + 1, 2, 1) if n % 7 else date(YEAR, 11, 1),
        )
        for n in range(100)
    )  # fmt: skip
    for moment in (SET_UP, datetime(YEAR, 2, 1, 10, tzinfo=AMSTERDAM)):
        for authorisation in authorisations:
            authorisation._history_date = moment
        Authorisation.history.bulk_history_create(authorisations, update=moment != SET_UP)
    controls = Control.objects.bulk_create(
        Control(organisation=organisation, name=f"Controle {n}", last_done_on=date(YEAR, 1 + n % 12, 1),
                next_due_on=date(YEAR + 1, 1 + n % 12, 1))
        for n in range(20)
    )  # fmt: skip
    Control.history.bulk_history_create(controls, default_date=datetime(YEAR, 12, 1, tzinfo=AMSTERDAM))
    Deficiency.objects.bulk_create(
        Deficiency(organisation=organisation, found_on=date(YEAR, 1 + n % 12, 10), description=f"Tekortkoming {n}",
                   measure="Maatregel" if n % 5 else "", resolved_on=date(YEAR, 12, 1) if n % 2 else None)
        for n in range(50)
    )  # fmt: skip


def build_job_runs(organisation: Organisation) -> int:
    slug = organisation.slug
    sweep = json.dumps({"candidates": 3, "erase": 2, f"org:{slug}:erase": 2, "minimise": 1, f"org:{slug}:minimise": 1})
    runs = []
    for day in range(365):
        night = START + timedelta(days=day)
        for offset, job in enumerate(NIGHTLY):
            started = night + timedelta(hours=2, minutes=30 + 10 * offset)
            runs.append((job, started, sweep if job == "retention_sweep" else '{"requests": 0}'))
        for quarter in range(96):
            runs += [(job, night + timedelta(minutes=15 * quarter), '{"n": 0}') for job in EVERY_15_MINUTES]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY retention_jobrun (job, dry_run, started_at, finished_at, outcome, counts, errors) FROM STDIN"
        ) as copy,
    ):
        for job, started, counts in runs:
            copy.write_row((job, False, started, started + timedelta(seconds=5), "done", counts, ""))
    return len(runs)


def measured(function, **arguments):
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = function(**arguments)
    return result, time.perf_counter() - started, counter.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--breaches", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="Profile a third rendering with cProfile.")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database; this benchmark measures PostgreSQL.")
    call_command("migrate", verbosity=0)
    rng = random.Random(YEAR)  # noqa: S311 - fictional data, not security
    started = time.perf_counter()
    truncate()
    organisation = Organisation.objects.create(name="Woonstichting Benchmark", slug="bench")
    build_register(organisation, args.activities, rng)
    build_requests(organisation, args.requests, rng)
    build_breaches(organisation, args.breaches, rng)
    build_accountability(organisation, rng)
    runs = build_job_runs(organisation)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built {args.activities} activities, {args.requests:,} requests, {args.breaches} breaches, {runs:,} job "
        f"runs in {time.perf_counter() - started:.1f} s"
    )
    rss_before = _max_rss_mb()
    pdf, seconds, queries = measured(annual_report_pdf, organisation=organisation, year=YEAR, language="nl")
    print(
        f"annual_report_pdf: {len(pdf) / 1024:.0f} KB, {_pages(pdf)} pages in {seconds:.2f} s, {queries} queries, "
        f"process peak RSS {_max_rss_mb():.0f} MB (before {rss_before:.0f} MB)"
    )
    archived, seconds, queries = measured(annual_report_archive, organisation=organisation, year=YEAR, language="en")
    print(
        f"annual_report_archive (renders in English, stores version {archived.version}): {seconds:.2f} s, "
        f"{queries} queries, process peak RSS {_max_rss_mb():.0f} MB"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(annual_report_pdf, organisation=organisation, year=YEAR, language="nl")
        output = io.StringIO()
        pstats.Stats(profile, stream=output).sort_stats("cumulative").print_stats(30)
        print(output.getvalue())


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader  # a development dependency, as the benchmarks are

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


if __name__ == "__main__":
    main()
