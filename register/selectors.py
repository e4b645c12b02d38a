"""Reads of the register, each limited to what the user may see."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from .access import visible_to
from .completeness import incomplete, with_findings
from .models import Breach, Organisation, ProcessingActivity, ProcessingAgreement

SOON = timedelta(days=30)


@dataclass(frozen=True)
class Dashboard:
    incomplete_activities: int
    reviews_due: int
    agreements_expiring: list[ProcessingAgreement]
    open_breaches: list[Breach]


def activities_for(user, today: date) -> QuerySet[ProcessingActivity]:
    """The activities the user may see, with their completeness findings annotated."""
    return with_findings(visible_to(user, ProcessingActivity.objects.select_related("organisation")), today)


def agreements_expiring(user, today: date) -> QuerySet[ProcessingAgreement]:
    """The newest agreement of each processor, where it ends within 30 days or has ended."""
    newer = ProcessingAgreement.objects.filter(processor=OuterRef("processor"), signed_on__gt=OuterRef("signed_on"))
    agreements = ProcessingAgreement.objects.select_related("processor__organisation")
    return (
        visible_to(user, agreements, "processor__organisation")
        .filter(valid_until__lte=today + SOON)
        .exclude(Exists(newer))
        .order_by("valid_until")
    )


def dashboard_for(user, now: datetime) -> Dashboard:
    today = timezone.localdate(now)
    current = visible_to(user, ProcessingActivity.objects.exclude(status=ProcessingActivity.Status.ENDED))
    breaches = visible_to(user, Breach.objects.select_related("organisation")).filter(closed_at__isnull=True)
    return Dashboard(
        incomplete_activities=current.filter(incomplete(today)).count(),
        reviews_due=current.filter(Q(next_review_on__lte=today + SOON) | Q(next_review_on__isnull=True)).count(),
        agreements_expiring=list(agreements_expiring(user, today)[:20]),
        open_breaches=list(breaches.order_by("notification_due_at")[:20]),
    )


def history_as_of[M: Model](model: type[M], moment: datetime, **filters) -> list[M]:
    """Objects of `model` as they stood at `moment`, rebuilt from history. simple-history's as_of returns both
    of two records saved in the same microsecond; of those the later one (higher history_id) is kept."""
    newest: dict[int, M] = {}
    for item in model.history.as_of(moment).filter(**filters):
        seen = newest.get(item.pk)
        if seen is None or history_record(seen).history_id < history_record(item).history_id:
            newest[item.pk] = item
    return list(newest.values())


def history_record(item: Model) -> Model:
    """The historical record behind an as-of instance (simple-history keeps it in `_history`)."""
    return getattr(item, "_history", item)


def reference_key(reference: str) -> tuple:
    """Sort references as a person numbers them: 1.2 before 1.10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", reference))


def activities_as_of(organisation: Organisation, moment: datetime) -> list[ProcessingActivity]:
    """The organisation's register as it stood at `moment`, rebuilt from history, ordered by reference."""
    activities = history_as_of(ProcessingActivity, moment, organisation_id=organisation.pk)
    return sorted(activities, key=lambda activity: reference_key(activity.reference))


def end_of_day(day: date) -> datetime:
    """The last moment of a day in the Dutch time zone, for 'the register as it stood on that day'."""
    return timezone.make_aware(datetime.combine(day, time.max))
