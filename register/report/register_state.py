"""The register at the end of the year, rebuilt from history, and what changed in it during the year.

Seven queries whatever the size of the register: the activities as they stood at the end and at the start of
the year, the activities changed during the year, the kinds of data categories and the processors linked at
year end (the historical M2M tables), the processors with their agreements, and the completeness findings.
"""

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Model, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from ..completeness import RULES, with_findings
from ..models import DataCategory, Organisation, ProcessingActivity, ProcessingAgreement, Processor
from ..selectors import activities_as_of, history_record, reference_key
from . import charts
from .figures import listing
from .period import ReportPeriod, report_period

Activity = ProcessingActivity
Kind = DataCategory.Kind
SENSITIVE_KINDS = [Kind.SPECIAL, Kind.CRIMINAL, Kind.NATIONAL_ID]


def register_section(organisation: Organisation, year: int) -> dict[str, Any]:
    period = report_period(year)
    at_end = activities_as_of(organisation, period.as_of)
    current = [activity for activity in at_end if activity.status != Activity.Status.ENDED]
    by_history = {history_record(activity).history_id: activity for activity in current}
    bases = _by_legal_basis(current)
    return {
        "statuses": _by_status(at_end),
        "current": len(current),
        "bases": bases,
        "bases_chart": _bases_chart(bases),
        "sensitive": _sensitive(by_history),
        "processors": _processors(by_history, period),
        "findings": _findings(current, period),
        "dpia": _dpia(current, period),
        "reviewed": sum(1 for activity in current if period.contains(activity.last_reviewed_on)),
        **_changes(organisation, period, at_end),
    }


def _by_status(activities: list[Activity]) -> list[dict]:
    counts = Counter(activity.status for activity in activities)
    return [{"label": status.label, "n": counts[status.value]} for status in Activity.Status]


def _by_legal_basis(activities: list[Activity]) -> list[dict]:
    counts = Counter(activity.legal_basis for activity in activities)
    rows = [{"label": basis.label, "n": counts[basis.value]} for basis in Activity.LegalBasis if counts[basis.value]]
    if counts[""]:
        rows.append({"label": _("no legal basis recorded"), "n": counts[""]})
    return rows


def _bases_chart(bases: list[dict]) -> str:
    if not bases:
        return ""
    return charts.horizontal_bars_svg(labels=[str(row["label"]) for row in bases], values=[row["n"] for row in bases])


def _linked(field: str, by_history: dict[int, Activity], *columns: str) -> list[tuple]:
    """Rows of the historical M2M table of `field` for these historical records: what was linked at that moment."""
    through = getattr(Activity.history.model, field).model
    return list(through.objects.filter(history_id__in=list(by_history)).values_list("history_id", *columns))


def _sensitive(by_history: dict[int, Activity]) -> dict[str, Any]:
    """Activities that process special, criminal or BSN data, and those of them without an art. 9(2) exception.
    The kinds are read from the categories as they are now: a category rarely changes kind."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for history_id, kind in _linked("data_categories", by_history, "datacategory__kind"):
        kinds[history_id].add(kind)
    rows = [
        {"label": kind.label, "n": sum(1 for found in kinds.values() if kind.value in found)}
        for kind in SENSITIVE_KINDS
    ]
    without = [
        by_history[history_id]
        for history_id, found in kinds.items()
        if Kind.SPECIAL in found and not by_history[history_id].special_category_exception
    ]
    return {"rows": rows, "without_exception": listing(_by_reference(without))}


def _processors(by_history: dict[int, Activity], period: ReportPeriod) -> dict[str, Any]:
    """The processors the activities used at year end, each with the agreement valid on the reference day."""
    uses = Counter(processor_id for _, processor_id in _linked("processors", by_history, "processor_id"))
    valid = ProcessingAgreement.objects.valid_on(period.reference_day).filter(processor=OuterRef("pk"))
    newest = valid.order_by("-signed_on", "-pk")
    rows = list(
        Processor.objects.filter(pk__in=list(uses))
        .annotate(
            signed_on=Subquery(newest.values("signed_on")[:1]),
            valid_until=Subquery(newest.values("valid_until")[:1]),
            renewed_yearly=Subquery(newest.values("renewed_yearly")[:1]),
        )
        .values("pk", "name", "signed_on", "valid_until", "renewed_yearly")
    )
    for row in rows:
        row["activities"] = uses[row["pk"]]
    rows.sort(key=lambda row: (row["signed_on"] is not None, row["name"].casefold()))
    return {
        "total": len(rows),
        "covered": sum(1 for row in rows if row["signed_on"]),
        "rows": listing(rows),
    }


def _findings(current: list[Activity], period: ReportPeriod) -> dict[str, Any]:
    """The completeness rules applied to the activities of year end, as they stand in the register now, against
    the reference day: the rules are SQL over the current tables (see register/completeness.py)."""
    names = [f"finding_{rule.code}" for rule in RULES]
    queryset = Activity.objects.filter(pk__in=[activity.pk for activity in current])
    rows = list(with_findings(queryset, period.reference_day).values("reference", "name", *names))
    with_any = [row for row in rows if any(row[name] for name in names)]
    for row in with_any:
        row["findings"] = [rule.message for rule, name in zip(RULES, names, strict=True) if row[name]]
    per_rule = [
        {"label": rule.message, "n": sum(1 for row in rows if row[name])}
        for rule, name in zip(RULES, names, strict=True)
    ]
    return {
        "complete": len(rows) - len(with_any),
        "incomplete": len(with_any),
        "per_rule": [row for row in per_rule if row["n"]],
        "activities": listing(sorted(with_any, key=lambda row: reference_key(row["reference"]))),
    }


def _dpia(current: list[Activity], period: ReportPeriod) -> dict[str, Any]:
    required = [activity for activity in current if activity.dpia_required]
    done = [a for a in required if a.dpia_done_on and a.dpia_done_on <= period.reference_day]
    missing = [a for a in required if a not in done]
    return {
        "required": len(required),
        "done": len(done),
        "done_in_year": sum(1 for a in done if period.contains(a.dpia_done_on)),
        "missing": listing(_by_reference(missing)),
    }


def _changes(organisation: Organisation, period: ReportPeriod, at_end: list[Activity]) -> dict[str, Any]:
    """Added: in the register at year end, not at its start. Ended: its status became 'ended'. Removed: deleted
    from the register. Changed: any other recorded change to an activity there at both ends of the year."""
    end = {activity.pk: activity for activity in at_end}
    start = {activity.pk: activity for activity in activities_as_of(organisation, period.start)}
    ended_status = Activity.Status.ENDED
    added = [a for pk, a in end.items() if pk not in start]
    ended = [
        a for pk, a in end.items() if a.status == ended_status and (pk not in start or start[pk].status != a.status)
    ]
    removed = [a for pk, a in start.items() if pk not in end]
    changed_ids = set(
        Activity.history.filter(
            organisation_id=organisation.pk,
            history_type="~",
            history_date__gte=period.start,
            history_date__lte=period.as_of,
        )
        .values_list("id", flat=True)
        .order_by()
        .distinct()
    )
    ended_ids = {a.pk for a in ended}
    changed = [a for pk, a in end.items() if pk in changed_ids and pk in start and pk not in ended_ids]
    changes = {
        "added": listing(_by_reference(added)),
        "changed": listing(_by_reference(changed)),
        "ended": listing(_by_reference(ended)),
        "removed": listing(_by_reference(removed)),
    }
    labels = {"added": _("Added"), "changed": _("Changed"), "ended": _("Ended"), "removed": _("Removed")}
    return {"changes": changes, "change_rows": [(labels[key], changes[key]) for key in changes]}


def _by_reference[M: Model](activities: list[M]) -> list[M]:
    return sorted(activities, key=lambda activity: reference_key(activity.reference))
