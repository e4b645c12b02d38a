"""Organisations whose sweeps wait for approval: the nightly sweep leaves them alone; the FG reads the preview
and approves, and only then are the subjects past retention erased."""

from datetime import date

import pytest
from django.urls import reverse

from register.models import DataSubject
from register.roles import BOARD, DPO
from retention.jobs import job_run, jobs_load
from retention.models import JobRun
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(time_machine):
    time_machine.move_to("2026-11-24 10:00:00+01:00", tick=False)
    jobs_load()
    organisation = OrganisationFactory(retention_needs_approval=True)
    activity = ActivityFactory(organisation=organisation)  # erase two years after the relation ends
    subject = DataSubject.objects.create(organisation=organisation, name="Oud Lid", email="oud@voorbeeld.nl")
    subject.relations.create(activity=activity, started_on=date(2015, 1, 1), ended_on=date(2020, 1, 1))
    return organisation


def url(organisation) -> str:
    return reverse("admin:retention_retentionapproval_change", args=[organisation.pk])


def test_the_nightly_sweep_waits_for_approval(waiting):
    run = job_run("retention_sweep")
    assert any(key.endswith("awaiting_approval:erase") for key in run.counts)
    assert DataSubject.objects.filter(organisation=waiting).exists()


def test_the_officer_reads_the_preview_and_approves(waiting, login):
    client = login(UserFactory(role=DPO, member_of=[waiting]))
    preview = client.get(url(waiting))
    assert preview.status_code == 200
    assert preview.context["preview"]["erase"] == 1
    assert DataSubject.objects.filter(organisation=waiting).exists()  # the preview changes nothing
    assert client.post(url(waiting)).status_code == 302
    assert not DataSubject.objects.filter(organisation=waiting).exists()
    run = JobRun.objects.get(job=f"retention_sweep_approved:{waiting.slug}")
    assert run.counts["erase"] == 1


def test_the_board_sees_the_preview_but_cannot_approve(waiting, login):
    client = login(UserFactory(role=BOARD, member_of=[waiting]))
    assert client.get(url(waiting)).status_code == 200
    assert client.post(url(waiting)).status_code == 403
    assert DataSubject.objects.filter(organisation=waiting).exists()


def test_another_organisation_is_not_found(waiting, login):
    client = login(UserFactory(role=DPO, member_of=[OrganisationFactory()]))
    assert client.get(url(waiting)).status_code == 404
    assert client.post(url(waiting)).status_code == 404


def test_an_organisation_that_sweeps_automatically_shows_its_preview_without_approval(waiting, login):
    waiting.retention_needs_approval = False
    waiting.save()
    client = login(UserFactory(role=DPO, member_of=[waiting]))
    preview = client.get(url(waiting))
    assert preview.context["preview"]["erase"] == 1
    assert not preview.context["may_approve"]
    assert client.post(url(waiting)).status_code == 403  # the nightly sweep does it; nothing to approve
    assert DataSubject.objects.filter(organisation=waiting).exists()
