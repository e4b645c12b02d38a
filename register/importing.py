"""Import of the processing register from a file: the tab-separated register layout, CSV or Excel.

1. `parse_file` turns the bytes into rows of known fields, each with the line it came from; a file that
   cannot be read at all raises `ImportFileError`.
2. `register_import` checks every row, works out for each activity whether it would be created, updated
   or left as it is, and only then, when nothing is wrong and it is not a dry run, writes everything in
   one transaction. Activities are keyed by reference, so importing the same file twice changes nothing.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history

from .models import DataCategory, Organisation, ProcessingActivity, Processor, Recipient, SubjectCategory

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

Basis = ProcessingActivity.LegalBasis
Kind = DataCategory.Kind
Status = ProcessingActivity.Status

REQUIRED = ("reference", "name")
TEXT_FIELDS = (
    "group",
    "name",
    "description",
    "purposes",
    "legal_basis_explanation",
    "retention_text",
    "security_measures",
    "source",
    "owner",
)
LIST_MODELS: dict[str, type[Model]] = {
    "subject_categories": SubjectCategory,
    "data_categories": DataCategory,
    "recipients": Recipient,
    "processors": Processor,
}
SPECIAL_COLUMN = "special_categories"

HEADERS = {
    "reference": ("Referentie", "Nummer", "Nr", "Kenmerk", "Reference", "Ref", "Number", "No"),
    "group": ("Groep", "Onderdeel", "Group", "Section"),
    "name": (
        "Naam verwerking",
        "Naam",
        "Verwerking",
        "Verwerkingsactiviteit",
        "Name",
        "Activity",
        "Processing activity",
    ),
    "description": ("Omschrijving", "Beschrijving", "Description"),
    "purposes": ("Doel", "Doelen", "Doeleinden", "Verwerkingsdoelen", "Purpose", "Purposes"),
    "legal_basis": ("Grondslag", "Rechtsgrond", "Wettelijke grondslag", "Legal basis", "Lawful basis"),
    "legal_basis_explanation": (
        "Toelichting grondslag",
        "Toelichting",
        "Belangenafweging",
        "Explanation",
        "Explanation of the legal basis",
        "Legal basis explanation",
    ),
    "subject_categories": (
        "Categorieën betrokkenen",
        "Betrokkenen",
        "Data subjects",
        "Categories of data subjects",
        "Subject categories",
    ),
    "data_categories": (
        "Categorieën persoonsgegevens",
        "Persoonsgegevens",
        "Gegevens",
        "Personal data",
        "Categories of personal data",
        "Data categories",
    ),
    SPECIAL_COLUMN: (
        "Bijzondere persoonsgegevens",
        "Bijzondere categorieën",
        "Bijzondere categorieën persoonsgegevens",
        "Special categories",
        "Special categories of personal data",
    ),
    "recipients": ("Ontvangers", "Categorieën ontvangers", "Recipients", "Categories of recipients"),
    "processors": ("Verwerkers", "Verwerker", "Processors", "Processor"),
    "retention_text": ("Bewaartermijn", "Bewaartermijnen", "Retention", "Retention period"),
    "security_measures": ("Beveiligingsmaatregelen", "Beveiliging", "Security measures", "Security"),
    "source": ("Bron", "Herkomst", "Source"),
    "owner": ("Eigenaar", "Proceseigenaar", "Owner"),
    "status": ("Status",),
}

# The columns of the register layout when it has no header row: `reference, name, description, legal basis`.
LAYOUT_COLUMNS = {0: "reference", 1: "name", 2: "description", 3: "legal_basis"}

BASIS_PATTERNS = [
    (Basis.CONSENT, r"\btoestemming|\bconsent"),
    (Basis.CONTRACT, r"\bovereenkomst|\bcontract"),
    (Basis.LEGAL_OBLIGATION, r"\bwettelijke? (verplichting|plicht)|\bwettelijk verplicht|\blegal obligation"),
    (Basis.VITAL_INTERESTS, r"\bvita(al|le) belang|\bvital interest"),
    (Basis.PUBLIC_TASK, r"\balgemeen belang|\bpublie(ke|krechtelijke) taak|\bopenbaar gezag|\bpublic (task|interest)"),
    (Basis.LEGITIMATE_INTERESTS, r"\bgerechtvaardigde? belang|\blegitie?me? belang|\blegitimate interest"),
]
# "art. 6 lid 1 sub f", "artikel 6, eerste lid, onder f", "6(1)(f)", "6.1.f", all after `_words`.
ARTICLE_6 = re.compile(r"\b6 (?:eerste lid |lid 1 ?|1 ?)(?:(?:sub|onder|letter|under) )?([a-f])\b")
ARTICLE_6_LETTERS = dict(zip("abcdef", Basis, strict=True))

KIND_PATTERNS = [
    (Kind.NATIONAL_ID, r"\bbsn\b|\bburgerservicenummer|\bsofinummer|\bcitizen service number|\bnational id"),
    (Kind.CRIMINAL, r"\bstrafrechtelijk|\bstrafblad|\bjustitiele|\bcriminal"),
    (
        Kind.SPECIAL,
        r"\bgezondheid|\bhealth|\bmedisch|\bmedical|\bziekte|\bras\b|\betnisch|\bethnic|\bracial|\bpolitiek"
        r"|\bpolitical|\breligi|\bgodsdienst|\blevensovertuiging|\bgeloof|\bphilosophical belief|\bvakbond"
        r"|\btrade union|\bgenetisch|\bgenetic|\bbiometrisch|\bbiometric|\bseksu|\bsexual|\bsex life",
    ),
]

STATUS_WORDS = {
    Status.ACTIVE: ("actief", "active", "in gebruik", "lopend"),
    Status.DRAFT: ("concept", "draft", "ontwerp"),
    Status.ENDED: ("beëindigd", "beeindigd", "ended", "gestopt", "inactief", "inactive", "afgesloten"),
}

DELIMITERS = ("\t", ";", ",")
LIST_SEPARATORS = re.compile(r"[,;\n]|\s+en\s+")
HEADING_CELL = re.compile(r"\d+\.")
HEADING_LINE = re.compile(r"\d+\.?\s+(\D.*)")

ACTION_CREATED, ACTION_UPDATED, ACTION_UNCHANGED = "created", "updated", "unchanged"


class ImportFileError(Exception):
    """The file cannot be read as a register at all."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportRow:
    """One activity as read from the file: known fields by model name, and the line it starts on."""

    line: int
    values: dict[str, str]


@dataclass
class ParsedFile:
    rows: list[ImportRow]
    warnings: list[str] = field(default_factory=list)


@dataclass
class ActivityOutcome:
    reference: str
    name: str
    group: str
    action: str
    changes: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return {ACTION_CREATED: _("new"), ACTION_UPDATED: _("changed"), ACTION_UNCHANGED: _("unchanged")}[self.action]


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    activities: list[ActivityOutcome] = field(default_factory=list)
    new_entries: dict[str, list[str]] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        counts = {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged)}
        if self.dry_run:
            return (
                _("Preview, nothing saved. New: %(created)s, changed: %(updated)s, unchanged: %(unchanged)s.") % counts
            )
        return _("Imported. New: %(created)s, changed: %(updated)s, unchanged: %(unchanged)s.") % counts


# Reading the file


def _words(text: str) -> str:
    """Lower case without accents, punctuation as single spaces: “Art. 6 lid 1, sub f” → “art 6 lid 1 sub f”."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.split())


def _key(text: str) -> str:
    """A header as compared: “Categorieën betrokkenen” and “categorieen-Betrokkenen” are the same column."""
    return _words(text).replace(" ", "")


HEADER_FIELDS = {_key(alias): name for name, aliases in HEADERS.items() for alias in aliases}


def parse_file(*, filename: str, content: bytes) -> ParsedFile:
    """Read a register file: Excel by its content or name; text as the register layout when tab-separated,
    otherwise as CSV, whatever the name says."""
    if not content.strip():
        raise ImportFileError([_("The file is empty.")])
    suffix = PurePath(filename).suffix.lower()
    if content.startswith(b"PK\x03\x04") or suffix == ".xlsx":
        return _parse_table(_xlsx_table(content))
    if suffix == ".xls":
        raise ImportFileError([_("Old Excel files (.xls) cannot be read. Save the file as .xlsx or as CSV UTF-8.")])
    text = _decode(content)
    delimiter = _delimiter(text)
    if delimiter == "\t":
        return _parse_layout(text)
    return _parse_table(_csv_table(text, delimiter))


def _decode(content: bytes) -> str:
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if _looks_binary(content):
        raise ImportFileError(
            [_("This is not a text, CSV or Excel file. Upload the register as CSV, Excel (.xlsx) or text.")]
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise ImportFileError(
            [
                _(
                    "Line %(line)s: the file is not encoded as UTF-8. Save it as UTF-8 (in Excel: "
                    "“CSV UTF-8”) and import it again."
                )
                % {"line": line}
            ]
        ) from None


def _looks_binary(content: bytes) -> bool:
    """NUL bytes, or more control characters than a text file ever has (tabs and line ends excepted)."""
    sample = content[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r\f\v")
    return b"\x00" in content or controls > len(sample) // 100


def _xlsx_table(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return _sheet_table(workbook.worksheets[0])
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception:
        # A damaged or foreign zip makes openpyxl raise almost anything; to the person it is one problem.
        raise ImportFileError([_("The Excel file cannot be read. Save it again as .xlsx and retry.")]) from None


def _sheet_table(sheet) -> list[tuple[int, list[str]]]:
    table = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        table.append((number, [_cell_text(value) for value in values]))
        _check_size(len(table))
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv_table(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table, line = [], 1
    try:
        for cells in reader:
            table.append((line, cells))
            _check_size(len(table))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(
            [_("Line %(line)s: the CSV file is damaged (%(error)s).") % {"line": line, "error": error}]
        ) from None
    return table


def _delimiter(text: str) -> str:
    """The separator used most outside quotes in the first line that has one; Dutch Excel writes semicolons.

    A tab means the register layout, whose header and group headings are tab-separated too.
    """
    for line in text.splitlines():
        unquoted = re.sub(r'"[^"]*"', "", line)
        if any(separator in unquoted for separator in DELIMITERS):
            return max(DELIMITERS, key=unquoted.count)
    return ","


def _check_size(rows: int) -> None:
    if rows > MAX_ROWS:
        raise ImportFileError([_("The file has more than %(max)s rows; split it up.") % {"max": MAX_ROWS}])


def _parse_table(table: list[tuple[int, list[str]]]) -> ParsedFile:
    """A CSV or Excel sheet: a header row, then one activity per row."""
    table = [(line, [cell.strip() for cell in cells]) for line, cells in table if any(c.strip() for c in cells)]
    if not table:
        return ParsedFile(rows=[])
    start = _header_index(table)
    header_line, header = table[start]
    warnings = [_skipped(line, cells) for line, cells in table[:start]]
    body = table[start + 1 :]
    columns, column_warnings = _columns(header, header_line, body)
    rows = [ImportRow(line, _values(cells, columns)) for line, cells in body]
    return ParsedFile(rows=rows, warnings=warnings + column_warnings)


def _header_index(table: list[tuple[int, list[str]]]) -> int:
    """The first row naming at least two known columns; a title above the header is allowed."""
    for index, (_line, cells) in enumerate(table[:10]):
        if sum(1 for cell in cells if _key(cell) in HEADER_FIELDS) >= 2:
            return index
    return 0


def _columns(header: list[str], line: int, body: Iterable[tuple[int, list[str]]]) -> tuple[dict[int, str], list[str]]:
    """Map column positions to fields; an unnamed first column holds the reference, as in the register layout."""
    columns: dict[int, str] = {}
    warnings = []
    used_columns = {index for _line, cells in body for index, cell in enumerate(cells) if cell}
    for index, title in enumerate(header):
        name = HEADER_FIELDS.get(_key(title)) or ("reference" if index == 0 and not title else None)
        if name in columns.values():
            warnings.append(
                _("Column “%(column)s” repeats an earlier column; its values are not imported.") % {"column": title}
            )
        elif name:
            columns[index] = name
        elif title:
            warnings.append(_("Unknown column “%(column)s”; its values are not imported.") % {"column": title})
        elif index in used_columns:
            warnings.append(_("Column %(number)s has no name; its values are not imported.") % {"number": index + 1})
    for index in sorted(used_columns - set(columns) - set(range(len(header)))):
        warnings.append(_("Column %(number)s has no name; its values are not imported.") % {"number": index + 1})
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        raise ImportFileError([_missing_column(line, name) for name in missing])
    return columns, warnings


def _missing_column(line: int, name: str) -> str:
    examples = ", ".join(f"“{alias}”" for alias in HEADERS[name][:3])
    return _("Line %(line)s: the column for the %(field)s is missing; name it for example %(examples)s.") % {
        "line": line,
        "field": ProcessingActivity._meta.get_field(name).verbose_name,
        "examples": examples,
    }


def _values(cells: list[str], columns: dict[int, str]) -> dict[str, str]:
    return {name: cells[index] if index < len(cells) else "" for index, name in columns.items()}


def _skipped(line: int, cells: list[str]) -> str:
    text = " ".join(cell for cell in cells if cell)
    return _("Line %(line)s skipped: “%(text)s” is not an activity.") % {"line": line, "text": text[:80]}


def _parse_layout(text: str) -> ParsedFile:
    """The register layout: tab-separated rows under numbered group headings, an optional header row."""
    columns, rows, warnings, group = LAYOUT_COLUMNS, [], [], ""
    for line, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        cells = [cell.strip() for cell in raw.split("\t")]
        filled = [cell for cell in cells if cell]
        if not filled:
            continue
        if heading := _heading(cells, filled):
            group = heading
        elif not rows and sum(1 for cell in filled if _key(cell) in HEADER_FIELDS) >= 2:
            columns, header_warnings = _columns(cells, line, [])
            warnings += header_warnings
        elif len(filled) == 1:
            warnings.append(_skipped(line, cells))
        else:
            values = _values(cells, columns)
            values["group"] = values.get("group") or group
            warnings += [
                _extra_value(line, cells[index]) for index in range(len(cells)) if cells[index] and index not in columns
            ]
            rows.append(ImportRow(line, values))
        _check_size(len(rows))
    return ParsedFile(rows=rows, warnings=warnings)


def _heading(cells: list[str], filled: list[str]) -> str:
    """The group of a heading line, `1.<tab>Zakelijke relaties` or `5. Website en sociale media`; else ""."""
    if len(filled) == 2 and HEADING_CELL.fullmatch(cells[0]):
        return filled[1]
    if len(filled) == 1 and (match := HEADING_LINE.fullmatch(filled[0])):
        return match[1].strip()
    return ""


def _extra_value(line: int, value: str) -> str:
    return _("Line %(line)s: “%(value)s” is in a column without a name; it is not imported.") % {
        "line": line,
        "value": value[:80],
    }


# Understanding the values


def legal_basis_from_text(text: str) -> set[str]:
    """Every legal basis a cell names, in Dutch or English words or as an article of art. 6(1)."""
    words = _words(text)
    bases = {basis for basis, pattern in BASIS_PATTERNS if re.search(pattern, words)}
    bases.update(ARTICLE_6_LETTERS[letter] for letter in ARTICLE_6.findall(words))
    return bases


def category_kind(name: str, *, listed_as_special: bool = False) -> str:
    """Special, criminal or BSN when the name says so, whichever column it is in."""
    words = _words(name)
    for kind, pattern in KIND_PATTERNS:
        if re.search(pattern, words):
            return kind
    return Kind.SPECIAL if listed_as_special else Kind.ORDINARY


def split_list(text: str) -> list[str]:
    """“Naam, adres en e-mailadres” → ["Naam", "Adres", "E-mailadres"], without blanks or repeats."""
    names: dict[str, str] = {}
    for part in LIST_SEPARATORS.split(text):
        name = part.strip(" \t-•·*\"'")
        if name.endswith(".") and name.count(".") == 1:
            name = name[:-1]
        if name:
            names.setdefault(name.casefold(), name[:1].upper() + name[1:])
    return list(names.values())


STATUS_BY_WORD = {_key(word): status for status, words in STATUS_WORDS.items() for word in words}


# Checking the rows


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: str = Kind.ORDINARY


@dataclass
class _Activity:
    """A row that passed every check: text fields with a value, and lists by relation."""

    line: int
    reference: str
    fields: dict[str, str]
    links: dict[str, list[_Entry]]


def _check_rows(rows: list[ImportRow]) -> tuple[list[_Activity], list[str]]:
    activities, errors, first_lines = [], [], {}
    for row in rows:
        activity, row_errors = _check_row(row)
        reference = row.values.get("reference", "")
        if reference in first_lines:
            row_errors.append(
                _("Line %(line)s: reference “%(reference)s” is already used on line %(first)s.")
                % {"line": row.line, "reference": reference, "first": first_lines[reference]}
            )
        elif reference:
            first_lines[reference] = row.line
        errors += row_errors
        if activity:
            activities.append(activity)
    return activities, errors


def _check_row(row: ImportRow) -> tuple[_Activity | None, list[str]]:
    values = row.values
    errors = [_empty(row.line, name) for name in REQUIRED if not values.get(name)]
    errors += _too_long(row.line, values)
    fields = {name: values[name] for name in TEXT_FIELDS if values.get(name)}
    if values.get("legal_basis"):
        basis, error = _legal_basis(row.line, values["legal_basis"])
        fields["legal_basis"] = basis
        errors += error
    if values.get("status"):
        status = STATUS_BY_WORD.get(_key(values["status"]))
        fields["status"] = status
        if not status:
            errors.append(
                _("Line %(line)s: unknown status “%(value)s”; use active, draft or ended.")
                % {"line": row.line, "value": values["status"]}
            )
    links = _links(values)
    errors += [
        _("Line %(line)s: “%(value)s” is longer than %(max)s characters.")
        % {"line": row.line, "value": e.name, "max": 200}
        for entries in links.values()
        for e in entries
        if len(e.name) > 200
    ]
    if errors:
        return None, errors
    return _Activity(row.line, values["reference"], fields, links), []


def _empty(line: int, name: str) -> str:
    return _("Line %(line)s: the %(field)s is empty.") % {
        "line": line,
        "field": ProcessingActivity._meta.get_field(name).verbose_name,
    }


def _too_long(line: int, values: dict[str, str]) -> list[str]:
    errors = []
    for name in ("reference", "group", "name", "owner"):
        limit = ProcessingActivity._meta.get_field(name).max_length
        if len(values.get(name, "")) > limit:
            errors.append(
                _("Line %(line)s: the %(field)s is longer than %(max)s characters.")
                % {"line": line, "field": ProcessingActivity._meta.get_field(name).verbose_name, "max": limit}
            )
    return errors


def _legal_basis(line: int, text: str) -> tuple[str, list[str]]:
    bases = legal_basis_from_text(text)
    if len(bases) == 1:
        return bases.pop(), []
    if bases:
        message = _("Line %(line)s: “%(value)s” names more than one legal basis; the register holds one per activity.")
    else:
        message = _("Line %(line)s: unknown legal basis “%(value)s”.")
    return "", [message % {"line": line, "value": text}]


def _links(values: dict[str, str]) -> dict[str, list[_Entry]]:
    """The lists named in the row; a relation is only touched when one of its cells has a value."""
    links = {
        relation: [_Entry(name) for name in split_list(values[relation])]
        for relation in ("subject_categories", "recipients", "processors")
        if values.get(relation)
    }
    ordinary, special = values.get("data_categories", ""), values.get(SPECIAL_COLUMN, "")
    if ordinary or special:
        links["data_categories"] = [
            _Entry(name, category_kind(name, listed_as_special=listed))
            for text, listed in ((ordinary, False), (special, True))
            for name in split_list(text)
        ]
    return links


# Planning and writing


def register_import(*, organisation: Organisation, rows: list[ImportRow], dry_run: bool) -> ImportResult:
    """Import rows into the organisation's register: all of them, or nothing when any row is wrong."""
    result = ImportResult(dry_run=dry_run)
    if not rows:
        result.errors.append(_("The file contains no processing activities."))
        return result
    activities, result.errors = _check_rows(rows)
    if result.errors:
        return result
    existing = _existing_activities(organisation)
    entries = _existing_entries(organisation)
    new_entries = _new_entries(activities, entries)
    for activity in activities:
        _plan(activity, existing.get(activity.reference), result)
    result.new_entries = {
        str(LIST_MODELS[relation]._meta.verbose_name_plural): [e.name for e in found.values()]
        for relation, found in new_entries.items()
        if found
    }
    result.warnings += _retention_warning(activities)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            _write(organisation, activities, existing, entries, new_entries, result)
    except IntegrityError:
        return ImportResult(
            dry_run=dry_run, errors=[_("The register was changed by someone else during the import; try again.")]
        )
    return result


def _existing_activities(organisation: Organisation) -> dict[str, ProcessingActivity]:
    if organisation.pk is None:
        return {}
    activities = ProcessingActivity.objects.filter(organisation=organisation).prefetch_related(*LIST_MODELS)
    return {activity.reference: activity for activity in activities}


def _existing_entries(organisation: Organisation) -> dict[str, dict[str, Model]]:
    """Each reference list by case-folded name; the first of two names differing only in case wins."""
    entries: dict[str, dict[str, Model]] = {relation: {} for relation in LIST_MODELS}
    if organisation.pk is None:
        return entries
    for relation, model in LIST_MODELS.items():
        for entry in model.objects.filter(organisation=organisation).order_by("pk"):
            entries[relation].setdefault(entry.name.casefold(), entry)
    return entries


def _new_entries(activities: list[_Activity], entries: dict[str, dict[str, Model]]) -> dict[str, dict[str, _Entry]]:
    """The entries the file names that the organisation lacks; the most sensitive kind seen wins."""
    new: dict[str, dict[str, _Entry]] = {relation: {} for relation in LIST_MODELS}
    for activity in activities:
        for relation, found in activity.links.items():
            for entry in found:
                key = entry.name.casefold()
                if key in entries[relation]:
                    continue
                seen = new[relation].get(key)
                if seen is None or (seen.kind == Kind.ORDINARY and entry.kind != Kind.ORDINARY):
                    new[relation][key] = _Entry(seen.name if seen else entry.name, entry.kind)
    return new


def _plan(activity: _Activity, current: ProcessingActivity | None, result: ImportResult) -> None:
    changes = [name for name, value in activity.fields.items() if current is None or getattr(current, name) != value]
    changes += [relation for relation, found in activity.links.items() if _links_differ(current, relation, found)]
    if current is None:
        action, references = ACTION_CREATED, result.created
    elif changes:
        action, references = ACTION_UPDATED, result.updated
    else:
        action, references = ACTION_UNCHANGED, result.unchanged
    references.append(activity.reference)
    result.activities.append(
        ActivityOutcome(
            reference=activity.reference,
            name=activity.fields.get("name", ""),
            group=activity.fields.get("group", current.group if current else ""),
            action=action,
            changes=[str(_label(name)) for name in changes],
        )
    )


def _links_differ(current: ProcessingActivity | None, relation: str, found: list[_Entry]) -> bool:
    linked = {entry.name.casefold() for entry in getattr(current, relation).all()} if current else set()
    return linked != {entry.name.casefold() for entry in found}


def _label(name: str):
    return ProcessingActivity._meta.get_field(name).verbose_name


def _retention_warning(activities: list[_Activity]) -> list[str]:
    count = sum(1 for activity in activities if "retention_text" in activity.fields)
    if not count:
        return []
    message = ngettext(
        "%(count)s activity has its retention period as text only; it is not enforced until retention rules are added.",
        "%(count)s activities have their retention period as text only; it is not enforced until retention rules are "
        "added.",
        count,
    )
    return [message % {"count": count}]


def _write(
    organisation: Organisation,
    activities: list[_Activity],
    existing: dict[str, ProcessingActivity],
    entries: dict[str, dict[str, Model]],
    new_entries: dict[str, dict[str, _Entry]],
    result: ImportResult,
) -> None:
    for relation, found in new_entries.items():
        if not found:
            continue
        model = LIST_MODELS[relation]
        created = bulk_create_with_history([_new_entry(model, organisation, entry) for entry in found.values()], model)
        entries[relation].update({entry.name.casefold(): entry for entry in created})
    changed = set(result.created) | set(result.updated)
    for activity in activities:
        if activity.reference in changed:
            _save_activity(organisation, activity, existing.get(activity.reference), entries)


def _new_entry(model: type[Model], organisation: Organisation, entry: _Entry) -> Model:
    if model is DataCategory:
        return DataCategory(organisation=organisation, name=entry.name, kind=entry.kind)
    return model(organisation=organisation, name=entry.name)


def _save_activity(
    organisation: Organisation,
    activity: _Activity,
    current: ProcessingActivity | None,
    entries: dict[str, dict[str, Model]],
) -> None:
    """Save with one history record for the new state, lists included, and one more for a new activity."""
    instance = current or ProcessingActivity(organisation=organisation, reference=activity.reference)
    for name, value in activity.fields.items():
        setattr(instance, name, value)
    if instance.pk is None:
        instance.save()
        if not activity.links:
            return
    instance.skip_history_when_saving = True
    try:
        for relation, found in activity.links.items():
            getattr(instance, relation).set([entries[relation][entry.name.casefold()] for entry in found])
    finally:
        del instance.skip_history_when_saving
    instance.save()


def import_file(*, organisation: Organisation | str, filename: str, content: bytes, dry_run: bool) -> ImportResult:
    """Read and import one file. A slug names the organisation, created on a real import if it is new."""
    try:
        parsed = parse_file(filename=filename, content=content)
    except ImportFileError as error:
        return ImportResult(errors=error.errors, dry_run=dry_run)
    if isinstance(organisation, str):
        organisation = Organisation.objects.filter(slug=organisation).first() or Organisation(
            slug=organisation, name=organisation.replace("-", " ").title()
        )
    with transaction.atomic():
        if organisation.pk is None and not dry_run:
            organisation.save()
        result = register_import(organisation=organisation, rows=parsed.rows, dry_run=dry_run)
        if result.errors:
            transaction.set_rollback(True)
    result.warnings[:0] = parsed.warnings
    return result
