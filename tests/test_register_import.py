"""Import of the register: the seed's tab layout, CSV and Excel; all or nothing; a second import changes nothing."""

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from register.demo import DEMO_SLUG, demo_populate
from register.importing import ImportResult, import_file, legal_basis_from_text, parse_file, register_import
from register.models import (
    DataCategory,
    Organisation,
    ProcessingActivity,
    Processor,
    Recipient,
    RetentionRule,
    SubjectCategory,
)
from register.roles import BOARD, DPO
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory
from tests.processes import manage, project_env

pytestmark = pytest.mark.django_db

SEED = Path("/work/shared/seeds/000_9a685496ca15b69e.txt")
SAMPLES = Path(__file__).resolve().parent.parent / "register" / "samples"
IMPORT_URL = "/admin/register/processingactivity/import/"
Basis = ProcessingActivity.LegalBasis
Kind = DataCategory.Kind

REGISTER_MODELS = [Organisation, ProcessingActivity, DataCategory, SubjectCategory, Recipient, Processor, RetentionRule]
THROUGH_MODELS = [
    getattr(ProcessingActivity, relation).through
    for relation in ("subject_categories", "data_categories", "recipients", "processors")
]


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever the Dutch catalogue says by then."""
    with translation.override("en"):
        yield


def row_counts() -> dict[str, int]:
    """Rows in every register table, its history table and the links between activities and lists."""
    models = REGISTER_MODELS + [m.history.model for m in REGISTER_MODELS] + THROUGH_MODELS
    return {model._meta.label: model.objects.count() for model in models}


def csv_bytes(rows: list[list[str]], delimiter: str = ";", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(organisation, content: bytes, filename: str = "register.csv", dry_run: bool = False) -> ImportResult:
    return import_file(organisation=organisation, filename=filename, content=content, dry_run=dry_run)


def names(activity: ProcessingActivity, relation: str) -> set[str]:
    return {entry.name for entry in getattr(activity, relation).all()}


# The seed's register layout


@pytest.mark.skipif(not SEED.exists(), reason=f"the seed register {SEED} is not on this machine")
def test_the_real_seed_register_imports_20_activities_in_5_groups(organisation):
    result = run(organisation, SEED.read_bytes(), filename=SEED.name)

    assert result.ok, result.errors
    assert result.warnings == []
    activities = ProcessingActivity.objects.filter(organisation=organisation)
    assert len(result.created) == activities.count() == 20
    assert Counter(activities.values_list("group", flat=True)) == {
        "Zakelijke relaties": 6,
        "Bezoekregistratie": 2,
        "Innovatieprojecten": 1,
        "Buurkracht": 6,
        "Website en sociale media": 5,
    }
    assert Counter(activities.values_list("legal_basis", flat=True)) == {
        Basis.CONSENT: 10,
        Basis.LEGITIMATE_INTERESTS: 10,
    }
    last = activities.get(reference="5.5")
    assert (last.name, last.group, last.legal_basis) == ("LinkedIn", "Website en sociale media", Basis.CONSENT)
    assert (
        activities.get(reference="1.1").description == "Persoonsgegevens van zakelijke relaties zoals contactgegevens"
    )


LAYOUT = (
    "\r\n\tVerwerking\tOmschrijving\tGrondslag\r\n"
    "1.\tLeden\t\t\r\n"
    "1.1\tLedenadministratie\tWie lid is\tUitvoering overeenkomst\r\n"
    "1.2\tNieuwsbrief\t\tToestemming\t\t\r\n"
    "\r\n"
    "2. Website en sociale media\r\n"
    "2.1\tCookies\tBezoek meten\tToestemming"
)


@pytest.mark.parametrize("filename", ["register.txt", "register.csv", "register"])
def test_the_layout_reads_headings_header_trailing_tabs_and_a_last_line_without_newline(filename):
    parsed = parse_file(filename=filename, content=LAYOUT.encode())

    assert [(row.line, row.values["reference"], row.values["group"]) for row in parsed.rows] == [
        (4, "1.1", "Leden"),
        (5, "1.2", "Leden"),
        (8, "2.1", "Website en sociale media"),
    ]
    assert parsed.rows[1].values == {
        "reference": "1.2",
        "name": "Nieuwsbrief",
        "description": "",
        "legal_basis": "Toestemming",
        "group": "Leden",
    }
    assert parsed.warnings == []


def test_a_layout_value_outside_the_columns_and_a_stray_line_are_reported_not_dropped():
    content = b"Register 2026\n1.\tLeden\n1.1\tLedenadministratie\tWie lid is\tOvereenkomst\tzie map L\n"

    parsed = parse_file(filename="register.txt", content=content)

    assert len(parsed.rows) == 1
    assert any("Line 1" in w and "Register 2026" in w for w in parsed.warnings)
    assert any("Line 3" in w and "zie map L" in w for w in parsed.warnings)


# CSV and Excel


def test_the_sample_csv_and_xlsx_hold_the_same_register():
    from_csv, from_xlsx = OrganisationFactory(), OrganisationFactory()

    csv_result = run(from_csv, (SAMPLES / "register.csv").read_bytes(), "register.csv")
    xlsx_result = run(from_xlsx, (SAMPLES / "register.xlsx").read_bytes(), "register.xlsx")

    assert csv_result.ok and xlsx_result.ok, (csv_result.errors, xlsx_result.errors)
    assert csv_result.created == xlsx_result.created == ["1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2"]
    for reference in csv_result.created:
        a = ProcessingActivity.objects.get(organisation=from_csv, reference=reference)
        b = ProcessingActivity.objects.get(organisation=from_xlsx, reference=reference)
        for field in ("group", "name", "description", "purposes", "legal_basis", "legal_basis_explanation"):
            assert getattr(a, field) == getattr(b, field)
        for relation in ("subject_categories", "data_categories", "recipients", "processors"):
            assert names(a, relation) == names(b, relation)


def test_the_sample_csv_fills_every_column(organisation):
    run(organisation, (SAMPLES / "register.csv").read_bytes())

    members = ProcessingActivity.objects.get(organisation=organisation, reference="1.1")
    assert members.group == "Leden"
    assert members.legal_basis == Basis.CONTRACT
    assert members.owner == "Secretaris"
    assert members.status == ProcessingActivity.Status.ACTIVE
    assert members.retention_text == "Tot 2 jaar na het einde van het lidmaatschap"
    assert names(members, "data_categories") == {"Naam", "Adres", "E-mailadres", "Telefoonnummer", "Geboortedatum"}
    assert names(members, "processors") == {"Ledenbeheer Online B.V."}
    newsletter = ProcessingActivity.objects.get(organisation=organisation, reference="1.3")
    assert names(newsletter, "subject_categories") == {"Leden", "Belangstellenden"}
    assert newsletter.legal_basis == Basis.CONSENT
    complaints = ProcessingActivity.objects.get(organisation=organisation, reference="4.2")
    assert complaints.source == "Melding door de klager"
    assert not RetentionRule.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        ["Nummer", "Naam verwerking", "Categorieën betrokkenen", "Grondslag", "Groep"],
        ["NUMMER", " naam-verwerking ", "categorieen BETROKKENEN", "grondslag:", "GROEP"],
        ["Referentie", "Naam_Verwerking", "Categorieën  betrokkenen", "GRONDSLAG", "groep"],
        ["Reference", "Name", "Data subjects", "Legal basis", "Group"],
        ["reference", "NAME", "data-subjects", "Legal Basis", "group"],
    ],
)
def test_headers_match_without_regard_to_case_accents_spacing_or_language(organisation, header):
    result = run(organisation, csv_bytes([header, ["1.1", "Ledenadministratie", "Leden", "Overeenkomst", "Leden"]]))

    assert result.ok, result.errors
    assert result.warnings == []
    activity = ProcessingActivity.objects.get(organisation=organisation, reference="1.1")
    assert (activity.name, activity.group, activity.legal_basis) == ("Ledenadministratie", "Leden", Basis.CONTRACT)
    assert names(activity, "subject_categories") == {"Leden"}


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("bom", [True, False])
def test_csv_with_semicolons_or_commas_with_or_without_bom(organisation, delimiter, bom):
    content = csv_bytes(
        [
            ["Nummer", "Naam", "Categorieën persoonsgegevens", "Grondslag"],
            ["1.1", "Ledenadministratie", "Naam, adres; e-mailadres", "Overeenkomst"],
        ],
        delimiter=delimiter,
        bom=bom,
    )

    result = run(organisation, content)

    assert result.ok, result.errors
    activity = ProcessingActivity.objects.get(organisation=organisation, reference="1.1")
    assert activity.name == "Ledenadministratie"
    assert names(activity, "data_categories") == {"Naam", "Adres", "E-mailadres"}


def test_excel_with_english_headers_numbers_as_references_and_a_title_row(organisation):
    content = xlsx_bytes(
        [
            ["Processing register 2026"],
            ["Number", "Name", "Purposes", "Legal basis", "Special categories", "Status"],
            [1.1, "Member administration", "Keeping track of members", "6(1)(b)", "Health", "ended"],
            [2, "Newsletter", None, "Consent", None, "Draft"],
        ]
    )

    result = run(organisation, content, filename="register.xlsx")

    assert result.ok, result.errors
    assert result.created == ["1.1", "2"]
    assert any("Line 1" in w for w in result.warnings)
    first = ProcessingActivity.objects.get(organisation=organisation, reference="1.1")
    assert (first.legal_basis, first.status) == (Basis.CONTRACT, ProcessingActivity.Status.ENDED)
    assert first.data_categories.get().kind == Kind.SPECIAL
    second = ProcessingActivity.objects.get(organisation=organisation, reference="2")
    assert (second.purposes, second.status) == ("", ProcessingActivity.Status.DRAFT)


def test_an_unknown_column_is_a_warning_and_its_values_are_not_imported(organisation):
    content = csv_bytes([["Nummer", "Naam", "Afdeling"], ["1.1", "Ledenadministratie", "Secretariaat"]])

    result = run(organisation, content)

    assert result.ok
    assert result.warnings == ["Unknown column “Afdeling”; its values are not imported."]


def test_a_utf16_text_export_from_excel_is_read(organisation):
    content = "Nummer\tNaam\tGrondslag\r\n1.1\tLedenadministratie\tOvereenkomst\r\n".encode("utf-16")

    result = run(organisation, content, filename="register.txt")

    assert result.ok, result.errors
    assert result.created == ["1.1"]


# Legal bases


@pytest.mark.parametrize(
    ("text", "basis"),
    [
        ("Toestemming", Basis.CONSENT),
        ("Consent", Basis.CONSENT),
        ("Overeenkomst", Basis.CONTRACT),
        ("Uitvoering overeenkomst", Basis.CONTRACT),
        ("Contract", Basis.CONTRACT),
        ("Wettelijke verplichting", Basis.LEGAL_OBLIGATION),
        ("Legal obligation", Basis.LEGAL_OBLIGATION),
        ("Vitaal belang", Basis.VITAL_INTERESTS),
        ("Vital interests", Basis.VITAL_INTERESTS),
        ("Algemeen belang", Basis.PUBLIC_TASK),
        ("Publieke taak", Basis.PUBLIC_TASK),
        ("Public task", Basis.PUBLIC_TASK),
        ("Gerechtvaardigd belang", Basis.LEGITIMATE_INTERESTS),
        ("GERECHTVAARDIGD BELANG", Basis.LEGITIMATE_INTERESTS),
        ("Legitimate interest", Basis.LEGITIMATE_INTERESTS),
        ("Legitimate interests", Basis.LEGITIMATE_INTERESTS),
        ("art. 6 lid 1 sub a", Basis.CONSENT),
        ("Art. 6 lid 1 sub f AVG", Basis.LEGITIMATE_INTERESTS),
        ("artikel 6, eerste lid, onder c", Basis.LEGAL_OBLIGATION),
        ("6(1)(a)", Basis.CONSENT),
        ("6(1)(e)", Basis.PUBLIC_TASK),
        ("Toestemming (art. 6 lid 1 sub a)", Basis.CONSENT),
        ("Wettelíjke verplíchting", Basis.LEGAL_OBLIGATION),
    ],
)
def test_legal_bases_in_dutch_english_or_as_article(text, basis):
    assert legal_basis_from_text(text) == {basis}


# Bad files: an error naming the line, and nothing written


BAD_FILES = [
    pytest.param("register.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text, CSV or Excel file", id="binary"),
    pytest.param(
        "register.csv",
        "Nummer;Naam\n1.1;Ledenadministratie\n1.2;Categorieën\n".encode("latin-1"),
        "Line 3: the file is not encoded as UTF-8",
        id="latin-1",
    ),
    pytest.param(
        "register.csv",
        b"Nummer;Naam;Grondslag\n1.1;Ledenadministratie;Overeenkomst\n1.2;Nieuwsbrief;Omdat het kan\n",
        "Line 3: unknown legal basis “Omdat het kan”.",
        id="unknown-basis",
    ),
    pytest.param(
        "register.txt",
        b"1.\tLeden\n1.1\tLedenadministratie\t\tOvereenkomst\n1.1\tNieuwsbrief\t\tToestemming",
        "Line 3: reference “1.1” is already used on line 2.",
        id="duplicate-reference",
    ),
    pytest.param("register.csv", b"", "The file is empty.", id="empty"),
    pytest.param("register.csv", b"  \r\n", "The file is empty.", id="blank"),
    pytest.param("register.csv", b"Nummer;Naam\r\n", "The file contains no processing activities.", id="no-rows"),
    pytest.param(
        "register.csv",
        b"Naam;Grondslag\nLedenadministratie;Overeenkomst\n",
        "Line 1: the column for the reference is missing",
        id="no-reference-column",
    ),
    pytest.param(
        "register.csv",
        b"Nummer;Grondslag\n1.1;Overeenkomst\n",
        "Line 1: the column for the name is missing",
        id="no-name-column",
    ),
    pytest.param("register.csv", b"Nummer;Naam\n1.1;\n", "Line 2: the name is empty.", id="empty-name"),
    pytest.param("register.xlsx", b"Nummer;Naam\n1.1;x\n", "The Excel file cannot be read", id="not-excel"),
]


@pytest.mark.parametrize(("filename", "content", "message"), BAD_FILES)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_bad_file_is_refused_whole_with_the_line_named(organisation, filename, content, message, dry_run):
    existing = ActivityFactory(organisation=organisation, reference="1.1", name="Zoals het was")
    before = row_counts()

    result = run(organisation, content, filename=filename, dry_run=dry_run)

    assert not result.ok
    assert any(message in error for error in result.errors), result.errors
    assert result.created == result.updated == []
    assert row_counts() == before
    existing.refresh_from_db()
    assert existing.name == "Zoals het was"


def test_a_bad_file_for_a_new_organisation_creates_no_organisation(db):
    before = row_counts()

    result = run("nieuw", b"Nummer;Naam\n1.1;A\n1.1;B\n")

    assert not result.ok
    assert row_counts() == before


def test_every_error_of_the_file_is_reported_at_once(organisation):
    content = "Nummer;Naam;Grondslag\n1.1;;Overeenkomst\n1.2;Nieuwsbrief;Misschien\n1.2;Website;Toestemming\n"

    result = run(organisation, content.encode())

    assert [error.split(":")[0] for error in result.errors] == ["Line 2", "Line 3", "Line 4"]


def test_a_cell_naming_two_legal_bases_is_an_error(organisation):
    result = run(organisation, b"Nummer;Naam;Grondslag\n1.1;Leden;Overeenkomst en wettelijke verplichting\n")

    assert result.errors == [
        "Line 2: “Overeenkomst en wettelijke verplichting” names more than one legal basis; "
        "the register holds one per activity."
    ]


# Updating: by reference, only what the file holds, and a second import changes nothing


def test_importing_the_same_file_again_changes_nothing(organisation):
    content = (SAMPLES / "register.csv").read_bytes()
    first = run(organisation, content)
    before = row_counts()

    second = run(organisation, content)

    assert first.created and not first.unchanged
    assert (second.created, second.updated) == ([], [])
    assert second.unchanged == first.created
    assert {outcome.action for outcome in second.activities} == {"unchanged"}
    assert row_counts() == before


def test_an_update_changes_only_what_the_file_holds_and_keeps_one_history_record(organisation):
    activity = ActivityFactory(organisation=organisation, reference="1.1", purposes="Leden bijhouden")
    history = activity.history.count()
    content = csv_bytes([["Nummer", "Naam", "Omschrijving"], ["1.1", "Ledenregister", "Wie lid is"]])

    result = run(organisation, content)

    assert result.updated == ["1.1"]
    assert result.activities[0].changes == ["name", "description"]
    activity.refresh_from_db()
    assert (activity.name, activity.description) == ("Ledenregister", "Wie lid is")
    assert activity.purposes == "Leden bijhouden"
    assert activity.legal_basis == Basis.CONTRACT
    assert names(activity, "data_categories") == {"Naam"}
    assert activity.history.count() == history + 1


def test_an_empty_cell_keeps_what_the_register_holds(organisation):
    activity = ActivityFactory(organisation=organisation, reference="1.1", name="Leden", purposes="Leden bijhouden")
    content = csv_bytes([["Nummer", "Naam", "Doelen", "Categorieën persoonsgegevens"], ["1.1", "Leden", "", ""]])

    result = run(organisation, content)

    assert result.unchanged == ["1.1"]
    activity.refresh_from_db()
    assert activity.purposes == "Leden bijhouden"
    assert names(activity, "data_categories") == {"Naam"}


def test_a_list_in_a_cell_replaces_the_links_of_that_relation(organisation):
    activity = ActivityFactory(organisation=organisation, reference="1.1", name="Leden")
    content = csv_bytes([["Nummer", "Naam", "Persoonsgegevens"], ["1.1", "Leden", "E-mailadres"]])

    result = run(organisation, content)

    assert result.activities[0].changes == ["categories of personal data"]
    assert names(activity, "data_categories") == {"E-mailadres"}
    assert DataCategory.objects.filter(organisation=organisation, name="Naam").exists()


def test_lists_become_reference_entries_reused_across_rows_and_imports(organisation):
    DataCategory.objects.create(organisation=organisation, name="E-mailadres")
    other = OrganisationFactory()
    DataCategory.objects.create(organisation=other, name="Naam")
    content = csv_bytes(
        [
            ["Nummer", "Naam", "Persoonsgegevens", "Betrokkenen", "Ontvangers", "Verwerkers"],
            ["1.1", "Leden", "Naam, e-mailadres en adres", "Leden", "Bestuur", "Hoster B.V."],
            ["1.2", "Nieuwsbrief", "naam\nE-MAILADRES", "Leden; Belangstellenden", "", "hoster b.v."],
        ]
    )

    result = run(organisation, content)

    assert result.new_entries["categories of personal data"] == ["Naam", "Adres"]
    assert sorted(DataCategory.objects.filter(organisation=organisation).values_list("name", flat=True)) == [
        "Adres",
        "E-mailadres",
        "Naam",
    ]
    assert SubjectCategory.objects.filter(organisation=organisation).count() == 2
    assert Recipient.objects.filter(organisation=organisation).count() == 1
    assert Processor.objects.filter(organisation=organisation).get().name == "Hoster B.V."
    newsletter = ProcessingActivity.objects.get(organisation=organisation, reference="1.2")
    assert names(newsletter, "data_categories") == {"Naam", "E-mailadres"}
    assert DataCategory.objects.filter(organisation=other).count() == 1


def test_special_categories_are_recognised_by_column_and_by_name(organisation):
    content = csv_bytes(
        [
            ["Nummer", "Naam", "Categorieën persoonsgegevens", "Bijzondere persoonsgegevens"],
            [
                "1.1",
                "Cliëntdossier",
                "Naam, BSN, gezondheidsgegevens, strafrechtelijke gegevens, etnische afkomst, lidmaatschap vakbond",
                "Dieetwensen",
            ],
            ["1.2", "Intake", "Religie of levensovertuiging; Biometrische gegevens; Seksuele gerichtheid", "Naam"],
        ]
    )

    result = run(organisation, content)

    assert result.ok, result.errors
    kinds = dict(DataCategory.objects.filter(organisation=organisation).values_list("name", "kind"))
    assert kinds == {
        "Naam": Kind.SPECIAL,
        "BSN": Kind.NATIONAL_ID,
        "Gezondheidsgegevens": Kind.SPECIAL,
        "Strafrechtelijke gegevens": Kind.CRIMINAL,
        "Etnische afkomst": Kind.SPECIAL,
        "Lidmaatschap vakbond": Kind.SPECIAL,
        "Dieetwensen": Kind.SPECIAL,
        "Religie of levensovertuiging": Kind.SPECIAL,
        "Biometrische gegevens": Kind.SPECIAL,
        "Seksuele gerichtheid": Kind.SPECIAL,
    }


def test_an_existing_category_keeps_its_kind(organisation):
    DataCategory.objects.create(organisation=organisation, name="Gezondheid", kind=Kind.ORDINARY)

    run(organisation, csv_bytes([["Nummer", "Naam", "Bijzondere persoonsgegevens"], ["1.1", "Zorg", "gezondheid"]]))

    assert DataCategory.objects.get(organisation=organisation).kind == Kind.ORDINARY


def test_retention_as_text_is_kept_and_flagged_as_not_enforced(organisation):
    content = csv_bytes([["Nummer", "Naam", "Bewaartermijn"], ["1.1", "Leden", "2 jaar na opzegging"]])

    result = run(organisation, content)

    activity = ProcessingActivity.objects.get(organisation=organisation)
    assert activity.retention_text == "2 jaar na opzegging"
    assert not RetentionRule.objects.exists()
    assert any("not enforced" in warning for warning in result.warnings)


# Dry run and the service


def test_a_dry_run_writes_nothing_but_says_what_would_happen(organisation):
    ActivityFactory(organisation=organisation, reference="1.1", name="Oud")
    before = row_counts()
    content = csv_bytes(
        [["Nummer", "Naam", "Persoonsgegevens"], ["1.1", "Nieuw", "Naam"], ["1.2", "Nieuwsbrief", "E-mailadres"]]
    )

    result = run(organisation, content, dry_run=True)

    assert (result.created, result.updated, result.unchanged) == (["1.2"], ["1.1"], [])
    assert result.new_entries == {"categories of personal data": ["E-mailadres"]}
    assert result.dry_run
    assert row_counts() == before


def test_a_dry_run_for_a_new_organisation_creates_nothing_and_a_real_one_creates_it(db):
    content = csv_bytes([["Nummer", "Naam"], ["1.1", "Leden"]])

    preview = run("zonnedael-noord", content, dry_run=True)
    assert preview.created == ["1.1"]
    assert not Organisation.objects.exists()

    run("zonnedael-noord", content)
    assert Organisation.objects.get().name == "Zonnedael Noord"


def test_a_preview_reads_the_register_in_a_fixed_number_of_queries(organisation, django_assert_num_queries):
    content = (SAMPLES / "register.csv").read_bytes()
    run(organisation, content)
    rows = parse_file(filename="register.csv", content=content).rows

    # The activities, the four lists linked to them (prefetched), and the organisation's four reference lists.
    with django_assert_num_queries(9):
        result = register_import(organisation=organisation, rows=rows, dry_run=True)

    assert len(result.unchanged) == 9


def test_the_service_takes_parsed_rows(organisation):
    rows = parse_file(filename="register.txt", content=LAYOUT.encode()).rows

    result = register_import(organisation=organisation, rows=rows, dry_run=False)

    assert result.created == ["1.1", "1.2", "2.1"]
    assert result.summary() == "Imported. New: 3, changed: 0, unchanged: 0."


# The management command


def test_the_command_imports_and_prints_a_summary(tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes((SAMPLES / "register.csv").read_bytes())

    call_command("import_register", "--organisation", "vereniging", str(path), "--dry-run")
    assert "New: 9" in capsys.readouterr().out
    assert not ProcessingActivity.objects.exists()

    call_command("import_register", "--organisation", "vereniging", str(path))
    assert "Imported. New: 9, changed: 0, unchanged: 0." in capsys.readouterr().out
    assert ProcessingActivity.objects.filter(organisation__slug="vereniging").count() == 9


def test_the_command_prints_every_error_and_fails_without_writing(tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(b"Nummer;Naam;Grondslag\n1.1;Leden;Overeenkomst\n1.1;Nieuwsbrief;Zomaar\n")
    before = row_counts()

    with pytest.raises(CommandError, match="Nothing was imported: 2 errors"):
        call_command("import_register", "--organisation", "vereniging", str(path))

    errors = capsys.readouterr().err
    assert "Line 3: unknown legal basis “Zomaar”." in errors
    assert "Line 3: reference “1.1” is already used on line 2." in errors
    assert row_counts() == before


def test_the_command_exits_non_zero_on_a_bad_file(tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_bytes(b"")

    completed = manage("import_register", "--organisation", "vereniging", str(path), env=project_env(tmp_path))

    assert completed.returncode == 1
    assert str(path) in completed.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["--organisation", "geen slug!", "x.csv"], "slug"), (["--organisation", "v", "/nonexistent.csv"], "Cannot read")],
)
def test_the_command_refuses_a_bad_slug_or_a_missing_file(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_register", *arguments)


# The admin: upload, preview, confirm


@pytest.fixture
def officer(organisation):
    return UserFactory(role=DPO, member_of=[organisation])


def upload(content: bytes, name: str = "register.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_admin_previews_then_imports(login, officer, organisation):
    client = login(officer)
    content = (SAMPLES / "register.csv").read_bytes()

    page = client.get(IMPORT_URL)
    assert page.status_code == 200
    assert list(page.context["form"].fields["organisation"].queryset) == [organisation]

    before = row_counts()
    preview = client.post(IMPORT_URL, {"organisation": organisation.pk, "file": upload(content), "preview": "1"})
    assert preview.status_code == 200
    assert preview.context["result"].created == ["1.1", "1.2", "1.3", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2"]
    assert "Ledenadministratie" in preview.content.decode()
    assert 'name="confirm"' in preview.content.decode()
    assert row_counts() == before

    done = client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})
    changelist = reverse("admin:register_processingactivity_changelist")
    assert done.status_code == 302
    assert done["Location"] == f"{changelist}?organisation__id__exact={organisation.pk}"
    assert ProcessingActivity.objects.filter(organisation=organisation).count() == 9
    assert ProcessingActivity.history.filter(history_user=officer).exists()

    again = client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})
    assert again.status_code == 302
    assert again["Location"] == IMPORT_URL
    assert ProcessingActivity.history.count() == before["register.HistoricalProcessingActivity"] + 9 + 9


def test_the_admin_shows_errors_and_offers_no_import(login, officer, organisation):
    client = login(officer)

    response = client.post(
        IMPORT_URL, {"organisation": organisation.pk, "file": upload(b"Nummer;Naam\n1.1;A\n1.1;B\n"), "preview": "1"}
    )

    assert response.status_code == 200
    assert "Regel 3: referentie “1.1” wordt al gebruikt op regel 2." in response.content.decode()
    assert 'name="confirm"' not in response.content.decode()
    assert "register_import" not in client.session


def test_the_admin_refuses_a_file_over_5_mib(login, officer, organisation):
    client = login(officer)
    content = b"Nummer;Naam\n" + b"1.1;" + b"x" * (5 * 1024 * 1024)

    response = client.post(IMPORT_URL, {"organisation": organisation.pk, "file": upload(content), "preview": "1"})

    assert response.status_code == 200
    assert "groter dan 5 MiB" in response.content.decode()
    assert response.context["result"] is None


def test_the_admin_refuses_a_user_without_the_add_permission(login, organisation):
    client = login(UserFactory(role=BOARD, member_of=[organisation]))

    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(
        IMPORT_URL, {"organisation": organisation.pk, "file": upload(b"Nummer;Naam\n1.1;A\n"), "preview": "1"}
    )
    assert response.status_code == 403
    assert not ProcessingActivity.objects.exists()


def test_the_admin_imports_only_into_the_users_own_organisations(login, officer, organisation):
    client = login(officer)
    other = OrganisationFactory()

    response = client.post(
        IMPORT_URL, {"organisation": other.pk, "file": upload(b"Nummer;Naam\n1.1;A\n"), "preview": "1"}
    )

    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert "register_import" not in client.session
    assert not ProcessingActivity.objects.exists()


def test_a_confirmation_for_an_organisation_the_user_left_is_refused(login, officer, organisation):
    client = login(officer)
    preview = client.post(
        IMPORT_URL, {"organisation": organisation.pk, "file": upload(b"Nummer;Naam\n1.1;A\n"), "preview": "1"}
    )
    organisation.members.remove(officer)

    response = client.post(IMPORT_URL, {"confirm": "1", "token": preview.context["token"]})

    assert response.status_code == 403
    assert not ProcessingActivity.objects.exists()


def test_a_confirmation_needs_the_token_of_the_preview(login, officer, organisation):
    client = login(officer)
    client.post(IMPORT_URL, {"organisation": organisation.pk, "file": upload(b"Nummer;Naam\n1.1;A\n"), "preview": "1"})

    response = client.post(IMPORT_URL, {"confirm": "1", "token": "from another tab"})

    assert response.status_code == 302
    assert not ProcessingActivity.objects.exists()


# The demo


def test_the_demo_register_is_imported_once():
    demo_populate()
    before = row_counts()

    demo_populate()

    # The demo refreshes the organisation itself with update_or_create, which writes its history each run.
    assert {**row_counts(), "register.HistoricalOrganisation": 0} == {**before, "register.HistoricalOrganisation": 0}
    activities = ProcessingActivity.objects.filter(organisation__slug=DEMO_SLUG)
    assert activities.count() == 18
    assert len(set(activities.values_list("group", flat=True))) == 5
    assert activities.get(reference="4.1").group == "Energieadvies"
