"""Jobs on requests: what the portal must not keep, and the reminders the requester is owed."""

from datetime import datetime

from requests_portal.intake import (
    unverified_due_for_reminder,
    unverified_expired,
    unverified_purge,
    verification_reminders_send,
)

from .jobs import job


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
        return {"requests": unverified_expired(now).count()}
    return {"requests": unverified_purge(now=now)}
