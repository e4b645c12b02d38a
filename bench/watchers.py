"""Benchmark of one deadline-watcher pass against PostgreSQL (a script, not a test).

    createdb -h 127.0.0.1 -U postgres bench_watch
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_watch .venv/bin/python bench/watchers.py

Builds REQUESTS open requests (default 100,000) received over the last 60 days, so their target and legal
deadlines lie on every side of the thresholds, and BREACHES open breaches (default 10,000) discovered over the
last 6 days, spread over 10 organisations: a backlog of some 130,000 reminders. Then it prints wall time and
query count of every pass until the backlog is worked off (a pass writes at most PASS_BUDGET reminders, most
urgent first; beat runs one every 15 minutes), and of a pass a day later.
Target: each pass under 2 s with a constant number of queries. Beside the first pass it prints its floor: as
many Reminder rows written by one raw INSERT ... SELECT (rolled back), the least any pass writing them takes.
"""

import argparse
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from common import QueryCounter, django_setup  # noqa: E402 - bench/ is on the path of a script run from it

django_setup(EMAIL_URL="memorymail://")  # mails are rendered and sent to memory, not printed

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from register.models import Breach, Organisation  # noqa: E402
from requests_portal.models import SubjectRequest  # noqa: E402
from retention.deadlines import request_legal_due, request_target_due  # noqa: E402
from retention.watchers import PASS_BUDGET, watch_pass  # noqa: E402

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
ORGANISATIONS = 10
BATCH = 10_000


def build(requests: int, breaches: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE retention_reminder, requests_portal_subjectrequest, register_breach, register_organisation "
            "RESTART IDENTITY CASCADE"
        )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Bench {n}", slug=f"bench-{n}", dpo_email=f"fg{n}@bench.example")
        for n in range(ORGANISATIONS)
    )
    rows = (_request(n, organisations[n % ORGANISATIONS]) for n in range(requests))
    _in_batches(SubjectRequest, rows)
    _in_batches(Breach, (_breach(n, organisations[n % ORGANISATIONS]) for n in range(breaches)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _request(n: int, organisation: Organisation) -> SubjectRequest:
    received = NOW - timedelta(minutes=(n * 7) % (60 * 24 * 60))
    return SubjectRequest(
        organisation=organisation,
        reference=f"AVG-B-{n:07d}",
        kind="complaint" if n % 20 == 0 else "access",
        status="in_progress",
        requester_name=f"Persoon {n}",
        requester_email=f"p{n}@bench.example",
        received_at=received,
        email_verified_at=received,
        target_due_on=request_target_due(received, 4),
        legal_due_on=request_legal_due(received),
    )


def _breach(n: int, organisation: Organisation) -> Breach:
    discovered = NOW - timedelta(seconds=(n * 53) % (6 * 24 * 3600))
    return Breach(
        organisation=organisation,
        title=f"Datalek {n}",
        description="bench",
        discovered_at=discovered,
        notification_due_at=discovered + timedelta(hours=120),
    )


def _in_batches(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def timed_pass(label: str, now: datetime) -> int:
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        counts = watch_pass(now=now)
    seconds = time.perf_counter() - started
    print(f"{label:<24} {seconds:6.2f} s  {counter.count:3d} queries  {counts['reminders']:7d} reminders")
    return counts["reminders"]


def floor(rows: int) -> float:
    """As many reminders inserted by one raw statement, with the unique constraint and the foreign key checked."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO retention_reminder (kind, object_id, threshold, organisation_id, due_at, sent_at, text, item) "
            "SELECT 'floor', n, 'overdue:2026-06-01', (SELECT min(id) FROM register_organisation), now(), now(), "
            "'eigen antwoordtermijn: AVG-B-' || n || ' (te laat)', 'AVG-B-' || n FROM generate_series(1, %s) AS n "
            "ON CONFLICT (kind, object_id, threshold) DO NOTHING RETURNING kind, object_id, threshold",
            [rows],
        )
        cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign key checks, as a commit runs them
        transaction.set_rollback(True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--breaches", type=int, default=10_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build(args.requests, args.breaches)
    print(
        f"built {args.requests:,} open requests and {args.breaches:,} breaches in {time.perf_counter() - started:.1f} s"
    )
    reminders = timed_pass("first pass", NOW)
    print(f"{'floor (raw INSERT)':<24} {floor(reminders):6.2f} s    1 query   {reminders:7d} rows")
    moment, count = NOW, 1
    while reminders >= PASS_BUDGET:  # a full pass: the backlog goes on, worked off every 15 minutes
        moment, count = moment + timedelta(minutes=15), count + 1
        reminders = timed_pass(f"pass {count} (+{(count - 1) * 15} min)", moment)
    timed_pass("a day later", moment + timedelta(days=1))


if __name__ == "__main__":
    main()
