"""The yearly report's section on the clock: what the retention sweeps and the request sweeps did for one
organisation, from the JobRuns of the year (dry runs left out). Registered in apps.py.

Where the counts come from (retention/sweeps.py, request_sweeps.py, jobs.py):
- the retention sweep counts each subject it erases, anonymises or minimises under `org:<slug>:<action>`; the
  nightly run ('retention_sweep'), an approved run ('retention_sweep_approved:<slug>') and a chunk task
  ('retention_sweep_chunk') carry these keys only for what they did themselves. A run that fanned out into chunk
  tasks records just `candidates` and `chunks_queued`, so summing the keys over all runs counts every subject once;
- a retried chunk finds its subjects done and counts nothing again, and a failed attempt rolled back counts
  nothing, so only runs that finished ('done') are summed;
- the request sweeps count per organisation as `<what>:<slug>`.
Subjects counted as awaiting approval are not summed: the same subjects are counted again every night until the
FG approves.
"""

from typing import Any

from django.db.models import Count, IntegerField, Max, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from register.models import Organisation
from register.report import Section, report_section_add
from register.report.period import report_period

from .models import JobRun

SWEEP = "retention_sweep"
SWEEP_CHUNK = "retention_sweep_chunk"
APPROVED = "retention_sweep_approved:"
TEMPLATES = "register/annual_report/"
JOB_LABELS = {
    SWEEP: _("retention sweep"),
    SWEEP_CHUNK: _("part of a retention sweep, run by a worker"),
    APPROVED: _("retention sweep approved by the FG"),
    "request_uploads_destroy": _("destruction of ID copies and proofs"),
    "access_packages_expire": _("expiry of access packages"),
    "requests_anonymise": _("anonymisation of old requests"),
    "unverified_requests_purge": _("deletion of unverified requests"),
    "request_tokens_purge": _("deletion of expired verification links"),
    "verification_reminders": _("reminders to verify the e-mail address"),
    "deadline_watchers": _("deadline reminders to the FG"),
}


def _measures(slug: str) -> list[tuple[str, Any, str, Q]]:
    """(key, label, count key, which runs) of every figure the section shows."""
    sweeps = Q(job=SWEEP) | Q(job=SWEEP_CHUNK) | Q(job=f"{APPROVED}{slug}")
    return [
        ("erased", _("data subjects erased"), f"org:{slug}:erase", sweeps),
        ("anonymised", _("data subjects anonymised"), f"org:{slug}:anonymise", sweeps),
        ("minimised", _("data subjects minimised"), f"org:{slug}:minimise", sweeps),
        (
            "uploads",
            _("ID copies and proofs of representation destroyed"),
            f"uploads:{slug}",
            Q(job="request_uploads_destroy"),
        ),
        ("packages", _("expired access packages deleted"), f"packages:{slug}", Q(job="access_packages_expire")),
        ("requests", _("closed requests anonymised"), f"requests:{slug}", Q(job="requests_anonymise")),
        (
            "unverified",
            _("unverified requests deleted after seven days"),
            f"requests:{slug}",
            Q(job="unverified_requests_purge"),
        ),
    ]


def retention_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """Two queries: the sums of this organisation's counts, and the runs per job (installation-wide jobs and
    this organisation's own, never another organisation's)."""
    period = report_period(year)
    runs = JobRun.objects.filter(started_at__gte=period.start, started_at__lt=period.end, dry_run=False)
    done = Q(outcome=JobRun.Outcome.DONE)
    measures = _measures(organisation.slug)
    sums = runs.aggregate(
        **{
            key: Coalesce(Sum(Cast(KeyTextTransform(count_key, "counts"), IntegerField()), filter=done & which), 0)
            for key, _label, count_key, which in measures
        },
        chunks_queued=Coalesce(
            Sum(Cast(KeyTextTransform("chunks_queued", "counts"), IntegerField()), filter=done & Q(job=SWEEP)), 0
        ),
        chunks_recorded=Count("pk", filter=done & Q(job=SWEEP_CHUNK)),
    )
    own_or_shared = ~Q(job__contains=":") | Q(job=f"{APPROVED}{organisation.slug}")
    jobs = list(
        runs.filter(own_or_shared)
        .values("job")
        .annotate(
            done=Count("pk", filter=done),
            failed=Count("pk", filter=Q(outcome=JobRun.Outcome.FAILED)),
            last=Max("started_at"),
        )
        .order_by("job")
    )
    for job in jobs:
        job["label"] = JOB_LABELS.get(APPROVED if job["job"].startswith(APPROVED) else job["job"], job["job"])
    return {
        "figures": [{"label": label, "n": sums[key]} for key, label, _count_key, _which in measures],
        "jobs": jobs,
        "failed": sum(job["failed"] for job in jobs),
        "chunks_queued": sums["chunks_queued"],
        "chunks_missing": max(0, sums["chunks_queued"] - sums["chunks_recorded"]),
        "needs_approval": organisation.retention_needs_approval,
    }


def report_sections_add() -> None:
    report_section_add(
        Section("retention", _("Retention and the clock"), TEMPLATES + "retention.html", retention_section, 50)
    )
