"""Celery tasks: thin wrappers that run a registered job by name (retention.jobs)."""

from datetime import datetime

from celery import shared_task

from .jobs import job_record, job_run, jobs_load

CHUNK_JOB = "retention_sweep_chunk"

# Acknowledged after running, handed to another worker if this one dies, retried with backoff: every job is
# idempotent, so running one again is safe.
RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "max_retries": 5,
}


@shared_task(name="retention.run_job", **RELIABLE)
def run_job_task(name: str, dry_run: bool = False) -> dict:
    jobs_load()
    return job_run(name, dry_run=dry_run).counts


@shared_task(name="retention.sweep_chunk", **RELIABLE)
def sweep_chunk_task(ids: list[int], now: str) -> dict:
    """One chunk of the retention sweep, recorded as a JobRun of its own (the fanned-out sweep's counts are the
    sum of its chunks'). It claims its subjects and skips what is done, so a retry is safe."""
    from .sweeps import sweep_chunk

    def chunk(*, now: datetime, dry_run: bool) -> dict[str, int]:
        return dict(sweep_chunk(ids, now))

    return job_record(CHUNK_JOB, chunk, now=datetime.fromisoformat(now), dry_run=False).counts
