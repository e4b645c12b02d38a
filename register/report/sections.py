"""The register's own sections of the yearly report; requests_portal and retention add theirs (registry.py)."""

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import STATUTORY_BREACH_HOURS, Authorisation, Breach, Control, Deficiency, Organisation
from ..selectors import history_as_of
from .figures import listing
from .period import ReportPeriod, hours_between, report_period
from .register_state import register_section
from .registry import Section, report_section_add

TEMPLATES = "register/annual_report/"


def breaches_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """Every breach discovered in the year (one query), with the hours from discovery to the AP's notification
    against the organisation's own window and the GDPR's 72 hours."""
    period = report_period(year)
    own_hours = organisation.breach_notification_hours
    breaches = Breach.objects.filter(
        organisation=organisation, discovered_at__gte=period.start, discovered_at__lt=period.end
    ).order_by("discovered_at", "pk")
    rows = [_breach_row(breach, own_hours, period) for breach in breaches]
    return {
        "own_hours": own_hours,
        "statutory_hours": STATUTORY_BREACH_HOURS,
        "total": len(rows),
        "notified": sum(1 for row in rows if row["hours"] is not None),
        "within_statutory": sum(1 for row in rows if row["within_statutory"]),
        "within_own": sum(1 for row in rows if row["within_own"]),
        "late": sum(1 for row in rows if row["late"]),
        "not_to_notify": sum(1 for row in rows if row["breach"].notify_authority is False),
        "undecided": sum(1 for row in rows if row["undecided"]),
        "persons_informed": sum(1 for row in rows if row["breach"].subjects_notified_at),
        "persons_affected": sum(row["breach"].subjects_affected or 0 for row in rows),
        "rows": rows,
    }


def _breach_row(breach: Breach, own_hours: int, period: ReportPeriod) -> dict[str, Any]:
    notified = breach.authority_notified_at
    hours = hours_between(breach.discovered_at, notified) if notified else None
    waiting = hours_between(breach.discovered_at, period.now)  # for one still to be notified
    must_notify = breach.notify_authority is not False
    return {
        "breach": breach,
        "hours": hours,
        "within_statutory": hours is not None and hours <= STATUTORY_BREACH_HOURS,
        "within_own": hours is not None and hours <= own_hours,
        "late": must_notify and (hours > own_hours if hours is not None else waiting > own_hours),
        "undecided": breach.notify_authority is None and notified is None,
    }


def authorisations_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """Reviews are read from history: every distinct 'last reviewed on' date in the year that an authorisation
    ever carried is one review, even when a later review has replaced it since. Overdue: still in force at the
    reference day, with its next review before that day or none planned. Two queries."""
    period = report_period(year)
    reviews = set(
        Authorisation.history.filter(
            organisation_id=organisation.pk,
            last_reviewed_on__gte=period.first_day,
            last_reviewed_on__lte=period.last_day,
        )
        .values_list("id", "last_reviewed_on")
        .order_by()
        .distinct()
    )
    at_end = history_as_of(Authorisation, period.as_of, organisation_id=organisation.pk)
    day = period.reference_day
    in_force = [a for a in at_end if a.revoked_on is None or a.revoked_on > day]
    overdue = [a for a in in_force if a.next_review_on is None or a.next_review_on < day]
    return {
        "in_force": len(in_force),
        "reviews": len(reviews),
        "reviewed": len({pk for pk, _ in reviews}),
        "granted": sum(1 for a in at_end if period.contains(a.approved_on)),
        "revoked": sum(1 for a in at_end if period.contains(a.revoked_on)),
        "without_statement": listing(sorted((a for a in in_force if not a.confidentiality_signed_on), key=_person)),
        "overdue": listing(sorted(overdue, key=lambda a: (a.next_review_on or date.min, _person(a)))),
    }


def _person(authorisation: Authorisation) -> str:
    return authorisation.person_name.casefold()


def controls_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """From every historical record of the organisation's controls (one query):

    1. done: each distinct 'last done on' date in the year;
    2. a due date in the year is met when a record says the control was done on or before it and moves the next
       due date past it; otherwise it is missed (done late, or not yet) once the day has passed;
    3. the state at year end: the last record up to that moment.
    """
    period = report_period(year)
    records = Control.history.filter(organisation_id=organisation.pk).order_by("history_date", "history_id")
    by_control: dict[int, list] = defaultdict(list)
    for record in records.values(
        "id", "name", "frequency_months", "last_done_on", "next_due_on", "history_date", "history_type"
    ):
        by_control[record["id"]].append(record)
    rows = [row for records in by_control.values() if (row := _control_row(records, period))]
    rows.sort(key=lambda row: row["name"].casefold())
    return {
        "rows": rows,
        "done": sum(len(row["done"]) for row in rows),
        "missed": sum(len(row["missed"]) for row in rows),
        "overdue": sum(1 for row in rows if row["overdue"]),
    }


def _control_row(records: list[dict], period: ReportPeriod) -> dict[str, Any] | None:
    known = [r for r in records if r["history_date"] <= period.as_of]
    if not known or known[-1]["history_type"] == "-":
        return None  # created after the year, or deleted before its end
    state = known[-1]
    done = sorted({r["last_done_on"] for r in records if period.contains(r["last_done_on"])})
    due_dates = sorted({r["next_due_on"] for r in records if period.contains(r["next_due_on"])})
    passed = [day for day in due_dates if day < period.reference_day]
    missed = [day for day in passed if not _met(day, records)]
    next_due = state["next_due_on"]
    return {
        "name": state["name"],
        "frequency_months": state["frequency_months"],
        "done": done,
        "due": due_dates,
        "missed": missed,
        "next_due_on": next_due,
        "overdue": next_due is None or next_due < period.reference_day,
    }


def _met(due: date, records: list[dict]) -> bool:
    return any(
        r["last_done_on"] and r["last_done_on"] <= due and (r["next_due_on"] is None or r["next_due_on"] > due)
        for r in records
    )


def deficiencies_section(organisation: Organisation, year: int) -> dict[str, Any]:
    """Found in the year, or found earlier and still open at its start; each with the measure the FG recorded
    and where it stood at the reference day. One query."""
    period = report_period(year)
    day = period.reference_day
    deficiencies = list(
        Deficiency.objects.filter(organisation=organisation, found_on__lte=day)
        .filter(Q(found_on__gte=period.first_day) | Q(resolved_on__isnull=True) | Q(resolved_on__gte=period.first_day))
        .select_related("control")
        .order_by("found_on", "pk")
    )
    for deficiency in deficiencies:
        deficiency.resolved_by_end = deficiency.resolved_on is not None and deficiency.resolved_on <= day
        deficiency.overdue = (
            not deficiency.resolved_by_end and deficiency.due_on is not None and deficiency.due_on < day
        )
    return {
        "found": sum(1 for d in deficiencies if d.found_on >= period.first_day),
        "carried_over": sum(1 for d in deficiencies if d.found_on < period.first_day),
        "resolved": sum(1 for d in deficiencies if d.resolved_by_end),
        "open": sum(1 for d in deficiencies if not d.resolved_by_end),
        "overdue": sum(1 for d in deficiencies if d.overdue),
        "without_measure": sum(1 for d in deficiencies if not d.measure.strip()),
        "rows": listing(deficiencies, limit=100),
    }


for _section in [
    Section("register", _("The register at year end"), TEMPLATES + "register.html", register_section, 10),
    Section("breaches", _("Data breaches"), TEMPLATES + "breaches.html", breaches_section, 40),
    Section("authorisations", _("Authorisations"), TEMPLATES + "authorisations.html", authorisations_section, 60),
    Section("controls", _("Controls"), TEMPLATES + "controls.html", controls_section, 70),
    Section("deficiencies", _("Deficiencies and measures"), TEMPLATES + "deficiencies.html", deficiencies_section, 80),
]:
    report_section_add(_section)
