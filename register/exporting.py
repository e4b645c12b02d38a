"""Export of the processing register (art. 30 GDPR) as rows, CSV, XLSX and PDF, also as it stood on an earlier day.

`register_rows` gives one row per activity with every item of art. 30(1) and (2), keyed by `Column.key`; the
renderers turn rows into files. The current register takes seven queries whatever its size: the activities with
their completeness findings annotated (`completeness.with_findings`), four prefetches for the linked lists and two
for the retention rules with the categories they keep.

The register as of an earlier day is read from django-simple-history: the activities as they stood at the end of
that day (`selectors.activities_as_of`), their linked lists from the historical M2M tables that simple-history fills
on every change, and the names of the linked categories, recipients and processors as *they* stood at that moment,
so a later rename does not rewrite the past. Completeness findings are left empty for an earlier day: the rules are
SQL conditions over the current tables, and re-implementing them over historical rows would give a second
definition that can drift from the first.
"""

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Max, Model, Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .completeness import activity_findings, with_findings
from .models import (
    DataCategory,
    Organisation,
    ProcessingActivity,
    Processor,
    Recipient,
    RetentionRule,
    SubjectCategory,
)
from .pdf import pdf_render
from .selectors import activities_as_of, end_of_day, history_as_of, history_record, reference_key

Activity = ProcessingActivity
Kind = DataCategory.Kind
Value = str | date | None
Row = dict[str, Value]

LIST_SEPARATOR = "; "
CSV_DELIMITER = ";"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
FORMATS = ("csv", "xlsx", "pdf")


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise


def _field(name: str) -> Column:
    """A column labelled with the model field's verbose name, so the header follows the model's translation."""
    return Column(name, capfirst(Activity._meta.get_field(name).verbose_name))


# The order of art. 30(1): who, why, on what basis, about whom, to whom, where to, how long, how protected.
# A label of its own where the verbose name is not a header the import knows (register/importing.py HEADERS),
# so an exported CSV or XLSX imports again as it is.
COLUMNS: list[Column] = [
    _field("reference"),
    _field("group"),
    Column("name", _("Processing activity")),
    _field("description"),
    _field("role"),
    _field("controller_name"),
    _field("controller_contact"),
    _field("purposes"),
    _field("legal_basis"),
    _field("legal_basis_explanation"),
    _field("consent_mechanism"),
    _field("subject_categories"),
    _field("data_categories"),
    Column("special_categories", _("Special categories of personal data")),
    _field("special_category_exception"),
    Column("criminal_data", _("Criminal data (art. 10 GDPR)")),
    Column("national_id", _("Citizen service number (BSN)")),
    _field("recipients"),
    _field("processors"),
    _field("third_country_transfers"),
    _field("transfer_safeguards"),
    Column("source", _("Source")),
    _field("automated_decision_making"),
    _field("automated_decision_logic"),
    Column("security_measures", _("Security measures")),
    Column("retention", _("Retention period")),
    Column("retention_enforced", _("Retention enforced by rules")),
    _field("dpia_required"),
    _field("dpia_done_on"),
    _field("dpia_reference"),
    _field("owner"),
    _field("status"),
    _field("last_reviewed_on"),
    _field("next_review_on"),
    Column("findings", _("Completeness findings")),
]
COLUMN_KEYS = [column.key for column in COLUMNS]


@dataclass
class Linked:
    """What an activity links to, as names: the same shape for the current register and for an earlier day."""

    subject_categories: list[str] = field(default_factory=list)
    data_categories: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    recipients: list[str] = field(default_factory=list)
    processors: list[str] = field(default_factory=list)
    retention_rules: list[str] = field(default_factory=list)  # in words


def register_rows(*, organisation: Organisation, as_of: date | None, today: date) -> list[Row]:
    """One row per activity of the register, as it stands now or as it stood at the end of `as_of`."""
    if as_of is None:
        return _current_rows(organisation, today)
    return _rows_as_of(organisation, end_of_day(as_of))


# The current register


def _current_rows(organisation: Organisation, today: date) -> list[Row]:
    rows = []
    for activity in _current_activities(organisation, today):
        linked = Linked(
            subject_categories=_sorted_names(c.name for c in activity.subject_categories.all()),
            data_categories=_sorted_pairs((c.name, c.kind) for c in activity.data_categories.all()),
            recipients=_sorted_names(r.name for r in activity.recipients.all()),
            processors=_sorted_names(p.name for p in activity.processors.all()),
            retention_rules=[
                retention_rule_words(rule, _sorted_names(c.name for c in rule.keep_categories.all()))
                for rule in activity.retention_rules.all()
            ],
        )
        rows.append(_row(activity, linked, [str(message) for message in activity_findings(activity)]))
    return _sorted(rows)


def _current_activities(organisation: Organisation, today: date) -> QuerySet[Activity]:
    rules = RetentionRule.objects.order_by("pk").prefetch_related("keep_categories")
    activities = Activity.objects.filter(organisation=organisation).prefetch_related(
        "subject_categories", "data_categories", "recipients", "processors", Prefetch("retention_rules", rules)
    )
    return with_findings(activities, today)


# The register as of an earlier moment


def _rows_as_of(organisation: Organisation, moment: datetime) -> list[Row]:
    activities = activities_as_of(organisation, moment)
    records = {activity.pk: history_record(activity) for activity in activities}
    linked = _linked_as_of(records, moment)
    return _sorted([_row(activity, linked[activity.pk], findings=[]) for activity in activities])


def _linked_as_of(records: dict[int, Model], moment: datetime) -> dict[int, Linked]:
    """Linked names per activity id, from the M2M rows of each activity's historical record.

    1. For each M2M field, the historical through rows of the records: which ids were linked at `moment`.
    2. The retention rules as of `moment` and, through their historical records, the categories they keep.
    3. The names (and kinds) of all those ids as they stood at `moment`.
    """
    activity_by_history = {record.history_id: pk for pk, record in records.items()}
    ids = {
        name: _historical_links(Activity, name, activity_by_history)
        for name in ("subject_categories", "data_categories", "recipients", "processors")
    }
    rules = _retention_rules_as_of(list(records), moment)
    keep = _historical_links(RetentionRule, "keep_categories", {history_record(r).history_id: r.pk for r in rules})
    category_ids = _all_ids(ids["data_categories"]) | _all_ids(keep)
    categories = _as_of(DataCategory, category_ids, moment)
    subject_categories = _as_of(SubjectCategory, _all_ids(ids["subject_categories"]), moment)
    recipients = _as_of(Recipient, _all_ids(ids["recipients"]), moment)
    processors = _as_of(Processor, _all_ids(ids["processors"]), moment)

    linked = {pk: Linked() for pk in records}
    for pk, item in linked.items():
        item.subject_categories = _names(subject_categories, ids["subject_categories"][pk])
        item.data_categories = _sorted_pairs(
            (categories[i].name, categories[i].kind) for i in ids["data_categories"][pk] if i in categories
        )
        item.recipients = _names(recipients, ids["recipients"][pk])
        item.processors = _names(processors, ids["processors"][pk])
    for rule in rules:
        linked[rule.activity_id].retention_rules.append(retention_rule_words(rule, _names(categories, keep[rule.pk])))
    return linked


def _historical_links(model: type[Model], name: str, owner_by_history: dict[int, int]) -> dict[int, list[int]]:
    """{owner id: [linked ids]} from the historical M2M table of `model.name`, for the given historical records."""
    through = getattr(model.history.model, name).model
    target = model._meta.get_field(name).m2m_reverse_field_name()
    links = defaultdict(list)
    rows = through.objects.filter(history_id__in=list(owner_by_history)).values_list("history_id", f"{target}_id")
    for history_id, target_id in rows:
        links[owner_by_history[history_id]].append(target_id)
    return links


def _retention_rules_as_of(activity_ids: list[int], moment: datetime) -> list[RetentionRule]:
    return sorted(history_as_of(RetentionRule, moment, activity_id__in=activity_ids), key=lambda rule: rule.pk)


def _as_of[M: Model](model: type[M], ids: set[int], moment: datetime) -> dict[int, M]:
    """The objects with these ids as they stood at `moment`; the current row for one history does not know."""
    if not ids:
        return {}
    found = {item.pk: item for item in history_as_of(model, moment, id__in=ids)}
    missing = ids - set(found)
    if missing:
        found.update({item.pk: item for item in model.objects.filter(pk__in=missing)})
    return found


def _all_ids(links: dict[int, list[int]]) -> set[int]:
    return {target for targets in links.values() for target in targets}


def _names(objects: dict[int, Model], ids: Iterable[int]) -> list[str]:
    return _sorted_names(objects[i].name for i in ids if i in objects)


# Sorted in Python, not by the database's collation, so the current and the past register list names alike.
def _sorted_names(names: Iterable[str]) -> list[str]:
    return sorted(names, key=str.casefold)


def _sorted_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: pair[0].casefold())


# One row


def _row(activity: Activity, linked: Linked, findings: list[str]) -> Row:
    categories = linked.data_categories
    return {
        "reference": activity.reference,
        "group": activity.group,
        "name": activity.name,
        "description": activity.description,
        "role": activity.get_role_display(),
        "controller_name": activity.controller_name,
        "controller_contact": activity.controller_contact,
        "purposes": activity.purposes,
        "legal_basis": activity.get_legal_basis_display(),
        "legal_basis_explanation": activity.legal_basis_explanation,
        "consent_mechanism": activity.consent_mechanism,
        "subject_categories": _joined(linked.subject_categories),
        "data_categories": _joined(name for name, _kind in categories),
        "special_categories": _joined(name for name, kind in categories if kind == Kind.SPECIAL),
        "special_category_exception": activity.get_special_category_exception_display(),
        "criminal_data": _joined(name for name, kind in categories if kind == Kind.CRIMINAL),
        "national_id": _joined(name for name, kind in categories if kind == Kind.NATIONAL_ID),
        "recipients": _joined(linked.recipients),
        "processors": _joined(linked.processors),
        "third_country_transfers": activity.third_country_transfers,
        "transfer_safeguards": activity.transfer_safeguards,
        "source": activity.source,
        "automated_decision_making": _yes_no(activity.automated_decision_making),
        "automated_decision_logic": activity.automated_decision_logic,
        "security_measures": activity.security_measures,
        "retention": _joined(linked.retention_rules) or activity.retention_text,
        "retention_enforced": _yes_no(bool(linked.retention_rules)),
        "dpia_required": _yes_no(activity.dpia_required),
        "dpia_done_on": activity.dpia_done_on,
        "dpia_reference": activity.dpia_reference,
        "owner": activity.owner,
        "status": activity.get_status_display(),
        "last_reviewed_on": activity.last_reviewed_on,
        "next_review_on": activity.next_review_on,
        "findings": _joined(findings),
    }


def period_words(period: int, unit: str) -> str:
    """'1 month', '7 years': the unit in the number's own plural."""
    words = {
        RetentionRule.Unit.DAYS: ngettext("%(count)d day", "%(count)d days", period),
        RetentionRule.Unit.MONTHS: ngettext("%(count)d month", "%(count)d months", period),
        RetentionRule.Unit.YEARS: ngettext("%(count)d year", "%(count)d years", period),
    }
    return words[unit] % {"count": period}


def retention_rule_words(rule: RetentionRule, kept: list[str]) -> str:
    """A retention rule as a sentence, e.g. '7 years after end of the financial year, then erase; statutory (AWR)'."""
    action = rule.get_action_display()
    if rule.action == RetentionRule.Action.MINIMISE and kept:
        action = gettext("%(action)s (%(kept)s)") % {"action": action, "kept": ", ".join(kept)}
    if rule.ground == RetentionRule.Ground.STATUTORY and rule.law:
        ground = gettext("statutory (%(law)s)") % {"law": rule.law}
    else:
        ground = rule.get_ground_display()
    return gettext("%(period)s after %(trigger)s, then %(action)s; %(ground)s") % {
        "period": period_words(rule.period, rule.unit),
        "trigger": rule.get_trigger_display(),
        "action": action,
        "ground": ground,
    }


def _joined(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(items)


def _yes_no(value: bool) -> str:
    return gettext("yes") if value else gettext("no")


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: reference_key(str(row["reference"])))


# Renderers


def header() -> list[str]:
    return [str(column.label) for column in COLUMNS]


def to_csv(rows: list[Row]) -> bytes:
    """UTF-8 with a byte order mark and semicolons, as Dutch Excel opens it without an import wizard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(header())
    writer.writerows([_csv_cell(row[key]) for key in COLUMN_KEYS] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


# A cell that starts like a formula is run by a spreadsheet (CSV injection); a bullet "- item" is left alone.
FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-[^\s-])")


def _csv_cell(value: Value) -> str:
    text = _text(value)
    return f"'{text}" if FORMULA_START.match(text) else text


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 10, 60


def to_xlsx(rows: list[Row]) -> bytes:
    """One sheet: bold frozen header, an auto filter, wrapped text and widths that fit the content up to a limit."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Processing register")[:31]
    sheet.append(header())
    for row in rows:
        sheet.append([_xlsx_cell(row[key]) for key in COLUMN_KEYS])
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in sheet.iter_rows():
        for cell in cells:
            cell.alignment = wrap
            if cell.data_type == "f":  # text that looks like a formula stays text
                cell.data_type = "s"
            if isinstance(cell.value, date):
                cell.number_format = "DD-MM-YYYY"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _xlsx_width(column, rows)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Value) -> str | date | None:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _xlsx_width(column: Column, rows: list[Row]) -> int:
    """The longest line in the column (header included), within limits; longer text wraps."""
    lines = [str(column.label)] + [line for row in rows for line in _text(row[column.key]).splitlines()]
    return max(XLSX_MIN_WIDTH, min(XLSX_MAX_WIDTH, max(len(line) for line in lines) + 2))


# The PDF: what the FG hands the Autoriteit Persoonsgegevens on request (art. 30(4))

PDF_HEADING_KEYS = {"reference", "name", "group"}


@dataclass(frozen=True)
class RegisterVersion:
    changes: int
    last_changed_at: datetime | None


def register_version(*, organisation: Organisation, moment: datetime) -> RegisterVersion:
    """How many recorded changes the register had up to `moment` and when the last one was: its version."""
    activities = Activity.history.filter(organisation_id=organisation.pk, history_date__lte=moment)
    # Through the activities' history, so the rules of an activity deleted since still count.
    rules = RetentionRule.history.filter(activity_id__in=activities.values("id"), history_date__lte=moment)
    totals = [qs.aggregate(changes=Count("pk"), last=Max("history_date")) for qs in (activities, rules)]
    moments = [total["last"] for total in totals if total["last"]]
    return RegisterVersion(sum(total["changes"] for total in totals), max(moments, default=None))


def to_pdf(*, organisation: Organisation, rows: list[Row], as_of: date | None, generated_at: datetime) -> bytes:
    moment = end_of_day(as_of) if as_of else generated_at
    day = formats.date_format(as_of or timezone.localdate(generated_at), "j F Y")
    context = {
        "organisation": organisation,
        "as_of": as_of,
        "generated_at": timezone.localtime(generated_at),
        "version": register_version(organisation=organisation, moment=moment),
        "activities": [_pdf_activity(row) for row in rows],
    }
    return pdf_render(
        template="register/register_pdf.html",
        context=context,
        running_title=organisation.name,
        running_subtitle=gettext("Record of processing activities as of %(day)s") % {"day": day},
    )


def _pdf_activity(row: Row) -> dict:
    fields = [(c.key, c.label, _display(row[c.key])) for c in COLUMNS if c.key not in PDF_HEADING_KEYS]
    return {"reference": row["reference"], "name": row["name"], "group": row["group"], "fields": fields}


def _display(value: Value) -> str:
    if isinstance(value, date):
        return formats.date_format(value, "j F Y")
    return value or ""


# One export, as the admin download and the management command ask for it


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    content_type: str
    filename: str


CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE, "pdf": PDF_CONTENT_TYPE}


def register_export(*, organisation: Organisation, fmt: str, as_of: date | None, now: datetime) -> ExportFile:
    """The register of `organisation` (now, or as it stood at the end of `as_of`) as a csv, xlsx or pdf file."""
    today = timezone.localdate(now)
    rows = register_rows(organisation=organisation, as_of=as_of, today=today)
    if fmt == "csv":
        content = to_csv(rows)
    elif fmt == "xlsx":
        content = to_xlsx(rows)
    elif fmt == "pdf":
        content = to_pdf(organisation=organisation, rows=rows, as_of=as_of, generated_at=now)
    else:
        raise ValueError(f"Unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    filename = f"verwerkingsregister-{organisation.slug}-{(as_of or today).isoformat()}.{fmt}"
    return ExportFile(content, CONTENT_TYPES[fmt], filename)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(text: str, today: date) -> date:
    """A day given as YYYY-MM-DD, not after today; ValueError with a message for a person otherwise."""
    try:
        if not ISO_DATE.fullmatch(text.strip()):
            raise ValueError
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            gettext("%(text)s is not a date; give it as YYYY-MM-DD, e.g. 2026-01-31.") % {"text": text}
        ) from None
    if day > today:
        raise ValueError(
            gettext("%(day)s lies in the future; the register can be shown as it stood until today.")
            % {"day": day.isoformat()}
        )
    return day
