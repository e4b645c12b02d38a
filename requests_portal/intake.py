"""A request from the public form: stored, mailed a single-use verification link, verified, or purged.

The verification token is random and only its SHA-256 is stored; it works once and for seven days. The
answer to the person is the same whether or not the organisation knows them: intake never looks at the
data subjects (the FG matches the request later).
"""

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from register.deadlines import local_day
from register.models import Organisation
from retention.deadlines import complaint_due, request_legal_due, request_target_due

from .emails import requester_mail
from .links import verify_path
from .models import RequestEvent, RequestUpload, SubjectRequest
from .storage import private_file_delete, private_file_save

VERIFICATION_VALID = timedelta(days=7)
VERIFICATION_REMINDER_AFTER = timedelta(hours=24)
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


@dataclass(frozen=True)
class IntakeUpload:
    purpose: str
    content: bytes
    content_type: str


def upload_content_type(head: bytes) -> str | None:
    """The type of a file by its first bytes (PDF, JPEG or PNG), whatever its name or declared type says."""
    for content_type, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return content_type
    return None


def token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def request_create(
    *,
    organisation: Organisation,
    kind: str,
    name: str,
    email: str,
    message: str,
    language: str,
    on_behalf: str = "",
    on_behalf_of: str = "",
    uploads: list[IntakeUpload] = (),
    now: datetime,
) -> tuple[SubjectRequest, str]:
    """Store a new request with its due dates and uploads; returns it with the raw verification token."""
    raw_token = secrets.token_urlsafe(32)
    request = SubjectRequest(
        organisation=organisation,
        kind=kind,
        requester_name=name,
        requester_email=email.strip().lower(),
        requester_language=language,
        message=message,
        on_behalf=on_behalf,
        on_behalf_of=on_behalf_of,
        received_at=now,
        verification_token_hash=token_hash(raw_token),
        verification_expires_at=now + VERIFICATION_VALID,
        duplicate_of=_open_duplicate(organisation, kind, email.strip().lower()),
        **_due_dates(organisation, kind, now),
    )
    with transaction.atomic():
        _save_with_reference(request, now)
        for upload in uploads:
            RequestUpload.objects.create(
                request=request,
                purpose=upload.purpose,
                stored_name=private_file_save(upload.content),
                content_type=upload.content_type,
                size=len(upload.content),
                uploaded_at=now,
            )
        RequestEvent.objects.create(request=request, at=now, kind=RequestEvent.Kind.RECEIVED, visible_to_requester=True)
    return request, raw_token


def _due_dates(organisation: Organisation, kind: str, now: datetime) -> dict:
    if kind == SubjectRequest.Kind.COMPLAINT:
        due = complaint_due(now, organisation.complaint_answer_days)
        return {"target_due_on": due, "legal_due_on": due}
    return {
        "target_due_on": request_target_due(now, organisation.request_answer_weeks),
        "legal_due_on": request_legal_due(now),
    }


def _open_duplicate(organisation: Organisation, kind: str, email: str) -> SubjectRequest | None:
    """An open request of the same kind from the same address: the new one is linked to it."""
    return (
        SubjectRequest.objects.filter(
            organisation=organisation, kind=kind, requester_email=email, status__in=SubjectRequest.OPEN
        )
        .order_by("received_at")
        .first()
    )


def _save_with_reference(request: SubjectRequest, now: datetime, attempts: int = 5) -> None:
    """AVG-<year>-<number>, numbered per year; a second request saved at the same moment takes the next number."""
    year = local_day(now).year
    prefix = f"AVG-{year}-"
    for _ in range(attempts):
        latest = SubjectRequest.objects.filter(reference__startswith=prefix).aggregate(Max("reference"))
        number = int(latest["reference__max"].removeprefix(prefix)) + 1 if latest["reference__max"] else 1
        request.reference = f"{prefix}{number:04d}"
        try:
            with transaction.atomic():
                request.save()
            return
        except IntegrityError:
            continue
    raise IntegrityError("no free reference after several attempts")


def request_verify(*, raw_token: str, now: datetime) -> SubjectRequest | None:
    """Confirm the e-mail address with a token from the mail; the token then stops working. None when the
    token is unknown, used or expired: the caller shows one message for all three."""
    with transaction.atomic():
        request = (
            SubjectRequest.objects.select_for_update()
            .filter(verification_token_hash=token_hash(raw_token), verification_expires_at__gt=now)
            .first()
        )
        if request is None:
            return None
        request.verification_token_hash = ""
        request.email_verified_at = now
        if request.status == SubjectRequest.Status.RECEIVED:
            request.status = SubjectRequest.Status.VERIFIED
        request.save()
        RequestEvent.objects.create(request=request, at=now, kind=RequestEvent.Kind.VERIFIED, visible_to_requester=True)
    return request


def requester_reply(*, request: SubjectRequest, text: str, now: datetime) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request, at=now, kind=RequestEvent.Kind.MESSAGE_IN, text=text, visible_to_requester=True
    )


def unverified_due_for_reminder(now: datetime):
    """Requests still unverified a day after receipt, not yet reminded."""
    return SubjectRequest.objects.filter(
        status=SubjectRequest.Status.RECEIVED,
        verification_reminded_at__isnull=True,
        received_at__lte=now - VERIFICATION_REMINDER_AFTER,
        verification_expires_at__gt=now,
    )


def verification_remind(*, request: SubjectRequest, now: datetime) -> str | None:
    """Claim the reminder (a conditional UPDATE, so two runs never send it twice) and give the request a new
    token: only its hash is stored, so the reminder carries a fresh link and the first one stops working.
    Returns the new raw token, or None when another run already reminded."""
    raw_token = secrets.token_urlsafe(32)
    claimed = SubjectRequest.objects.filter(
        pk=request.pk, verification_reminded_at__isnull=True, status=SubjectRequest.Status.RECEIVED
    ).update(verification_reminded_at=now, verification_token_hash=token_hash(raw_token))
    return raw_token if claimed else None


def verification_reminders_send(*, now: datetime) -> int:
    """Remind everyone who has not confirmed their address after a day; once each. Returns the number sent."""
    sent = 0
    for request in unverified_due_for_reminder(now).select_related("organisation"):
        raw_token = verification_remind(request=request, now=now)
        if raw_token:
            verify_url = settings.SITE_URL.rstrip("/") + verify_path(raw_token)
            context = {"verify_url": verify_url}
            requester_mail(request=request, template="verify_reminder", context=context, base_url=settings.SITE_URL)
            sent += 1
    return sent


def unverified_expired(now: datetime):
    return SubjectRequest.objects.filter(status=SubjectRequest.Status.RECEIVED, verification_expires_at__lte=now)


def unverified_purge(*, now: datetime | None = None) -> Counter:
    """Delete requests whose e-mail address was not confirmed within seven days, with their files: nothing of
    an unconfirmed request is kept. Returns the number purged per organisation (by slug)."""
    now = now or timezone.now()
    expired = unverified_expired(now)
    for stored_name in RequestUpload.objects.filter(request__in=expired).values_list("stored_name", flat=True):
        private_file_delete(stored_name)
    rows = list(expired.values_list("pk", "organisation__slug"))
    ids = [pk for pk, _slug in rows]
    SubjectRequest.objects.filter(pk__in=ids).delete()
    # After the delete: simple-history records a deletion, and that record holds the data too.
    SubjectRequest.history.model.objects.filter(id__in=ids).delete()
    return Counter(slug for _pk, slug in rows)
