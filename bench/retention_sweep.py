"""Benchmark of the retention sweep against PostgreSQL (a script, not a test).

    createdb -h 127.0.0.1 -U postgres bench_sweep
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sweep .venv/bin/python bench/retention_sweep.py

Builds N subjects (default 1,000,000) with one relation each by COPY: a tenth ended three years ago on an
activity whose rule erases after two years (due), the rest active, recently ended, or held by a statutory
seven-year rule. Then it prints, for the same due rows: the floor (one raw SQL UPDATE, rolled back), and the
sweep (wall time, peak memory, queries), and a second sweep, which must find nothing to do.
"""

import argparse
import resource
import sys
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from common import QueryCounter, django_setup  # noqa: E402 - bench/ is on the path of a script run from it

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from register.models import DataSubject, Organisation, ProcessingActivity, Relation, RetentionRule  # noqa: E402
from retention.jobs import job_run, jobs_load  # noqa: E402

NOW = datetime(2025, 6, 1, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
DUE_ENDED, RECENT_ENDED, STARTED = date(2022, 3, 1), date(2024, 9, 1), date(2015, 1, 1)


def build(subjects: int) -> int:
    """Empty the bench tables and fill them; return how many subjects are due."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE register_relation, register_historicalrelation, register_datasubject, "
            "register_historicaldatasubject, register_retentionrule, register_processingactivity, "
            "register_organisation RESTART IDENTITY CASCADE"
        )
    organisation = Organisation.objects.create(name="Bench", slug="bench")
    erase = ProcessingActivity.objects.create(organisation=organisation, reference="1.1", name="Leden")
    statutory = ProcessingActivity.objects.create(organisation=organisation, reference="1.2", name="Facturen")
    RetentionRule.objects.create(activity=erase, period=2, action="erase")
    RetentionRule.objects.create(activity=statutory, period=7, action="erase", ground="statutory", law="AWR 52")
    due = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            "COPY register_datasubject (id, organisation_id, name, email, phone, street_address, postal_code, "
            "city, iban, notes, attributes) FROM STDIN"
        ) as copy:
            for pk in range(1, subjects + 1):
                copy.write_row(
                    (pk, organisation.pk, f"Persoon {pk}", f"p{pk}@voorbeeld.nl", "0612345678", "Dorpsstraat 1",
                     "1234 AB", "Hoorn", "NL91ABNA0417164300", "", f'{{"Lidnummer": "{pk}"}}')
                )  # fmt: skip
        with cursor.cursor.copy(
            "COPY register_relation (subject_id, activity_id, started_on, ended_on, restricted, objected, "
            "legal_hold, consent_how, consent_evidence) FROM STDIN"
        ) as copy:
            for pk in range(1, subjects + 1):
                kind = pk % 10
                due += kind == 0
                activity = statutory.pk if kind == 1 else erase.pk
                ended_on = DUE_ENDED if kind in (0, 1) else RECENT_ENDED if kind < 5 else None
                copy.write_row((pk, activity, STARTED, ended_on, False, False, False, "", ""))
        cursor.execute("SELECT setval(pg_get_serial_sequence('register_datasubject', 'id'), %s)", [subjects])
        cursor.execute("ANALYZE register_datasubject; ANALYZE register_relation")
    return due


def floor(erase_activity_id: int) -> tuple[float, int]:
    """The same due rows blanked by one raw UPDATE, then rolled back: the least any sweep could take."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE register_datasubject SET name = 'Geanonimiseerd', email = '', phone = '', street_address = '', "
            "postal_code = '', city = '', iban = '', attributes = '{}' WHERE id IN (SELECT subject_id FROM "
            "register_relation WHERE activity_id = %s AND ended_on <= %s)",
            [erase_activity_id, DUE_ENDED],
        )
        rows = cursor.rowcount
        transaction.set_rollback(True)
    return time.perf_counter() - started, rows


def measured_sweep() -> tuple[float, int, dict]:
    """Peak memory is the process's peak RSS (tracemalloc would slow Python several times over)."""
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        counts = job_run("retention_sweep", now=NOW).counts
    return time.perf_counter() - started, counter.count, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database; this benchmark measures PostgreSQL.")
    call_command("migrate", verbosity=0)
    jobs_load()
    started = time.perf_counter()
    due = build(args.subjects)
    print(f"built {args.subjects:,} subjects ({due:,} due) in {time.perf_counter() - started:.1f} s")
    erase_activity = ProcessingActivity.objects.get(reference="1.1").pk
    floor_seconds, floor_rows = floor(erase_activity)
    print(f"floor: one raw UPDATE of {floor_rows:,} rows in {floor_seconds:.2f} s")
    rss_before = _max_rss_mb()
    seconds, queries, counts = measured_sweep()
    print(
        f"sweep: {counts.get('erase', 0):,} erased of {counts.get('candidates', 0):,} candidates in {seconds:.2f} s "
        f"({seconds / floor_seconds:.1f}x the floor), {queries} queries, "
        f"process peak RSS {_max_rss_mb():.0f} MB (before the sweep {rss_before:.0f} MB)"
    )
    seconds, queries, counts = measured_sweep()
    print(f"second sweep: {counts} in {seconds:.2f} s, {queries} queries")
    left = DataSubject.objects.filter(relations__activity_id=erase_activity, relations__ended_on__lte=DUE_ENDED)
    print(f"left past retention: {left.count()}; subjects now {DataSubject.objects.count():,}")
    print(f"relations now {Relation.objects.count():,}")


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


if __name__ == "__main__":
    main()
