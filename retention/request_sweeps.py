"""Jobs on requests: what the portal must not keep, and the reminders the requester is owed.

Every sweep here is set-based and chunked by primary key: it selects a chunk of due rows under a row lock that
a second run skips (`skip_locked`, PostgreSQL; SQLite serialises writers anyway), acts on the chunk in bulk and
commits. Files are deleted after the commit, so a rolled-back chunk never leaves rows without their files. A
dry run counts what would be done, per organisation, and changes nothing.

Counts are returned as `{"uploads": 3, "uploads:zonnedael": 2, "uploads:voorbeeld": 1}`: the total, then one
entry per organisation slug.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from requests_portal import erasure
from requests_portal.intake import (
    unverified_due_for_reminder,
    unverified_expired,
    unverified_purge,
    verification_reminders_send,
)
from requests_portal.models import AccessPackage, RequestUpload, SubjectRequest
from requests_portal.storage import private_file_delete

from .jobs import job

CHUNK = 10_000
ANONYMISE_CHUNK = 500  # each chunk redacts free texts with one pattern of its requesters' names
UPLOAD_LIMIT_AFTER_DEADLINE = timedelta(days=60)
EXPIRED_MARK = "expired"  # stored_name of a package whose file is gone; never a token_hex name (not hex)


@job("verification_reminders")
def verification_reminders(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """A day after receipt, one reminder to confirm the e-mail address."""
    if dry_run:
        return {"reminders": unverified_due_for_reminder(now).count()}
    return {"reminders": verification_reminders_send(now=now)}


@job("unverified_requests_purge")
def unverified_requests_purge(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Requests whose address was not confirmed within seven days are deleted with their files."""
    if dry_run:
        return _counts("requests", _per_organisation(unverified_expired(now), "organisation__slug"))
    return _counts("requests", unverified_purge(now=now))


# ID copies and proofs


def uploads_due(now: datetime) -> QuerySet[RequestUpload]:
    """Uploads of closed requests (seeds 002, 003: destroyed once handled) and, as a safety net, of any request
    whose binding deadline passed more than 60 days ago."""
    limit = (now - UPLOAD_LIMIT_AFTER_DEADLINE).date()
    deadline = Coalesce(F("request__extended_due_on"), F("request__legal_due_on"))
    return RequestUpload.objects.alias(deadline=deadline).filter(
        Q(request__status__in=SubjectRequest.CLOSED) | Q(deadline__lt=limit)
    )


@job("request_uploads_destroy")
def request_uploads_destroy(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Destroy the ID copies and proofs that are no longer needed: rows and encrypted files."""
    due = uploads_due(now)
    if dry_run:
        return _counts("uploads", _per_organisation(due, "request__organisation__slug"))
    done = _in_chunks(due, "request__organisation__slug", _uploads_delete)
    return _counts("uploads", done)


def _uploads_delete(ids: list[int], names: list[str]) -> None:
    RequestUpload.objects.filter(pk__in=ids).delete()
    transaction.on_commit(lambda: _files_delete(names))


# Access packages


def packages_expired(now: datetime) -> QuerySet[AccessPackage]:
    return AccessPackage.objects.filter(expires_at__lt=now).exclude(stored_name__startswith=EXPIRED_MARK)


@job("access_packages_expire")
def access_packages_expire(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Delete the encrypted file of each package past its download period. The row stays, as evidence of what
    was delivered and when, with its download log; its stored name is marked so the next run passes it by."""
    due = packages_expired(now)
    if dry_run:
        return _counts("packages", _per_organisation(due, "request__organisation__slug"))
    return _counts("packages", _in_chunks(due, "request__organisation__slug", _packages_mark))


def _packages_mark(ids: list[int], names: list[str]) -> None:
    packages = [AccessPackage(pk=pk, stored_name=f"{EXPIRED_MARK}{pk}") for pk in ids]
    AccessPackage.objects.bulk_update(packages, ["stored_name"], batch_size=1000)
    transaction.on_commit(lambda: _files_delete(names))


# Old closed requests


def requests_due_for_anonymising(now: datetime) -> QuerySet[SubjectRequest]:
    """Closed requests older than their organisation's record period (`request_record_years`). One condition per
    distinct period, so the query stays one whatever the number of organisations."""
    years = SubjectRequest.objects.values_list("organisation__request_record_years", flat=True).distinct()
    due = Q(pk__in=[])
    for period in years.order_by():
        due |= Q(organisation__request_record_years=period, closed_at__lt=now - relativedelta(years=period))
    closed = SubjectRequest.objects.filter(status__in=SubjectRequest.CLOSED, anonymised_at__isnull=True)
    return closed.filter(due)


@job("requests_anonymise")
def requests_anonymise(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Take the requester out of old closed requests (the erasure run's anonymisation: fields, history, messages
    from the requester, their name in the FG's texts) and delete any private file left. Reference, kind, dates
    and status stay for the yearly report."""
    due = requests_due_for_anonymising(now)
    if dry_run:
        return _counts("requests", _per_organisation(due, "organisation__slug"))
    done: Counter = Counter()
    while requests := _anonymise_chunk(due, now):
        done.update(request.organisation.slug for request in requests)
    return _counts("requests", done)


def _anonymise_chunk(due: QuerySet[SubjectRequest], now: datetime) -> list[SubjectRequest]:
    with transaction.atomic():
        locked = due.select_for_update(skip_locked=True, of=("self",)).select_related("organisation")
        requests = list(locked.order_by("pk")[:ANONYMISE_CHUNK])
        erasure.requests_anonymise(requests=requests, now=now)
    return requests


# Tokens


def tokens_expired(now: datetime) -> QuerySet[SubjectRequest]:
    return SubjectRequest.objects.exclude(verification_token_hash="").filter(verification_expires_at__lte=now)


@job("request_tokens_purge")
def request_tokens_purge(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Forget the hash of every verification token past its expiry: one UPDATE (the field has no history)."""
    due = tokens_expired(now)
    if dry_run:
        return _counts("tokens", _per_organisation(due, "organisation__slug"))
    per_organisation = _per_organisation(due, "organisation__slug")
    purged = due.update(verification_token_hash="")
    return {"tokens": purged, **{f"tokens:{slug}": n for slug, n in per_organisation.items()}}


# Helpers


def _per_organisation(queryset: QuerySet, slug_path: str) -> Counter:
    rows = queryset.order_by().values(slug_path).annotate(n=Count("pk"))
    return Counter({row[slug_path]: row["n"] for row in rows})


def _counts(name: str, per_organisation: Counter) -> dict[str, int]:
    return {
        name: sum(per_organisation.values()),
        **{f"{name}:{slug}": n for slug, n in sorted(per_organisation.items())},
    }


def _in_chunks(queryset: QuerySet, slug_path: str, act: Callable[[list[int], list[str]], None]) -> Counter:
    """Lock a chunk of due rows (skipping those another run holds), act on it, commit; until none are due."""
    done: Counter = Counter()
    while True:
        with transaction.atomic():
            locked = queryset.select_for_update(skip_locked=True, of=("self",)).order_by("pk")
            chunk = list(locked.values("pk", "stored_name", slug=F(slug_path))[:CHUNK])
            if not chunk:
                return done
            act([row["pk"] for row in chunk], [row["stored_name"] for row in chunk])
        done.update(row["slug"] for row in chunk)


def _files_delete(names: list[str]) -> None:
    for name in names:
        private_file_delete(name)
