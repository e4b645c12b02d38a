"""Reads of the register, each limited to what the user may see."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
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


def activities_as_of(organisation: Organisation, moment: datetime) -> QuerySet[ProcessingActivity]:
    """The organisation's register as it stood at `moment`, rebuilt from history, ordered by reference."""
    return ProcessingActivity.history.as_of(moment).filter(organisation_id=organisation.pk).order_by("reference")


def end_of_day(day: date) -> datetime:
    """The last moment of a day in the Dutch time zone, for 'the register as it stood on that day'."""
    return timezone.make_aware(datetime.combine(day, time.max))
