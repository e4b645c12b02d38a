"""Export of the register (art. 30): every activity and every field, in CSV, XLSX and PDF, now and as of a day."""

import codecs
import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader
from simple_history.utils import bulk_create_with_history

from register import exporting
from register.exporting import COLUMN_KEYS, COLUMNS, parse_as_of, register_rows, to_csv, to_pdf, to_xlsx
from register.importing import parse_file, register_import
from register.models import (
    DataCategory,
    ProcessingActivity,
    Processor,
    Recipient,
    RetentionRule,
    SubjectCategory,
)
from register.roles import DPO
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 24)
Kind = DataCategory.Kind
# The columns register/importing.py reads; the others (role, DPIA, findings, ...) it reports as unknown.
IMPORTED_KEYS = [
    "reference", "group", "name", "description", "purposes", "legal_basis", "legal_basis_explanation",
    "subject_categories", "data_categories", "special_categories", "recipients", "processors", "retention",
    "security_measures", "source", "owner", "status",
]  # fmt: skip


def category(organisation, name: str, kind: str = Kind.ORDINARY) -> DataCategory:
    return DataCategory.objects.get_or_create(organisation=organisation, name=name, defaults={"kind": kind})[0]


def full_activity(organisation) -> ProcessingActivity:
    """An activity with every art. 30 field filled, and one finding: its processor has no agreement."""
    activity = ActivityFactory(
        organisation=organisation,
        complete=False,
        reference="2.10",
        group="Zorg",
        name="Cliëntdossier",
        description='Het dossier van de cliënt,\nmet "aantekeningen" van de behandelaar',
        role=ProcessingActivity.Role.PROCESSOR,
        controller_name="Gemeente Zonnedael",
        controller_contact="privacy@zonnedael.example",
        purposes="Zorg verlenen; verantwoording afleggen",
        legal_basis=ProcessingActivity.LegalBasis.CONSENT,
        legal_basis_explanation="Toestemming bij intake",
        consent_mechanism="Ondertekend intakeformulier, bewaard in het dossier",
        special_category_exception=ProcessingActivity.SpecialCategoryException.HEALTH_CARE,
        third_country_transfers="Verenigde Staten",
        transfer_safeguards="Standaardcontractbepalingen",
        source="Verwijzing door de huisarts",
        automated_decision_making=True,
        automated_decision_logic="Urgentiescore bepaalt de wachtlijstplaats",
        security_measures="Versleutelde opslag, tweestapsverificatie",
        dpia_required=True,
        dpia_done_on=date(2025, 3, 1),
        dpia_reference="DPIA-2025-01",
        owner="Teamleider zorg",
        status=ProcessingActivity.Status.ACTIVE,
        last_reviewed_on=date(2026, 1, 15),
        next_review_on=date(2027, 1, 15),
    )
    activity.subject_categories.set([SubjectCategory.objects.create(organisation=organisation, name="Cliënten")])
    name = category(organisation, "Naam")
    activity.data_categories.set(
        [
            name,
            category(organisation, "Gezondheid", Kind.SPECIAL),
            category(organisation, "Strafrechtelijke gegevens", Kind.CRIMINAL),
            category(organisation, "BSN", Kind.NATIONAL_ID),
        ]
    )
    activity.recipients.set([Recipient.objects.create(organisation=organisation, name="Zorgverzekeraar")])
    activity.processors.set([Processor.objects.create(organisation=organisation, name="Dossierleverancier")])
    rule = RetentionRule.objects.create(
        activity=activity, period=20, unit="years", action="minimise", ground="statutory", law="WGBO art. 7:454 BW"
    )
    rule.keep_categories.set([name])
    return activity


@pytest.fixture
def register(organisation):
    """A register of four: the full activity, two complete ones (one draft, one ended) and one with text only."""
    full_activity(organisation)
    ActivityFactory(organisation=organisation, reference="2.9", name="Wachtlijst", status="draft")
    ActivityFactory(organisation=organisation, reference="1.1", group="Leden", name="Ledenlijst", status="ended")
    ActivityFactory(
        organisation=organisation,
        complete=False,
        reference="3.1",
        group="Website",
        name="Nieuwsbrief",
        legal_basis=ProcessingActivity.LegalBasis.LEGITIMATE_INTERESTS,
        retention_text="Tot afmelding",
    )
    return organisation


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def rows_of(organisation, as_of=None) -> list[dict]:
    return register_rows(organisation=organisation, as_of=as_of, today=TODAY)


# Rows


def test_rows_hold_every_field_of_the_full_activity(register):
    rows = rows_of(register)
    assert [row["reference"] for row in rows] == ["1.1", "2.9", "2.10", "3.1"]  # 2.9 before 2.10
    full = rows[2]
    assert set(full) == set(COLUMN_KEYS)
    assert all(full[key] not in ("", None) for key in COLUMN_KEYS), [k for k in COLUMN_KEYS if not full[k]]
    assert full["data_categories"] == "BSN; Gezondheid; Naam; Strafrechtelijke gegevens"
    assert full["special_categories"] == "Gezondheid"
    assert full["criminal_data"] == "Strafrechtelijke gegevens"
    assert full["national_id"] == "BSN"
    assert full["controller_name"] == "Gemeente Zonnedael"
    assert full["dpia_done_on"] == date(2025, 3, 1)
    assert full["findings"] == "een verwerker zonder geldige verwerkersovereenkomst"


def test_retention_is_the_rules_in_words_else_the_text_marked_as_not_enforced(register):
    with translation.override("en"):
        full, text_only = rows_of(register)[2:]
    assert full["retention"] == (
        "20 years after end of the relation, then minimise to the categories kept (Naam); "
        "statutory (WGBO art. 7:454 BW)"
    )
    assert full["retention_enforced"] == "yes"
    assert (text_only["retention"], text_only["retention_enforced"]) == ("Tot afmelding", "no")
    assert "no enforceable retention rule" in text_only["findings"]


def test_current_register_takes_seven_queries_for_300_activities(organisation, django_assert_num_queries):
    many_activities(organisation, 300)
    with django_assert_num_queries(7):
        # 1 activities with findings, 4 linked lists, 1 retention rules, 1 categories they keep
        rows = rows_of(organisation)
    assert len(rows) == 300
    assert (rows[0]["data_categories"], rows[0]["recipients"], rows[0]["processors"]) == (
        "Gezondheid",
        "Belastingdienst",
        "Hoster",
    )


def test_register_as_of_takes_a_fixed_number_of_queries_for_300_activities(organisation, django_assert_num_queries):
    many_activities(organisation, 300)
    with django_assert_num_queries(11):
        # 1 activities as of; 4 historical link tables; 1 retention rules as of, 1 the categories they keep;
        # the linked entries as of: 1 data categories, 1 subject categories, 1 recipients, 1 processors
        rows = rows_of(organisation, as_of=timezone.localdate())
    assert len(rows) == 300
    assert (rows[0]["data_categories"], rows[0]["recipients"], rows[0]["processors"]) == (
        "Gezondheid",
        "Belastingdienst",
        "Hoster",
    )


def many_activities(organisation, count: int) -> None:
    """`count` activities with history, each linked to one entry of every list, and with a retention rule."""
    data = DataCategory.objects.create(organisation=organisation, name="Gezondheid", kind=Kind.SPECIAL)
    subjects = SubjectCategory.objects.create(organisation=organisation, name="Cliënten")
    recipient = Recipient.objects.create(organisation=organisation, name="Belastingdienst")
    processor = Processor.objects.create(organisation=organisation, name="Hoster")
    activities = bulk_create_with_history(
        [
            ProcessingActivity(organisation=organisation, reference=f"{n // 100}.{n % 100}", name=f"Verwerking {n}")
            for n in range(count)
        ],
        ProcessingActivity,
    )
    records = {r.id: r for r in ProcessingActivity.history.filter(organisation_id=organisation.pk)}
    lists = {"data_categories": data, "subject_categories": subjects, "recipients": recipient, "processors": processor}
    for field, target in lists.items():
        column = f"{target._meta.model_name}_id"
        through = getattr(ProcessingActivity, field).through
        links = through.objects.bulk_create(
            through(processingactivity_id=a.pk, **{column: target.pk}) for a in activities
        )
        historical = getattr(ProcessingActivity.history.model, field).model
        historical.objects.bulk_create(
            historical(
                id=link.pk,
                history=records[link.processingactivity_id],
                processingactivity_id=link.processingactivity_id,
                **{column: target.pk},
            )
            for link in links
        )
    bulk_create_with_history([RetentionRule(activity=a, period=1) for a in activities], RetentionRule)


# As of an earlier day


def at(day: date, hour: int, minute: int = 0, second: int = 0):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=AMSTERDAM))


def test_register_as_of_a_day_shows_names_and_categories_as_they_stood_at_its_end(organisation):
    day = date(2026, 3, 1)
    with at(day, 9):
        activity = ActivityFactory(organisation=organisation, complete=False, reference="1.1", name="Ledenlijst")
        ended = ActivityFactory(organisation=organisation, complete=False, reference="1.2", name="Oude lijst")
        activity.data_categories.set([category(organisation, "Naam"), category(organisation, "Adres")])
    with at(day, 23, 59, 59):
        activity.recipients.set([Recipient.objects.create(organisation=organisation, name="Drukker")])
    with at(day + timedelta(days=1), 0):  # the first moment of the next day
        activity.name = "Ledenadministratie"
        activity.save()
        activity.data_categories.remove(category(organisation, "Adres"))
        activity.data_categories.add(category(organisation, "E-mailadres"))
        renamed = category(organisation, "Naam")
        renamed.name = "Volledige naam"
        renamed.save()
        RetentionRule.objects.create(activity=activity, period=1)
        ended.delete()
        ActivityFactory(organisation=organisation, complete=False, reference="1.3", name="Nieuw")

    then = rows_of(organisation, as_of=day)
    assert [(r["reference"], r["name"]) for r in then] == [("1.1", "Ledenlijst"), ("1.2", "Oude lijst")]
    assert then[0]["data_categories"] == "Adres; Naam"
    assert then[0]["recipients"] == "Drukker"
    assert (then[0]["retention_enforced"], then[0]["findings"]) == (translation.gettext("no"), "")

    now = rows_of(organisation)
    assert [(r["reference"], r["name"]) for r in now] == [("1.1", "Ledenadministratie"), ("1.3", "Nieuw")]
    assert now[0]["data_categories"] == "E-mailadres; Volledige naam"
    assert then == rows_of(organisation, as_of=day)  # nothing after the day changes it


def test_as_of_before_the_register_existed_is_empty(register):
    assert rows_of(register, as_of=date(2000, 1, 1)) == []


# CSV


def test_csv_has_a_header_of_labels_and_a_row_per_activity_with_every_column(register):
    content = to_csv(rows_of(register))
    assert content.startswith(codecs.BOM_UTF8)
    header, *body = csv_rows(content)
    assert header == [str(column.label) for column in COLUMNS]
    assert [cells[0] for cells in body] == ["1.1", "2.9", "2.10", "3.1"]
    full = dict(zip(COLUMN_KEYS, body[2], strict=True))
    assert all(full.values())
    assert full["description"] == 'Het dossier van de cliënt,\nmet "aantekeningen" van de behandelaar'
    assert full["dpia_done_on"] == "2025-03-01"


def test_csv_header_follows_the_language():
    with translation.override("nl"):
        nl = to_csv([])
    with translation.override("en"):
        en = to_csv([])
    assert csv_rows(nl)[0][1] == "Groep"
    assert csv_rows(en)[0][:3] == ["Reference", "Group", "Processing activity"]


def test_csv_cells_that_look_like_formulas_are_kept_as_text():
    row = {key: "" for key in COLUMN_KEYS} | {"purposes": '=HYPERLINK("http://x")', "description": "- leden"}
    cells = dict(zip(COLUMN_KEYS, csv_rows(to_csv([row]))[1], strict=True))
    assert cells["purposes"] == '\'=HYPERLINK("http://x")'
    assert cells["description"] == "- leden"  # a bullet is no formula


# XLSX


def test_xlsx_has_a_bold_frozen_header_and_every_activity_and_column(register):
    sheet = load_workbook(io.BytesIO(to_xlsx(rows_of(register)))).active
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == [str(column.label) for column in COLUMNS]
    assert [cells[0] for cells in body] == ["1.1", "2.9", "2.10", "3.1"]
    full = dict(zip(COLUMN_KEYS, body[2], strict=True))
    assert all(value not in (None, "") for value in full.values())
    assert full["dpia_done_on"].date() == date(2025, 3, 1)  # a date cell, not text
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["D2"].alignment.wrap_text
    assert 10 <= sheet.column_dimensions["A"].width <= sheet.column_dimensions["D"].width <= 60


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text():
    row = {key: "" for key in COLUMN_KEYS} | {"purposes": "=1+1"}
    sheet = load_workbook(io.BytesIO(to_xlsx([row]))).active
    cell = sheet.cell(row=2, column=COLUMN_KEYS.index("purposes") + 1)
    assert (cell.value, cell.data_type) == ("=1+1", "s")


# Export, import into a fresh organisation, export again


@pytest.mark.parametrize(("fmt", "render"), [("csv", to_csv), ("xlsx", to_xlsx)])
def test_an_export_imports_into_a_fresh_organisation_without_loss(register, fmt, render):
    exported = rows_of(register)
    parsed = parse_file(filename=f"register.{fmt}", content=render(exported))
    assert all("Unknown column" in warning or "onbekende kolom" in warning.lower() for warning in parsed.warnings)
    fresh = OrganisationFactory()
    result = register_import(organisation=fresh, rows=parsed.rows, dry_run=False)
    assert result.ok, result.errors
    assert sorted(result.created) == sorted(row["reference"] for row in exported)

    def known(rows):
        return [{key: row[key] for key in IMPORTED_KEYS} for row in rows]

    assert known(rows_of(fresh)) == known(exported)
    kinds = dict(DataCategory.objects.filter(organisation=fresh).values_list("name", "kind"))
    assert kinds == {"BSN": Kind.NATIONAL_ID, "Gezondheid": Kind.SPECIAL, "Naam": Kind.ORDINARY,
                     "Strafrechtelijke gegevens": Kind.CRIMINAL}  # fmt: skip


# PDF


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_pdf_lists_the_organisation_and_every_activity_with_page_numbers(register):
    register.kvk_number = "12345678"
    register.save()
    with translation.override("en"):
        content = to_pdf(organisation=register, rows=rows_of(register), as_of=None, generated_at=timezone.now())
    text, pages = pdf_text(content)
    assert content.startswith(b"%PDF")
    assert register.name in text and "12345678" in text and register.dpo_email in text
    for reference, name in [
        ("1.1", "Ledenlijst"),
        ("2.9", "Wachtlijst"),
        ("2.10", "Cliëntdossier"),
        ("3.1", "Nieuwsbrief"),
    ]:
        assert f"{reference} {name}" in text
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "WGBO art. 7:454 BW" in text and "Gemeente Zonnedael" in text


def test_pdf_as_of_a_day_says_so_and_counts_the_changes_up_to_then(organisation):
    with at(date(2026, 3, 1), 9):
        ActivityFactory(organisation=organisation, complete=False, reference="1.1", name="Ledenlijst")
    with at(date(2026, 3, 2), 9):
        ActivityFactory(organisation=organisation, complete=False, reference="1.2", name="Later")
    day = date(2026, 3, 1)
    with translation.override("en"):
        content = to_pdf(
            organisation=organisation, rows=rows_of(organisation, day), as_of=day, generated_at=timezone.now()
        )
    text, _pages = pdf_text(content)
    assert "the end of 1 March 2026" in text
    assert "1 recorded change, the last on 1 March 2026, 09:00" in text
    assert "1.1 Ledenlijst" in text and "Later" not in text


def test_pdf_of_an_empty_register_says_it_is_empty(organisation):
    with translation.override("en"):
        content = to_pdf(organisation=organisation, rows=[], as_of=None, generated_at=timezone.now())
    assert "The register holds no processing activities." in pdf_text(content)[0]


def test_pdf_shows_markup_and_quotes_from_the_register_as_text(organisation):
    organisation.name = 'Stichting "Thuis" </style>'
    row = {key: "" for key in COLUMN_KEYS} | {"reference": "1", "name": '<img src="http://example.com/x.png">'}
    text, pages = pdf_text(to_pdf(organisation=organisation, rows=[row], as_of=None, generated_at=timezone.now()))
    assert '1 <img src="http://example.com/x.png">' in text
    assert text.count('Stichting "Thuis" </style>') == pages  # on the title page, then in each running head


# The date a person gives


@pytest.mark.parametrize("text", ["2026-11-24", " 2026-01-31 ", "2000-02-29"])
def test_as_of_accepts_a_day_until_today(text):
    assert parse_as_of(text, TODAY) == date.fromisoformat(text.strip())


@pytest.mark.parametrize("text", ["2026-11-25", "2026-02-30", "24-11-2026", "20261124", "gisteren", ""])
def test_as_of_refuses_a_future_or_malformed_day(text):
    with pytest.raises(ValueError, match=r"YYYY-MM-DD|toekomst"):
        parse_as_of(text, TODAY)


# Management command


def test_command_writes_csv_to_stdout(register):
    out = io.StringIO()
    call_command("export_register", "--organisation", register.slug, "--format", "csv", stdout=out)
    header, *body = csv_rows(out.getvalue().encode("utf-8"))
    assert header == [str(column.label) for column in COLUMNS]
    assert len(body) == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_command_writes_each_format_to_a_file(register, tmp_path, fmt):
    target = tmp_path / f"register.{fmt}"
    call_command("export_register", "--organisation", register.slug, "--format", fmt, "-o", str(target))
    content = target.read_bytes()
    assert content.startswith({"csv": codecs.BOM_UTF8, "xlsx": b"PK\x03\x04", "pdf": b"%PDF"}[fmt])


def test_command_exports_as_of_a_day(organisation, tmp_path):
    with at(date(2026, 3, 1), 9):
        ActivityFactory(organisation=organisation, complete=False, reference="1.1", name="Ledenlijst")
    activity = ProcessingActivity.objects.get()
    activity.name = "Ledenadministratie"
    activity.save()
    target = tmp_path / "register.csv"
    call_command(
        "export_register", "--organisation", organisation.slug, "--format", "csv", "--as-of", "2026-03-01",
        "-o", str(target),
    )  # fmt: skip
    assert csv_rows(target.read_bytes())[1][2] == "Ledenlijst"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organisation", "bestaat-niet", "--format", "csv"], "bestaat-niet"),
        (["--format", "csv", "--as-of", "2026-02-30"], "YYYY-MM-DD"),
        (["--format", "csv", "--as-of", "2999-01-01"], "2999-01-01"),
        (["--format", "xlsx"], "-o FILE"),
        (["--format", "pdf"], "-o FILE"),
    ],
)
def test_command_refuses_with_a_clear_message(organisation, arguments, message):
    if "--organisation" not in arguments:
        arguments = ["--organisation", organisation.slug, *arguments]
    with pytest.raises(CommandError, match=message):
        call_command("export_register", *arguments, stdout=io.StringIO())


# Admin download


def export_url(fmt: str) -> str:
    return reverse("admin:register_processingactivity_export", kwargs={"fmt": fmt})


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("csv", "text/csv; charset=utf-8"), ("xlsx", exporting.XLSX_CONTENT_TYPE), ("pdf", "application/pdf")],
)
def test_a_member_downloads_the_register(login, register, fmt, content_type):
    client = login(UserFactory(role=DPO, member_of=[register]))
    response = client.get(export_url(fmt), {"organisation": register.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    filename = f"verwerkingsregister-{register.slug}-{timezone.localdate().isoformat()}.{fmt}"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_a_member_of_one_organisation_may_leave_it_out_and_ask_for_a_day(login, register):
    client = login(UserFactory(role=DPO, member_of=[register]))
    response = client.get(export_url("csv"), {"as_of": "2026-01-31"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'verwerkingsregister-{register.slug}-2026-01-31.csv"')


def test_another_organisations_register_is_not_found(login, register):
    client = login(UserFactory(role=DPO, member_of=[OrganisationFactory()]))
    assert client.get(export_url("csv"), {"organisation": register.pk}).status_code == 404
    assert client.get(export_url("csv"), {"organisation": "999999"}).status_code == 404
    assert client.get(export_url("csv"), {"organisation": "x"}).status_code == 404


def test_without_the_view_permission_the_download_is_forbidden(login, register):
    client = login(UserFactory(member_of=[register]))
    assert client.get(export_url("csv"), {"organisation": register.pk}).status_code == 403


@pytest.mark.parametrize("as_of", ["31-01-2026", "2999-01-01"])
def test_a_bad_day_is_a_bad_request_with_the_reason(login, register, as_of):
    client = login(UserFactory(role=DPO, member_of=[register]))
    response = client.get(export_url("csv"), {"organisation": register.pk, "as_of": as_of})
    assert response.status_code == 400
    assert as_of in response.content.decode()


def test_a_user_of_several_organisations_must_choose_one(login, register):
    client = login(UserFactory(role=DPO, member_of=[register, OrganisationFactory()]))
    assert client.get(export_url("csv")).status_code == 400


def test_an_unknown_format_is_not_found(login, register):
    client = login(UserFactory(role=DPO, member_of=[register]))
    assert client.get(export_url("docx"), {"organisation": register.pk}).status_code == 404


def test_two_records_of_the_same_instant_give_one_row(organisation):
    # Saving an activity and then its lists writes two history records; a coarse clock gives them one timestamp.
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=AMSTERDAM), tick=False):
        activity = ActivityFactory(organisation=organisation, complete=False, reference="1.1")
        activity.data_categories.set([category(organisation, "Naam")])
    assert ProcessingActivity.history.filter(id=activity.pk).values("history_date").distinct().count() == 1
    [row] = rows_of(organisation, as_of=date(2026, 3, 1))
    assert row["data_categories"] == "Naam"
