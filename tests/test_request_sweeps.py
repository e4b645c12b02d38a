"""The request sweeps: ID copies destroyed, packages expired, old requests anonymised, tokens forgotten; each with
a dry run that counts per organisation and changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import models

from requests_portal.models import AccessPackage, RequestEvent, RequestUpload, SubjectRequest
from requests_portal.storage import private_file_save
from retention.jobs import job_run, jobs_load
from retention.request_sweeps import (
    access_packages_expire,
    request_tokens_purge,
    request_uploads_destroy,
    requests_anonymise,
)
from tests.factories import OrganisationFactory, SubjectRequestFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a sweep and then its after-commit callbacks (the file deletions), as a real commit would."""

    def _run(sweep, **kwargs) -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return sweep(**kwargs)

    return _run


def upload(request, *, at=NOW) -> RequestUpload:
    name = private_file_save(b"paspoort")
    return RequestUpload.objects.create(
        request=request, purpose="id_copy", stored_name=name, content_type="image/png", size=8, uploaded_at=at
    )


def closed(**kwargs) -> SubjectRequest:
    return SubjectRequestFactory(**{"status": "completed", "closed_at": NOW - timedelta(days=1), **kwargs})


def snapshot() -> dict:
    """Every row of the tables the sweeps touch, to show that a dry run changes nothing."""
    tables = [RequestUpload, AccessPackage, SubjectRequest, SubjectRequest.history.model, RequestEvent]
    return {model: list(model.objects.order_by("pk").values()) for model in tables}


def test_uploads_of_closed_requests_are_destroyed_with_their_files(private_dir, run):
    done, kept = upload(closed()), upload(SubjectRequestFactory(received_at=NOW - timedelta(days=3)))
    counts = run(request_uploads_destroy, now=NOW, dry_run=False)
    assert counts == {"uploads": 1, f"uploads:{done.request.organisation.slug}": 1}
    assert list(RequestUpload.objects.all()) == [kept]
    assert [path.name for path in private_dir.iterdir()] == [kept.stored_name]


def test_the_safety_net_takes_uploads_60_days_past_the_deadline(run):
    request = SubjectRequestFactory(received_at=NOW - timedelta(days=200))
    item = upload(request)
    deadline = datetime.combine(request.legal_due_on, datetime.min.time(), tzinfo=UTC)
    assert request_uploads_destroy(now=deadline + timedelta(days=60), dry_run=False)["uploads"] == 0
    assert request_uploads_destroy(now=deadline + timedelta(days=61), dry_run=False)["uploads"] == 1
    assert not RequestUpload.objects.filter(pk=item.pk).exists()


def test_dry_runs_count_per_organisation_and_change_nothing(private_dir):
    one, two = OrganisationFactory(), OrganisationFactory()
    for organisation in (one, one, two):
        request = closed(organisation=organisation, closed_at=NOW - timedelta(days=3 * 366))
        upload(request)
        AccessPackage.objects.create(
            request=request, created_at=NOW, expires_at=NOW - timedelta(days=1), stored_name=private_file_save(b"x")
        )
        SubjectRequest.objects.filter(pk=request.pk).update(
            verification_token_hash="abc", verification_expires_at=NOW - timedelta(days=1)
        )
    before, files = snapshot(), sorted(private_dir.iterdir())
    expected = {one.slug: 2, two.slug: 1}
    for sweep, name in [
        (request_uploads_destroy, "uploads"),
        (access_packages_expire, "packages"),
        (requests_anonymise, "requests"),
        (request_tokens_purge, "tokens"),
    ]:
        counts = sweep(now=NOW, dry_run=True)
        assert counts == {name: 3, **{f"{name}:{slug}": n for slug, n in expected.items()}}
    assert snapshot() == before
    assert sorted(private_dir.iterdir()) == files


def test_expired_packages_lose_their_file_and_keep_their_row(private_dir, run):
    request = closed()
    package = AccessPackage.objects.create(
        request=request, created_at=NOW, expires_at=NOW, stored_name=private_file_save(b"antwoord")
    )
    assert run(access_packages_expire, now=NOW, dry_run=False)["packages"] == 0  # the moment itself still counts
    assert run(access_packages_expire, now=NOW + timedelta(seconds=1), dry_run=False)["packages"] == 1
    assert list(private_dir.iterdir()) == []
    package.refresh_from_db()
    assert package.stored_name == f"expired{package.pk}"
    assert access_packages_expire(now=NOW + timedelta(days=1), dry_run=False)["packages"] == 0  # idempotent


def _strings_in_database(*needles: str) -> list[str]:
    """Every text value anywhere in the database that contains one of the needles, as 'table.column'."""
    found = []
    for model in apps.get_models():
        text_fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))
        ]
        for row in model._base_manager.values(*text_fields) if text_fields else []:
            found += [
                f"{model._meta.db_table}.{name}"
                for name, value in row.items()
                if value and any(needle.lower() in value.lower() for needle in needles)
            ]
    return found


def test_old_closed_requests_are_anonymised_everywhere_and_keep_what_the_report_needs():
    organisation = OrganisationFactory(request_record_years=2)
    received = NOW - timedelta(days=800)
    request = SubjectRequestFactory(
        organisation=organisation,
        requester_name="Geertruida Zwanenburg",
        requester_email="g.zwanenburg@voorbeeld.nl",
        message="Ik wil weten wat u van mij heeft.",
        received_at=received,
    )
    request.status, request.closed_at = "completed", datetime(2024, 3, 2, 9, 0, tzinfo=UTC)
    request.outcome = "Beste mevrouw Zwanenburg, hierbij het overzicht."
    request.save()
    RequestEvent.objects.create(request=request, at=received, kind="message_in", text="Mijn adres is Dorpsstraat 1")
    recent = closed(organisation=organisation, requester_name="Bartholomeus Recent")
    before = SubjectRequest.objects.values("reference", "kind", "received_at", "closed_at", "status").get(pk=request.pk)

    with time_machine.travel(NOW, tick=False):
        assert requests_anonymise(now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), dry_run=False)["requests"] == 0
        counts = requests_anonymise(now=datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC), dry_run=False)

    assert counts == {"requests": 1, f"requests:{organisation.slug}": 1}
    request.refresh_from_db()
    assert request.anonymised_at is not None
    assert SubjectRequest.objects.values(*before).get(pk=request.pk) == before
    assert _strings_in_database("Zwanenburg", "Geertruida", "g.zwanenburg", "Dorpsstraat", "wat u van mij") == []
    assert _strings_in_database("Bartholomeus")  # the recent one is kept
    assert requests_anonymise(now=NOW + timedelta(days=1), dry_run=False)["requests"] == 0
    assert recent.pk


def test_expired_tokens_are_forgotten():
    request = SubjectRequestFactory(status="received", verification_token_hash="a" * 64)
    SubjectRequest.objects.filter(pk=request.pk).update(verification_expires_at=NOW)
    assert request_tokens_purge(now=NOW - timedelta(seconds=1), dry_run=False)["tokens"] == 0
    assert request_tokens_purge(now=NOW, dry_run=False)["tokens"] == 1
    request.refresh_from_db()
    assert request.verification_token_hash == ""


def test_unverified_requests_are_purged_and_counted_per_organisation(run):
    from retention.request_sweeps import unverified_requests_purge

    one, two = OrganisationFactory(), OrganisationFactory()
    for organisation, count in ((one, 2), (two, 1)):
        for _ in range(count):
            request = SubjectRequestFactory(organisation=organisation, status="received", email_verified_at=None)
            SubjectRequest.objects.filter(pk=request.pk).update(verification_expires_at=NOW)
    expected = {"requests": 3, f"requests:{one.slug}": 2, f"requests:{two.slug}": 1}
    assert unverified_requests_purge(now=NOW, dry_run=True) == expected
    assert run(unverified_requests_purge, now=NOW, dry_run=False) == expected
    assert not SubjectRequest.objects.exists() and not SubjectRequest.history.exists()


def test_the_sweeps_run_as_jobs():
    jobs_load()
    for name in ["request_uploads_destroy", "access_packages_expire", "requests_anonymise", "request_tokens_purge"]:
        assert job_run(name, dry_run=True).outcome == "done"
