"""The retention sweep against the database: each rule at its boundary, what blocks it, dry run, approval,
idempotence, fan-out and a query count that grows with chunks, not rows."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from register.models import DataSubject, ProcessingActivity, Relation
from retention import sweeps
from retention.jobs import job_run, jobs_load
from retention.models import JobRun
from tests.factories import (
    ActivityFactory,
    DataSubjectFactory,
    OrganisationFactory,
    RelationFactory,
    RetentionRuleFactory,
    SubjectRequestFactory,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
ENDED = date(2022, 6, 1)  # with the two-year rule, due on 1 June 2024
DUE = datetime(2024, 6, 1, 0, 0, tzinfo=AMSTERDAM)
DAY_BEFORE = datetime(2024, 5, 31, 23, 59, 59, tzinfo=AMSTERDAM)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _jobs():
    jobs_load()


@pytest.fixture
def erase_rule():
    return RetentionRuleFactory()


def subject_with(activity, ended_on=ENDED, **relation):
    subject = DataSubjectFactory(organisation=activity.organisation, phone="0612345678", city="Hoorn")
    relation = {"started_on": date(2015, 1, 1)} | relation
    RelationFactory(subject=subject, activity=activity, ended_on=ended_on, **relation)
    return subject


def sweep(now, dry_run=False) -> dict:
    return job_run("retention_sweep", now=now, dry_run=dry_run).counts


def test_erase_at_the_first_moment_of_the_day_the_period_ends(erase_rule):
    subject = subject_with(erase_rule.activity)
    assert "erase" not in sweep(DAY_BEFORE)
    assert DataSubject.objects.filter(pk=subject.pk).exists()
    counts = sweep(DUE)
    assert counts["erase"] == 1
    assert counts[f"org:{subject.organisation.slug}:erase"] == 1
    assert counts[f"activity:{subject.organisation.slug}/{erase_rule.activity.reference}:erase"] == 1
    assert not DataSubject.objects.filter(pk=subject.pk).exists()
    assert not DataSubject.history.filter(id=subject.pk).exists()


def test_anonymise_rule():
    rule = RetentionRuleFactory(action="anonymise", period=24, unit="months")
    subject = subject_with(rule.activity)
    sweep(DAY_BEFORE)
    assert DataSubject.objects.get(pk=subject.pk).anonymised_at is None
    sweep(DUE)
    subject.refresh_from_db()
    assert (subject.name, subject.phone, subject.anonymised_at is not None) == ("Geanonimiseerd", "", True)


def test_without_a_rule_minimised_to_name_address_and_email_a_year_after_the_end():
    activity = ActivityFactory(complete=False)
    subject = subject_with(activity, ended_on=date(2023, 6, 1))
    sweep(DAY_BEFORE)
    assert DataSubject.objects.get(pk=subject.pk).phone == "0612345678"
    assert sweep(DUE)["minimise"] == 1
    kept = DataSubject.objects.get(pk=subject.pk)
    assert (kept.name, kept.email, kept.city, kept.phone) == (subject.name, subject.email, "Hoorn", "")


def test_missing_consent_minimised_to_name_and_address_after_30_days():
    activity = ActivityFactory(complete=False, legal_basis=ProcessingActivity.LegalBasis.CONSENT)
    subject = subject_with(activity, ended_on=None, started_on=date(2024, 5, 2))  # day 30 is 1 June
    sweep(DAY_BEFORE)
    assert DataSubject.objects.get(pk=subject.pk).email
    sweep(DUE)
    kept = DataSubject.objects.get(pk=subject.pk)
    assert (kept.name, kept.city, kept.email, kept.phone) == (subject.name, "Hoorn", "", "")


def test_withdrawn_consent_is_the_end_of_a_relation_on_consent():
    rule = RetentionRuleFactory(activity__legal_basis=ProcessingActivity.LegalBasis.CONSENT)
    subject = subject_with(rule.activity, ended_on=None, consent_given_on=date(2015, 1, 1), consent_withdrawn_on=ENDED)
    assert "erase" not in sweep(DAY_BEFORE)
    assert sweep(DUE)["erase"] == 1
    assert not DataSubject.objects.filter(pk=subject.pk).exists()


@pytest.mark.parametrize("block", [{"legal_hold": True}, {"restricted": True}])
def test_legal_hold_or_restriction_blocks(erase_rule, block):
    subject = subject_with(erase_rule.activity)
    RelationFactory(subject=subject, activity=erase_rule.activity, started_on=ENDED, ended_on=ENDED, **block)
    sweep(DUE)
    assert DataSubject.objects.filter(pk=subject.pk).exists()


def test_open_request_blocks_and_a_closed_one_does_not(erase_rule):
    subject = subject_with(erase_rule.activity)
    request = SubjectRequestFactory(organisation=subject.organisation, subject=subject, status="in_progress")
    sweep(DUE)
    assert DataSubject.objects.filter(pk=subject.pk).exists()
    request.status = "completed"
    request.save()
    sweep(DUE)
    assert not DataSubject.objects.filter(pk=subject.pk).exists()


def test_statutory_period_beats_the_one_year_minimisation():
    statutory = RetentionRuleFactory(period=7, ground="statutory", law="AWR art. 52")
    plain = ActivityFactory(complete=False, organisation=statutory.activity.organisation)
    subject = subject_with(plain)
    RelationFactory(subject=subject, activity=statutory.activity, started_on=ENDED, ended_on=ENDED)
    sweep(DUE)
    assert DataSubject.objects.get(pk=subject.pk).phone == "0612345678"


def test_active_relation_keeps_the_subject(erase_rule):
    subject = subject_with(erase_rule.activity)
    RelationFactory(subject=subject, activity=erase_rule.activity, started_on=ENDED, ended_on=None)
    sweep(DUE)
    assert DataSubject.objects.filter(pk=subject.pk).exists()


def table_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models(include_auto_created=True)}


def test_dry_run_counts_and_changes_nothing(erase_rule):
    subject = subject_with(erase_rule.activity)
    subject_with(ActivityFactory(complete=False, organisation=subject.organisation), ended_on=date(2023, 1, 1))
    before, values = table_counts(), list(DataSubject.objects.values())
    counts = sweep(DUE, dry_run=True)
    assert (counts["erase"], counts["minimise"]) == (1, 1)
    after = table_counts()
    after["retention.JobRun"] -= 1  # the record of the dry run itself
    assert after == before
    assert list(DataSubject.objects.values()) == values


def test_organisation_that_approves_is_counted_and_untouched():
    rule = RetentionRuleFactory(activity__organisation=OrganisationFactory(retention_needs_approval=True))
    subject = subject_with(rule.activity)
    counts = sweep(DUE)
    assert counts["awaiting_approval"] == 1
    assert counts[f"org:{subject.organisation.slug}:awaiting_approval:erase"] == 1
    assert "erase" not in counts
    assert DataSubject.objects.filter(pk=subject.pk).exists()


def test_second_run_does_nothing_and_nothing_is_left_past_retention(erase_rule):
    for _ in range(3):
        subject_with(erase_rule.activity)
    subject_with(ActivityFactory(complete=False, organisation=erase_rule.activity.organisation), date(2023, 1, 1))
    first = sweep(DUE)
    assert (first["erase"], first["minimise"]) == (3, 1)
    second = sweep(DUE)
    assert not {"erase", "anonymise", "minimise"} & set(second)
    assert JobRun.objects.filter(job="retention_sweep", outcome="done").count() == 2


def test_run_job_command(erase_rule, capsys, time_machine):
    time_machine.move_to(DUE, tick=False)
    subject_with(erase_rule.activity)
    call_command("run_job", "retention_sweep", "--dry-run")
    assert "erase: 1" in capsys.readouterr().out
    assert DataSubject.objects.count() == 1


def test_from_a_worker_the_sweep_fans_out_into_chunk_tasks(erase_rule, monkeypatch, django_capture_on_commit_callbacks):
    from retention import tasks

    subjects = [subject_with(erase_rule.activity) for _ in range(5)]
    monkeypatch.setattr(sweeps, "CHUNK_SIZE", 2)
    monkeypatch.setattr(sweeps, "_in_worker", lambda: True)
    monkeypatch.setattr(tasks.sweep_chunk_task, "delay", lambda ids, now: tasks.sweep_chunk_task(ids, now))
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep(DUE)
    assert counts == {"candidates": 5, "chunks_queued": 3}
    assert not DataSubject.objects.filter(pk__in=[s.pk for s in subjects]).exists()
    chunks = JobRun.objects.filter(job=tasks.CHUNK_JOB, outcome=JobRun.Outcome.DONE)
    assert sorted(run.counts["erase"] for run in chunks) == [1, 2, 2]  # the evidence for the yearly report


def due_in_bulk(activity, count: int) -> None:
    subjects = DataSubject.objects.bulk_create(
        DataSubject(organisation=activity.organisation, name=f"P{i}", phone="06") for i in range(count)
    )
    Relation.objects.bulk_create(
        Relation(subject=subject, activity=activity, started_on=date(2015, 1, 1), ended_on=ENDED)
        for subject in subjects
    )


def test_queries_grow_with_chunks_not_rows(erase_rule, monkeypatch, django_assert_max_num_queries):
    ContentType.objects.get_for_model(DataSubject)  # warm the cache the erasure uses
    monkeypatch.setattr(sweeps, "CHUNK_SIZE", 500)
    due_in_bulk(erase_rule.activity, 1_000)
    # The JobRun insert and update; the catalogue (3); the candidates; per chunk: savepoint pair, subjects,
    # relations, open requests, and the erasure (ids, history of subjects and relations, log, the two deletes,
    # the empty next page, with their savepoints): about 20 per chunk.
    with django_assert_max_num_queries(60) as small:
        sweep(DUE)
    monkeypatch.setattr(sweeps, "CHUNK_SIZE", 2_500)
    due_in_bulk(erase_rule.activity, 5_000)
    with django_assert_max_num_queries(60) as large:
        sweep(DUE)
    assert len(large) == len(small)  # two chunks each, five times the rows
    assert DataSubject.objects.count() == 0
