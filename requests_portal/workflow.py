"""The FG's handling of a request, from start to answer.

Every service locks the request's row and reads its state afresh, refuses a step the state does not allow
with a WorkflowError (changing nothing, so a retried or double-clicked step is harmless), keeps history with
the user who acted, records the step on the timeline, and mails the requester where the law asks for it.
Mail goes last, inside the transaction: a mail that cannot be sent undoes the step, which can then be retried.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from register.deadlines import local_day
from register.models import DataSubject
from retention.deadlines import (
    complaint_due,
    days_waited,
    extension_allowed,
    extension_due,
    request_legal_due,
    request_target_due,
)

from .emails import requester_mail
from .links import status_path
from .models import RequestEvent, SubjectRequest
from .storage import private_file_delete

Status = SubjectRequest.Status
Kind = SubjectRequest.Kind
HANDLING = (Status.VERIFIED, Status.IN_PROGRESS, Status.EXTENDED)

# The states each step may start from. A request that is only received has an unverified address: nothing
# goes to it but the verification mail, so it can only be withdrawn (or purged by the clock).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "start": (Status.VERIFIED,),
    "assign": tuple(SubjectRequest.OPEN),
    "match": tuple(SubjectRequest.OPEN),
    "identify": (*HANDLING, Status.WAITING),
    "pause": HANDLING,
    "resume": (Status.WAITING,),
    "extend": (Status.VERIFIED, Status.IN_PROGRESS),
    "message": (*HANDLING, Status.WAITING),
    "complete": HANDLING,
    "refuse": (*HANDLING, Status.WAITING),
    "withdraw": tuple(SubjectRequest.OPEN),
}

STEP_LABELS = {
    "start": gettext_lazy("Start handling"),
    "assign": gettext_lazy("Assign"),
    "match": gettext_lazy("Match to a data subject"),
    "identify": gettext_lazy("Confirm identity"),
    "pause": gettext_lazy("Wait for the requester"),
    "resume": gettext_lazy("Resume"),
    "extend": gettext_lazy("Extend the deadline"),
    "message": gettext_lazy("Send a message"),
    "complete": gettext_lazy("Complete"),
    "refuse": gettext_lazy("Refuse"),
    "withdraw": gettext_lazy("Record withdrawal"),
}


class WorkflowError(Exception):
    """The request's state, or the input, does not allow this step; nothing was changed."""


def steps_available(request: SubjectRequest, today: date) -> list[str]:
    """The steps the request's state allows today, in the order the FG meets them."""
    steps = [step for step, states in ALLOWED_FROM.items() if request.status in states]
    if "extend" in steps and not _extendable(request, today):
        steps.remove("extend")
    if "identify" in steps and request.identity_confirmed_at:
        steps.remove("identify")
    return steps


def _extendable(request: SubjectRequest, today: date) -> bool:
    return (
        request.kind != Kind.COMPLAINT
        and request.legal_due_on is not None
        and extension_allowed(request.legal_due_on, today, request.extended_at is not None)
    )


def request_start(*, request: SubjectRequest, user: AbstractBaseUser, now: datetime) -> None:
    """Verified → in progress: the FG takes the request up."""
    with transaction.atomic():
        _lock(request, "start")
        request.status = Status.IN_PROGRESS
        _save(request, user, "start")
        _status_event(request, user, now)


def request_assign(
    *, request: SubjectRequest, assignee: AbstractBaseUser, user: AbstractBaseUser, now: datetime
) -> None:
    """Give the request to a member of its organisation, who will handle it."""
    with transaction.atomic():
        _lock(request, "assign")
        if not request.organisation.members.filter(pk=assignee.pk, is_active=True).exists():
            raise WorkflowError(
                _("%(user)s is not a member of %(organisation)s.")
                % {"user": assignee, "organisation": request.organisation}
            )
        request.assignee = assignee
        _save(request, user, "assign")
        _event(request, RequestEvent.Kind.NOTE, _("Assigned to %(user)s.") % {"user": assignee}, user, now)


def request_match(*, request: SubjectRequest, subject: DataSubject, user: AbstractBaseUser, now: datetime) -> None:
    """Link the request to the data the organisation holds on the requester."""
    with transaction.atomic():
        _lock(request, "match")
        if subject.organisation_id != request.organisation_id:
            raise WorkflowError(_("This data subject belongs to another organisation."))
        if subject.anonymised_at:
            raise WorkflowError(_("This data subject has been anonymised."))
        request.subject = subject
        _save(request, user, "match")
        _event(
            request, RequestEvent.Kind.NOTE, _("Matched to data subject %(subject)s.") % {"subject": subject}, user, now
        )


def request_identity_confirm(*, request: SubjectRequest, how: str, user: AbstractBaseUser, now: datetime) -> None:
    """Record that the requester is who they say they are, and how that was established (art. 12(6))."""
    how = how.strip()
    with transaction.atomic():
        _lock(request, "identify")
        if request.identity_confirmed_at:
            raise WorkflowError(_("The identity has already been confirmed."))
        if not how:
            raise WorkflowError(_("Say how the identity was established."))
        request.identity_confirmed_at = now
        _save(request, user, "identify")
        _event(request, RequestEvent.Kind.NOTE, _("Identity confirmed: %(how)s") % {"how": how}, user, now)


def request_pause(*, request: SubjectRequest, reason: str, user: AbstractBaseUser, now: datetime) -> None:
    """Wait for the requester (identity, clarification): the clock stops, and the requester is told what is needed."""
    reason = reason.strip()
    with transaction.atomic():
        _lock(request, "pause")
        if not reason:
            raise WorkflowError(_("Say what the requester must send or clarify."))
        request.status = Status.WAITING
        request.paused_since = now
        request.pause_reason = reason
        _save(request, user, "pause")
        _status_event(request, user, now, note=reason)
        _mail(request, "paused", reason=reason)


def request_resume(*, request: SubjectRequest, user: AbstractBaseUser, now: datetime) -> None:
    """The requester answered: the clock runs again, every due date moves by the days waited, and the requester is
    told the new date."""
    with transaction.atomic():
        _lock(request, "resume")
        waited = days_waited(request.paused_since, now)
        request.paused_days += waited
        _deadlines_recompute(request)
        request.paused_since = None
        request.pause_reason = ""
        request.status = Status.EXTENDED if request.extended_at else Status.IN_PROGRESS
        _save(request, user, "resume")
        with translation.override(request.requester_language):
            due = date_format(request.due_on, "j F Y") if request.due_on else "–"
            note = ngettext(
                "%(days)d day waited; now due on %(due)s.", "%(days)d days waited; now due on %(due)s.", waited
            ) % {"days": waited, "due": due}
        _status_event(request, user, now, note=note)
        _mail(request, "resumed", waited=waited)


def _deadlines_recompute(request: SubjectRequest) -> None:
    organisation, paused = request.organisation, request.paused_days
    if request.kind == Kind.COMPLAINT:
        due = complaint_due(request.received_at, organisation.complaint_answer_days + paused)
        request.target_due_on = request.legal_due_on = due
    else:
        request.target_due_on = request_target_due(request.received_at, organisation.request_answer_weeks, paused)
        request.legal_due_on = request_legal_due(request.received_at, paused)
    if request.extended_due_on:
        request.extended_due_on = extension_due(request.legal_due_on, organisation.extension_months)


def request_extend(*, request: SubjectRequest, reason: str, user: AbstractBaseUser, now: datetime) -> None:
    """Extend once, before the legal deadline has passed, with reasons told to the requester (art. 12(3))."""
    reason = reason.strip()
    with transaction.atomic():
        _lock(request)
        if request.extended_at:
            raise WorkflowError(_("This request has already been extended; it can be extended only once."))
        _require(request, "extend")
        if request.kind == Kind.COMPLAINT:
            raise WorkflowError(_("A complaint cannot be extended."))
        if not reason:
            raise WorkflowError(_("Give the reason for the extension; the requester is told."))
        if not _extendable(request, local_day(now)):
            raise WorkflowError(_("The legal deadline has passed; the request can no longer be extended."))
        request.extended_due_on = extension_due(request.legal_due_on, request.organisation.extension_months)
        request.extension_reason = reason
        request.extended_at = now
        request.status = Status.EXTENDED
        _save(request, user, "extend")
        _status_event(request, user, now, note=reason)
        _mail(request, "extended", reason=reason)


def request_message(*, request: SubjectRequest, text: str, user: AbstractBaseUser, now: datetime) -> None:
    """A message to the requester: mailed, and on the timeline the requester sees."""
    text = text.strip()
    with transaction.atomic():
        _lock(request, "message")
        if not text:
            raise WorkflowError(_("The message is empty."))
        _event(request, RequestEvent.Kind.MESSAGE_OUT, text, user, now, visible=True)
        _mail(request, "message", text=text)


def request_complete(*, request: SubjectRequest, outcome: str, user: AbstractBaseUser, now: datetime) -> None:
    """Answer the request, or a complaint with how it will be handled; the requester receives the outcome."""
    outcome = outcome.strip()
    with transaction.atomic():
        _lock(request, "complete")
        if not outcome:
            raise WorkflowError(_("Describe the outcome; the requester receives it."))
        request.outcome = outcome
        _close(request, Status.COMPLETED, user, now)
        _mail(request, "completed", outcome=outcome)


def request_refuse(
    *,
    request: SubjectRequest,
    ground: str,
    explanation: str,
    user: AbstractBaseUser,
    now: datetime,
) -> None:
    """Refuse on a legal ground, telling the requester of the right to complain to the AP and to go to court."""
    explanation = explanation.strip()
    with transaction.atomic():
        _lock(request, "refuse")
        if ground not in SubjectRequest.RefusalGround.values:
            raise WorkflowError(_("Choose the legal ground for the refusal."))
        if not explanation:
            raise WorkflowError(_("Explain the refusal; the requester receives the explanation."))
        request.refusal_ground = ground
        request.outcome = explanation
        _close(request, Status.REFUSED, user, now)
        _mail(request, "refused", explanation=explanation)


def request_withdraw(*, request: SubjectRequest, user: AbstractBaseUser, now: datetime) -> None:
    """Record that the requester withdrew the request, and confirm it to them."""
    with transaction.atomic():
        _lock(request, "withdraw")
        verified = request.email_verified_at is not None
        _close(request, Status.WITHDRAWN, user, now)
        if verified:  # an unverified address may not be the requester's
            _mail(request, "withdrawn")


def _close(request: SubjectRequest, status: str, user: AbstractBaseUser, now: datetime) -> None:
    request.status = status
    request.closed_at = now
    request.paused_since = None
    _save(request, user, status)
    _status_event(request, user, now)
    _uploads_destroy(request, user, now)


def _uploads_destroy(request: SubjectRequest, user: AbstractBaseUser, now: datetime) -> None:
    """ID copies and proofs are destroyed once the request is handled (seeds 002, 003). The files go after the
    commit, so a step that is undone does not leave rows pointing at deleted files."""
    names = list(request.uploads.values_list("stored_name", flat=True))
    if not names:
        return
    request.uploads.all().delete()
    transaction.on_commit(lambda: _files_delete(names))
    text = ngettext("%(count)d uploaded file destroyed.", "%(count)d uploaded files destroyed.", len(names)) % {
        "count": len(names)
    }
    _event(request, RequestEvent.Kind.NOTE, text, user, now)


def _files_delete(names: Iterable[str]) -> None:
    for name in names:
        private_file_delete(name)


def _lock(request: SubjectRequest, step: str | None = None) -> None:
    """Reload the request under a row lock, so the state checked is the state changed."""
    request.refresh_from_db(from_queryset=SubjectRequest.objects.select_for_update())
    if step:
        _require(request, step)


def _require(request: SubjectRequest, step: str) -> None:
    if request.status not in ALLOWED_FROM[step]:
        raise WorkflowError(
            _("“%(step)s” is not possible while request %(reference)s is “%(status)s”.")
            % {"step": STEP_LABELS[step], "reference": request.reference, "status": request.get_status_display()}
        )


def _save(request: SubjectRequest, user: AbstractBaseUser, step: str) -> None:
    request._history_user = user
    request._change_reason = step
    request.save()


def _event(
    request: SubjectRequest, kind: str, text: str, user: AbstractBaseUser, now: datetime, visible: bool = False
) -> None:
    RequestEvent.objects.create(request=request, at=now, kind=kind, text=text, actor=user, visible_to_requester=visible)


def _status_event(request: SubjectRequest, user: AbstractBaseUser, now: datetime, note: str = "") -> None:
    """The new status, worded in the requester's language: it shows on their status page."""
    with translation.override(request.requester_language):
        text = str(request.get_status_display())
    _event(request, RequestEvent.Kind.STATUS, f"{text}: {note}" if note else text, user, now, visible=True)


def _mail(request: SubjectRequest, template: str, **context) -> None:
    # Dates are formatted in the templates with the `date` filter (formats.date_format), which runs inside
    # requester_mail's translation.override: a Dutch requester reads "3 maart", an English one "3 March".
    requester_mail(
        request=request,
        template=template,
        context={"status_path": status_path(request), **context},
        base_url=settings.SITE_URL,
    )
