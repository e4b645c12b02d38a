"""The yearly report's sections on requests and complaints (registered in apps.py; the register holds the report).

Which requests count: those whose e-mail address was verified. An unverified request may not come from a real
person (and is purged after seven days), so it is left out everywhere. Withdrawn requests count as received but
not as answered. Complaints have their own section.

Answer time: calendar days in Amsterdam from the day of receipt to the day of the answer (completed or refused),
including time spent waiting for the requester; on time means answered on or before the binding deadline (the
extended one if extended, else the legal one, both moved by the days waited).
"""

from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from register.deadlines import AMSTERDAM
from register.models import Organisation
from register.report import Section, charts, report_section_add
from register.report.figures import listing, percentile
from register.report.period import ReportPeriod, days_between, report_period

from .models import ErasureRun, SubjectRequest

Kind = SubjectRequest.Kind
Status = SubjectRequest.Status
ANSWERED = [Status.COMPLETED, Status.REFUSED]
TEMPLATES = "register/annual_report/"


def _verified(organisation: Organisation) -> QuerySet[SubjectRequest]:
    return SubjectRequest.objects.filter(organisation=organisation, email_verified_at__isnull=False).order_by()


def _answered_in(queryset: QuerySet[SubjectRequest], period: ReportPeriod) -> QuerySet[SubjectRequest]:
    return queryset.filter(status__in=ANSWERED, closed_at__gte=period.start, closed_at__lt=period.end)


def requests_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """Six queries: received per kind and month, the answers per kind, the answer times, refusals by ground,
    and what was open at the end of the year."""
    period = report_period(year)
    requests = _verified(organisation).exclude(kind=Kind.COMPLAINT)
    months = _per_month(requests, period)
    answered = _answered_in(requests, period)
    kinds = _per_kind(requests, answered, period)
    days = [days_between(received, closed) for received, closed in answered.values_list("received_at", "closed_at")]
    totals = {key: sum(row[key] for row in kinds) for key in ("received", "withdrawn", *ANSWER_COUNTS)}
    return {
        "months": months,
        "chart": charts.stacked_bars_svg(
            labels=months["labels"], series=[(str(row["label"]), row["values"]) for row in months["rows"]]
        )
        if months["rows"]
        else "",
        "kinds": kinds,
        "totals": totals,
        "median_days": percentile(days, 0.5),
        "p90_days": percentile(days, 0.9),
        "refusals": _refusals(answered),
        "open": _open_at_end(requests, period),
        "answer_weeks": organisation.request_answer_weeks,
        "extension_months": organisation.extension_months,
    }


def _per_month(requests: QuerySet[SubjectRequest], period: ReportPeriod) -> dict[str, Any]:
    received = requests.filter(received_at__gte=period.start, received_at__lt=period.end)
    rows = received.values("kind", month=TruncMonth("received_at", tzinfo=AMSTERDAM)).annotate(n=Count("pk"))
    counts = {(row["kind"], row["month"].month): row["n"] for row in rows}
    labels = [formats.date_format(date(period.year, month, 1), "M") for month in range(1, 13)]
    table = []
    for kind in Kind:
        values = [counts.get((kind.value, month), 0) for month in range(1, 13)]
        if kind != Kind.COMPLAINT and any(values):
            table.append({"label": kind.label, "values": values, "total": sum(values)})
    totals = [sum(row["values"][month] for row in table) for month in range(12)]
    return {"labels": labels, "rows": table, "totals": totals, "total": sum(totals)}


ANSWER_COUNTS = ("answered", "completed", "refused", "within_target", "on_time", "late", "extended")


def _per_kind(
    requests: QuerySet[SubjectRequest], answered: QuerySet[SubjectRequest], period: ReportPeriod
) -> list[dict]:
    """Per kind: received in the year (withdrawn among them), and of the answers given in the year how many
    were within the own target and the binding deadline, late, extended or refused. Two grouped queries."""
    received = requests.filter(received_at__gte=period.start, received_at__lt=period.end)
    per_kind = {
        row["kind"]: row
        for row in received.values("kind").annotate(
            received=Count("pk"), withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN))
        )
    }
    answered_on = TruncDate("closed_at", tzinfo=AMSTERDAM)
    answers = answered.alias(answered_on=answered_on, binding=Coalesce("extended_due_on", "legal_due_on"))
    for row in answers.values("kind").annotate(
        answered=Count("pk"),
        completed=Count("pk", filter=Q(status=Status.COMPLETED)),
        refused=Count("pk", filter=Q(status=Status.REFUSED)),
        within_target=Count("pk", filter=Q(answered_on__lte=F("target_due_on"))),
        on_time=Count("pk", filter=Q(answered_on__lte=F("binding"))),
        late=Count("pk", filter=Q(answered_on__gt=F("binding"))),
        extended=Count("pk", filter=Q(extended_at__isnull=False)),
    ):
        per_kind.setdefault(row["kind"], {"received": 0, "withdrawn": 0}).update(row)
    rows = []
    for kind in Kind:
        if kind == Kind.COMPLAINT or kind.value not in per_kind:
            continue
        row = {"received": 0, "withdrawn": 0, **dict.fromkeys(ANSWER_COUNTS, 0), **per_kind[kind.value]}
        rows.append({**row, "label": kind.label})
    return rows


def _refusals(answered: QuerySet[SubjectRequest]) -> list[dict]:
    counts = dict(
        answered.filter(status=Status.REFUSED).values_list("refusal_ground").annotate(n=Count("pk")).order_by()
    )
    rows = [
        {"label": ground.label, "n": counts[ground.value]}
        for ground in SubjectRequest.RefusalGround
        if counts.get(ground.value)
    ]
    if counts.get(""):
        rows.append({"label": _("no ground recorded"), "n": counts[""]})
    return rows


def _open_at_end(requests: QuerySet[SubjectRequest], period: ReportPeriod) -> dict[str, int]:
    """Received before the year's end and not closed by then; overdue when the binding deadline had passed."""
    still_open = requests.filter(received_at__lt=period.until).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=period.until)
    )
    binding = Coalesce("extended_due_on", "legal_due_on")
    return still_open.alias(binding=binding).aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(binding__lt=period.reference_day))
    )


def complaints_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """Complaints received in the year: answered within the organisation's window (the due date the intake set,
    moved by any days waited) or not. Two queries: the counts, and the complaints not answered in time."""
    period = report_period(year)
    complaints = _verified(organisation).filter(
        kind=Kind.COMPLAINT, received_at__gte=period.start, received_at__lt=period.end
    )
    complaints = complaints.alias(answered_on=TruncDate("closed_at", tzinfo=AMSTERDAM))
    answered = Q(status__in=ANSWERED)
    in_time = answered & Q(answered_on__lte=F("legal_due_on"))
    late = (answered & Q(answered_on__gt=F("legal_due_on"))) | (
        Q(status__in=SubjectRequest.OPEN) & Q(legal_due_on__lt=period.reference_day)
    )
    counts = complaints.aggregate(
        received=Count("pk"),
        in_time=Count("pk", filter=in_time),
        late=Count("pk", filter=late),
        withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN)),
        pending=Count("pk", filter=Q(status__in=SubjectRequest.OPEN, legal_due_on__gte=period.reference_day)),
    )
    late_rows = [
        {**row, "days": days_between(row["received_at"], row["closed_at"]) if row["closed_at"] else None}
        for row in complaints.filter(late)
        .order_by("received_at", "pk")
        .values("reference", "received_at", "legal_due_on", "closed_at", "status")
    ]
    return {**counts, "days": organisation.complaint_answer_days, "late_rows": listing(late_rows)}


ERASURE_COUNTS = ["subjects_erased", "subjects_minimised", "relations_erased", "relations_kept"]


def erasures_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """One query: the erasure runs (art. 17) executed in the year, summed from their certificates."""
    period = report_period(year)
    runs = ErasureRun.objects.filter(
        request__organisation=organisation, executed_at__gte=period.start, executed_at__lt=period.end
    ).values_list("certificate", flat=True)
    totals = dict.fromkeys(ERASURE_COUNTS, 0) | {"runs": 0}
    for certificate in runs:
        totals["runs"] += 1
        for key in ERASURE_COUNTS:
            totals[key] += certificate.get("counts", {}).get(key, 0)
    return totals


def report_sections_add() -> None:
    report_section_add(
        Section("requests", _("Requests of data subjects"), TEMPLATES + "requests.html", requests_section, 20)
    )
    report_section_add(Section("complaints", _("Complaints"), TEMPLATES + "complaints.html", complaints_section, 30))
    report_section_add(Section("erasures", _("Erasure on request"), TEMPLATES + "erasures.html", erasures_section, 35))
