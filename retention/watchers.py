"""Deadline watchers: remind the FG before and at each deadline, once per threshold, and mark what is overdue.

One pass, a constant number of queries whatever the number of items:

1. Per kind of deadline (request target, legal limit, extended deadline, complaint, breach, agreement renewal,
   authorisation review, control, activity review) one query selects the pending items that crossed a threshold
   and have no Reminder for it: the threshold is computed in SQL (`Case`), the anti-join against the unique
   index of Reminder is a `NOT EXISTS`. Only the latest threshold crossed counts, so an item first seen when
   already overdue gets one reminder, not four. A pass takes at most PASS_BUDGET reminders, the most urgent
   kinds and deadlines first; a backlog is worked off by the passes that follow.
2. One INSERT ... ON CONFLICT DO NOTHING RETURNING writes all reminders and returns the ones this pass wrote:
   the unique constraint decides, so of two passes at once each reminder belongs to exactly one.
3. After the commit, one mail per organisation to its FG lists the new reminders (subject naming the item when
   there is one), in Dutch, with the deadline and a link to the admin change page. Reminders are written as
   mailed; a mail that fails unmarks its reminders, and the next pass claims them (a conditional UPDATE under
   SKIP LOCKED) and sends them again. A process killed between the commit and the mail loses that mail: the
   price of not writing every reminder twice on a first pass over a large register.

A date threshold carries the deadline it belongs to (`7d:2026-03-01`), so a review moved to next year is
reminded again next year; a breach threshold is hours since discovery (`72h`).
"""

import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from register.deadlines import breach_notification_due
from register.models import (
    STATUTORY_BREACH_HOURS,
    Authorisation,
    Breach,
    Control,
    ProcessingActivity,
    ProcessingAgreement,
)
from register.selectors import end_of_day
from requests_portal.models import SubjectRequest

from .jobs import job
from .models import Reminder

DAYS_BEFORE = {"2d": 2, "7d": 7}  # nearest first: the first matching `When` wins
BREACH_HOURS = [120, 96, 72, 24]  # latest first: the first matching `When` wins
OVERDUE_THRESHOLDS = ("overdue", "120h")
MAIL_ITEMS = 50
# Reminders one pass writes at most. A backlog (a register imported with thousands of deadlines already passed)
# is worked off by the next passes, most urgent first, so no pass runs long or nears the task's time limit.
PASS_BUDGET = 20_000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Watch:
    """One kind of deadline: which items are pending, where their deadline is, and how to name them."""

    kind: str
    label: str
    pending: Callable[[], QuerySet]
    deadline: str  # a DateField path, or "discovered_at" for breaches
    name: str  # the path of the field that names the item
    organisation: str
    admin_url: str


def _requests() -> QuerySet:
    # Unverified requests are the intake's business, and a request waiting for the requester has its clock paused.
    waiting = [SubjectRequest.Status.RECEIVED, SubjectRequest.Status.WAITING]
    # closed_at IS NULL lets PostgreSQL use the partial indexes on the open requests' due dates.
    return SubjectRequest.objects.filter(status__in=SubjectRequest.OPEN, closed_at__isnull=True).exclude(
        status__in=waiting
    )


def _rights_requests() -> QuerySet:
    return _requests().exclude(kind=SubjectRequest.Kind.COMPLAINT)


def _breaches() -> QuerySet:
    open_ = Breach.objects.filter(closed_at__isnull=True, authority_notified_at__isnull=True)
    return open_.exclude(notify_authority=False)


def _agreements() -> QuerySet:
    newer = ProcessingAgreement.objects.filter(processor=OuterRef("processor"), signed_on__gt=OuterRef("signed_on"))
    return ProcessingAgreement.objects.exclude(Exists(newer))


REQUEST_URL = "admin:requests_portal_subjectrequest_change"
# Most urgent first: a pass that reaches its budget leaves the least urgent kinds to the next pass.
WATCHES = [
    Watch(
        "breach",
        _("notification of a data breach"),
        _breaches,
        "discovered_at",
        "title",
        "organisation",
        "admin:register_breach_change",
    ),
    Watch(
        "complaint",
        _("answer to a complaint"),
        lambda: _requests().filter(kind=SubjectRequest.Kind.COMPLAINT),
        "target_due_on",
        "reference",
        "organisation",
        REQUEST_URL,
    ),
    Watch(
        "request_extended",
        _("extended deadline"),
        _rights_requests,
        "extended_due_on",
        "reference",
        "organisation",
        REQUEST_URL,
    ),
    Watch(
        "request_legal",
        _("legal deadline, also the last day to extend"),
        lambda: _rights_requests().filter(extended_due_on__isnull=True),
        "legal_due_on",
        "reference",
        "organisation",
        REQUEST_URL,
    ),
    Watch(
        "request_target",
        _("own answer target"),
        lambda: _rights_requests().filter(extended_due_on__isnull=True),
        "target_due_on",
        "reference",
        "organisation",
        REQUEST_URL,
    ),
    Watch(
        "agreement",
        _("renewal of a processing agreement"),
        _agreements,
        "valid_until",
        "processor__name",
        "processor__organisation",
        "admin:register_processingagreement_change",
    ),
    Watch(
        "authorisation",
        _("review of an authorisation"),
        lambda: Authorisation.objects.filter(revoked_on__isnull=True),
        "next_review_on",
        "person_name",
        "organisation",
        "admin:register_authorisation_change",
    ),
    Watch(
        "control",
        _("periodic control"),
        Control.objects.all,
        "next_due_on",
        "name",
        "organisation",
        "admin:register_control_change",
    ),
    Watch(
        "activity_review",
        _("review of a processing activity"),
        lambda: ProcessingActivity.objects.exclude(status=ProcessingActivity.Status.ENDED),
        "next_review_on",
        "name",
        "organisation",
        "admin:register_processingactivity_change",
    ),
]
WATCH_BY_KIND = {watch.kind: watch for watch in WATCHES}


# Thresholds


def _date_threshold(field: str, today: date) -> Concat:
    """'overdue', 'due', '2d' or '7d', then ':' and the deadline, for items due within a week or overdue."""
    crossed = Case(
        When(**{f"{field}__lt": today}, then=Value("overdue")),
        When(**{field: today}, then=Value("due")),
        *[
            When(**{f"{field}__lte": today + timedelta(days=days)}, then=Value(code))
            for code, days in DAYS_BEFORE.items()
        ],
        output_field=CharField(),
    )
    return Concat(crossed, Value(":"), Cast(field, CharField()), output_field=CharField())


def _breach_threshold(now: datetime) -> Case:
    whens = [When(discovered_at__lte=now - timedelta(hours=hours), then=Value(f"{hours}h")) for hours in BREACH_HOURS]
    return Case(*whens, output_field=CharField())


def _crossed(watch: Watch, now: datetime) -> Q:
    if watch.kind == "breach":
        return Q(discovered_at__lte=now - timedelta(hours=min(BREACH_HOURS)))
    return Q(**{f"{watch.deadline}__lte": timezone.localdate(now) + timedelta(days=max(DAYS_BEFORE.values()))})


def due_items(watch: Watch, now: datetime) -> QuerySet:
    """The watch's pending items past a threshold without a reminder for it, as dicts; one query."""
    threshold = (
        _breach_threshold(now) if watch.kind == "breach" else _date_threshold(watch.deadline, timezone.localdate(now))
    )
    sent = Reminder.objects.filter(kind=watch.kind, object_id=OuterRef("pk"), threshold=OuterRef("threshold"))
    extra = {"organisation_due_at": F("notification_due_at")} if watch.kind == "breach" else {}
    return (
        watch.pending()
        .filter(_crossed(watch, now))
        .annotate(threshold=threshold)
        .exclude(Exists(sent))
        .order_by(watch.deadline, "pk")  # the most urgent first, should the pass's budget run out
        .values(
            "pk",
            "threshold",
            deadline_value=F(watch.deadline),
            item=F(watch.name),
            organisation_pk=F(f"{watch.organisation}__pk"),
            dpo_email=F(f"{watch.organisation}__dpo_email"),
            **extra,
        )
    )


# The pass


@dataclass
class Due:
    watch: Watch
    object_id: int
    threshold: str
    organisation_id: int
    dpo_email: str
    item: str
    due_at: datetime
    statutory_at: datetime | None = None  # a breach's 72 hours (art. 33 GDPR), shown beside the organisation's
    reminder_id: int | None = None

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.watch.kind, self.object_id, self.threshold)

    @property
    def overdue(self) -> bool:
        return self.threshold.split(":")[0] in OVERDUE_THRESHOLDS

    @property
    def admin_link(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse(self.watch.admin_url, args=[self.object_id])


def _due(watch: Watch, row: dict, day_end: Callable[[date], datetime]) -> Due:
    item = (watch, row["pk"], row["threshold"], row["organisation_pk"], row["dpo_email"], str(row["item"]))
    if watch.kind == "breach":
        statutory = breach_notification_due(row["deadline_value"], STATUTORY_BREACH_HOURS)
        return Due(*item, due_at=row["organisation_due_at"], statutory_at=statutory)
    return Due(*item, due_at=day_end(row["deadline_value"]))


def reminders_due(now: datetime) -> list[Due]:
    """The reminders this pass owes, at most PASS_BUDGET, most urgent first: one query per kind of deadline."""
    day_end = lru_cache(maxsize=None)(end_of_day)  # per pass: thousands of items share a deadline
    due: list[Due] = []
    for watch in WATCHES:
        rows = due_items(watch, now)[: PASS_BUDGET - len(due)] if len(due) < PASS_BUDGET else []
        due += [_due(watch, row, day_end) for row in rows]
    return due


def watch_pass(*, now: datetime, dry_run: bool = False) -> dict[str, int]:
    """One pass of every watcher (see the module docstring). Returns the reminders sent, per kind."""
    with transaction.atomic():
        due = reminders_due(now)
        new = due if dry_run else _reminders_insert(due, now)
        if not dry_run:
            unmailed = reminders_unmailed(now)
            transaction.on_commit(lambda: reminder_mails_send(new + unmailed, now))
    counts = {"reminders": len(new)}
    for item in new:
        counts[item.watch.kind] = counts.get(item.watch.kind, 0) + 1
    return counts


@job("deadline_watchers")
def deadline_watchers(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Remind the FG of every deadline at 7 and 2 days before, on the day and once overdue; breaches 24, 72, 96
    and 120 hours after discovery."""
    return watch_pass(now=now, dry_run=dry_run)


def _reminders_insert(due: list[Due], now: datetime) -> list[Due]:
    """Insert a Reminder per item in one statement; the ones already there (another pass) are left out of the
    answer, so only this pass's reminders are mailed."""
    if not due:
        return []
    inserted = {(kind, int(object_id), threshold): pk for pk, kind, object_id, threshold in _insert(_rows(due, now))}
    new = [item for item in due if item.key in inserted]
    for item in new:
        item.reminder_id = inserted[item.key]
    return new


UNMAILED_FIELDS = [
    "pk",
    "kind",
    "object_id",
    "threshold",
    "organisation_id",
    "organisation__dpo_email",
    "item",
    "due_at",
]


def reminders_unmailed(now: datetime) -> list[Due]:
    """The reminders whose mail failed in an earlier pass, claimed for this pass's mail: one query, and one more
    to mark them when there are any."""
    rows = list(
        Reminder.objects.filter(mailed_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list(
            "pk", "kind", "object_id", "threshold", "organisation_id", "organisation__dpo_email", "item", "due_at"
        )
    )
    if rows:
        Reminder.objects.filter(pk__any_of=[row[0] for row in rows]).update(mailed_at=now)
    return [
        Due(WATCH_BY_KIND[kind], object_id, threshold, organisation_id, email, item, due_at, reminder_id=pk)
        for pk, kind, object_id, threshold, organisation_id, email, item, due_at in rows
    ]


def _rows(due: list[Due], now: datetime) -> list[dict]:
    """The Reminder rows. Words and moments are written out once per pass, not per row: a first pass over a
    big register writes a hundred thousand."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = {watch.kind: str(watch.label) for watch in WATCHES}
        words = {code: str(text) for code, text in THRESHOLD_WORDS.items()}
    moment = lru_cache(maxsize=None)(_db_datetime)
    max_length = Reminder._meta.get_field("text").max_length
    return [
        {
            "kind": item.watch.kind,
            "object_id": item.object_id,
            "threshold": item.threshold,
            "organisation_id": item.organisation_id,
            "due_at": moment(item.due_at),
            "sent_at": moment(now),
            "text": f"{labels[item.watch.kind]}: {item.item} ({words[item.threshold.split(':')[0]]})"[:max_length],
            "item": item.item[:max_length],
            "mailed_at": moment(now),  # the mail goes after the commit; if it fails, it takes this back
        }
        for item in due
    ]


def _db_datetime(value: datetime) -> str:
    adapted = connection.ops.adapt_datetimefield_value(value)
    return adapted.isoformat() if isinstance(adapted, datetime) else str(adapted)


COLUMNS = ["kind", "object_id", "threshold", "organisation_id", "due_at", "sent_at", "text", "item", "mailed_at"]


def _insert(rows: list[dict]) -> list[tuple]:
    """INSERT ... SELECT from one JSON parameter ... ON CONFLICT DO NOTHING RETURNING: one statement whatever
    the number of rows, and the database says which rows were new."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    columns = ", ".join(COLUMNS)
    if connection.vendor == "postgresql":
        source = (
            "SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r(kind text, object_id bigint, threshold text, "
            "organisation_id bigint, due_at timestamptz, sent_at timestamptz, text text, item text, "
            "mailed_at timestamptz)"
        )
    else:
        # Constant column names; the values travel as one parameter.
        extracted = ", ".join(f"json_extract(value, '$.{column}')" for column in COLUMNS)
        source = f"SELECT {extracted} FROM json_each(%s) WHERE true"  # noqa: S608
    sql = (
        f"INSERT INTO {table} ({columns}) {source} "
        "ON CONFLICT (kind, object_id, threshold) DO NOTHING RETURNING id, kind, object_id, threshold"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows)])
        return cursor.fetchall()


# Words and mails


THRESHOLD_WORDS = {
    "7d": _("due in 7 days"),
    "2d": _("due in 2 days"),
    "due": _("due today"),
    "overdue": _("overdue"),
    "24h": _("24 hours since discovery"),
    "72h": _("72 hours since discovery: the GDPR's deadline has passed"),
    "96h": _("96 hours since discovery"),
    "120h": _("120 hours since discovery"),
}


def threshold_words(threshold: str) -> str:
    return str(THRESHOLD_WORDS[threshold.split(":")[0]])


def reminder_mails_send(items: list[Due], now: datetime) -> int:
    """One mail per organisation to its FG, in Dutch, listing the reminders. A mail that fails unmarks its
    reminders, so the next pass sends them again. Returns the mails sent."""
    by_address: dict[str, list[Due]] = defaultdict(list)
    for item in items:
        if item.dpo_email:
            by_address[item.dpo_email].append(item)
    sent, failed = 0, []
    for address, listed in by_address.items():
        try:
            with translation.override(settings.LANGUAGE_CODE):
                _reminder_mail(address, listed, now).send()
            sent += 1
        except Exception:
            logger.exception("Reminder mail to %s failed; the next pass sends it again", address)
            failed += [item.reminder_id for item in listed if item.reminder_id is not None]
    if failed:
        Reminder.objects.filter(pk__any_of=failed).update(mailed_at=None)
    return sent


def _reminder_mail(address: str, items: list[Due], now: datetime) -> EmailMessage:
    # A mail lists the most urgent; the rest are on the dashboard (a first pass over a big register owes thousands).
    items = sorted(items, key=lambda item: item.due_at)
    listed = [_mail_item(item) for item in items[:MAIL_ITEMS]]
    context = {"items": listed, "count": len(items), "more": len(items) - len(listed), "now": now}
    subject = " ".join(render_to_string("retention/email/reminders_subject.txt", context).split())
    body = render_to_string("retention/email/reminders_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[address])


def _mail_item(item: Due) -> dict:
    return {
        "kind": item.watch.label,
        "name": item.item,
        "threshold": threshold_words(item.threshold),
        "deadline": item.due_at,
        "statutory": item.statutory_at,
        "overdue": item.overdue,
        "link": item.admin_link,
    }
