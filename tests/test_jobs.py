"""The clock's framework: every job runs from the command and from Celery, is scheduled, and leaves a JobRun."""

import pytest
from django.core.management import CommandError, call_command

from config.celery import BEAT_SCHEDULE
from retention.jobs import JOBS, job, job_run, jobs_load
from retention.models import JobRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loaded():
    jobs_load()


def test_run_job_lists_one_name_per_line(capsys):
    call_command("run_job", "--list")
    assert capsys.readouterr().out.split() == sorted(JOBS)


def test_every_job_is_scheduled_and_every_schedule_runs_a_job():
    scheduled = {entry["args"][0] for entry in BEAT_SCHEDULE.values()}
    assert scheduled == set(JOBS)
    assert all(entry["task"] == "retention.run_job" for entry in BEAT_SCHEDULE.values())


def test_a_run_is_recorded_with_its_counts(capsys):
    call_command("run_job", "unverified_requests_purge")
    run = JobRun.objects.get()
    assert (run.job, run.outcome, run.dry_run) == ("unverified_requests_purge", "done", False)
    assert run.counts == {"requests": 0}
    assert run.finished_at >= run.started_at
    assert "unverified_requests_purge: requests: 0" in capsys.readouterr().out


def test_a_dry_run_is_recorded_as_such():
    call_command("run_job", "verification_reminders", "--dry-run")
    assert JobRun.objects.get().dry_run


def test_a_failing_job_is_recorded_and_raised():
    @job("always_fails")
    def always_fails(*, now, dry_run):
        raise RuntimeError("disk full")

    try:
        with pytest.raises(RuntimeError):
            job_run("always_fails")
        run = JobRun.objects.get()
        assert run.outcome == "failed"
        assert "disk full" in run.errors
    finally:
        del JOBS["always_fails"]


def test_an_unknown_job_is_refused():
    with pytest.raises(CommandError, match="run_job --list"):
        call_command("run_job", "no_such_job")


def test_the_task_runs_the_job(settings):
    from retention.tasks import run_job_task

    assert run_job_task.apply(args=["unverified_requests_purge"]).get() == {"requests": 0}
    assert JobRun.objects.filter(job="unverified_requests_purge", outcome="done").exists()


def test_job_runs_are_read_only_in_the_admin(login, organisation):
    from django.urls import reverse

    from register.roles import DPO
    from tests.factories import UserFactory

    job_run("unverified_requests_purge")
    client = login(UserFactory(role=DPO, member_of=[organisation]))
    assert client.get(reverse("admin:retention_jobrun_changelist")).status_code == 200
    assert client.get(reverse("admin:retention_jobrun_add")).status_code == 403
    run = JobRun.objects.get()
    assert client.post(reverse("admin:retention_jobrun_change", args=[run.pk]), {}).status_code == 403
