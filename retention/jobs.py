"""The scheduled jobs: a registry of plain functions, and the one place that runs them and records a JobRun.

A job is `def name(*, now: datetime, dry_run: bool) -> dict[str, int]`, registered with `@job("name")`; it
returns counts (what it did, or with dry_run what it would do). It must be idempotent and safe when two run
at once: the services it calls claim their rows with a conditional UPDATE or a lock.
"""

import traceback
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from .models import JobRun

Job = Callable[..., dict[str, int]]
JOBS: dict[str, Job] = {}


def job(name: str) -> Callable[[Job], Job]:
    def register(function: Job) -> Job:
        JOBS[name] = function
        return function

    return register


def job_run(name: str, *, now: datetime | None = None, dry_run: bool = False) -> JobRun:
    """Run one registered job and record it."""
    return job_record(name, JOBS[name], now=now or timezone.now(), dry_run=dry_run)


def job_record(name: str, function: Job, *, now: datetime, dry_run: bool) -> JobRun:
    """Run `function(now=, dry_run=)` as a JobRun named `name`; an error is recorded (and re-raised, so Celery
    retries) rather than lost."""
    run = JobRun.objects.create(job=name, dry_run=dry_run, started_at=timezone.now())
    try:
        counts = function(now=now, dry_run=dry_run)
    except Exception:
        _finish(run, JobRun.Outcome.FAILED, {}, traceback.format_exc(limit=20))
        raise
    _finish(run, JobRun.Outcome.DONE, counts, "")
    return run


def _finish(run: JobRun, outcome: str, counts: dict, errors: str) -> None:
    run.outcome, run.counts, run.errors, run.finished_at = outcome, counts, errors, timezone.now()
    run.save(update_fields=["outcome", "counts", "errors", "finished_at"])


def jobs_load() -> None:
    """Import the modules that register jobs (once; Python caches the imports)."""
    from . import request_sweeps, sweeps, watchers  # noqa: F401
