"""The board page (/bestuur/): who may use it, generating and archiving a yearly report, downloading an archived
version, checking a copy; and the admin of deficiencies and of the archive."""

import hashlib
import io
import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from register.board_forms import MAX_PDF_BYTES
from register.models import AnnualReport, Control, Deficiency, Organisation
from register.roles import BOARD, DPO, STAFF
from tests.conftest import otp_login
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
INDEX = "/bestuur/"
VERIFY = "/bestuur/controleren/"


@pytest.fixture(autouse=True)
def _today_in_english(time_machine, client):
    """24 November 2026; the page in English, so messages are asserted by their English text."""
    time_machine.move_to(datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM), tick=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def organisation(db):
    """An organisation whose records go back to 2024."""
    organisation = OrganisationFactory(name="Energiecoöperatie Zonnedael", slug="zonnedael")
    Deficiency.objects.create(organisation=organisation, found_on=date(2024, 5, 1), description="Geen back-up")
    return organisation


@pytest.fixture
def other(db):
    return OrganisationFactory(name="Woningstichting Elders", slug="elders")


@pytest.fixture
def fake_pdf(monkeypatch):
    """A small, different PDF on every call, standing in for the real report (one test below renders it)."""
    counter = itertools.count(1)

    def annual_report_pdf(*, organisation, year, language="nl"):
        return f"%PDF-1.7\n{organisation.slug} {year} {language} {next(counter)}\n%%EOF".encode()

    monkeypatch.setattr("register.report.annual_report_pdf", annual_report_pdf)


@pytest.fixture
def board(organisation):
    return UserFactory(role=BOARD, member_of=[organisation], first_name="Bram", last_name="Janssen")


@pytest.fixture
def fg(organisation):
    return UserFactory(role=DPO, member_of=[organisation])


def generate_url(organisation, year: int = 2025) -> str:
    return reverse("board:generate", args=[organisation.slug, year])


def generate(client, organisation, year: int = 2025, language: str = "nl"):
    return client.post(generate_url(organisation, year), {"language": language})


def archived(organisation, year: int = 2025, version: int = 1, language: str = "nl") -> AnnualReport:
    return AnnualReport.objects.create(
        organisation=organisation, year=year, version=version, language=language,
        generated_at=datetime(2026, 1, 15, 9, 0, tzinfo=AMSTERDAM), generated_by_name="Fenna de Graaf",
        sha256=hashlib.sha256(f"{organisation.slug}{year}{version}".encode()).hexdigest(), pdf=b"%PDF-1.7 archived",
    )  # fmt: skip


def pdf_text(content: bytes) -> str:
    return " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


# Who may use the page


def test_the_access_decision_per_role(organisation, board, fg):
    from register.access import board_allowed

    superuser = UserFactory(is_superuser=True)
    staff = UserFactory(role=STAFF, member_of=[organisation])
    for user in (board, fg, superuser, staff):
        user.is_verified = lambda: True
    assert [board_allowed(u) for u in (board, fg, superuser, staff)] == [True, True, True, False]
    board.is_verified = lambda: False
    assert not board_allowed(board)
    board.is_verified, board.is_active = (lambda: True), False
    assert not board_allowed(board)


def test_anyone_not_logged_in_is_sent_to_the_admin_login(client, organisation, fake_pdf):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next=/bestuur/"
    assert generate(client, organisation).status_code == 302
    assert client.get(reverse("board:download", args=[archived(organisation).pk])).status_code == 302
    assert client.post(VERIFY, {"sha256": "0" * 64}).status_code == 302
    assert AnnualReport.objects.count() == 1


def test_a_password_without_the_second_factor_is_not_enough(client, organisation, board, fake_pdf):
    client.force_login(board)  # no verified device in the session
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert generate(client, organisation).status_code == 302
    assert not AnnualReport.objects.exists()


def test_a_staff_member_is_refused(login, organisation, fake_pdf):
    client = login(UserFactory(role=STAFF, member_of=[organisation]))
    report = archived(organisation)
    assert client.get(INDEX).status_code == 403
    assert generate(client, organisation).status_code == 403
    assert client.get(reverse("board:download", args=[report.pk])).status_code == 403
    assert client.post(VERIFY, {"sha256": report.sha256}).status_code == 403
    assert AnnualReport.objects.count() == 1


@pytest.mark.parametrize("role", [BOARD, DPO])
def test_the_board_and_the_fg_see_their_organisations_only(login, organisation, other, role):
    archived(other)
    mine = archived(organisation)
    response = login(UserFactory(role=role, member_of=[organisation])).get(INDEX)
    assert response.status_code == 200
    assert [entry["organisation"] for entry in response.context["organisations"]] == [organisation]
    page = response.content.decode()
    assert organisation.name in page
    assert other.name not in page
    assert mine.sha256 in page
    assert reverse("board:download", args=[mine.pk]) in page


def test_a_superuser_sees_every_organisation(login, organisation, other):
    response = login(UserFactory(is_superuser=True)).get(INDEX)
    assert {entry["organisation"] for entry in response.context["organisations"]} == {organisation, other}


def test_another_organisations_report_is_not_found(login, organisation, other, fake_pdf):
    client = login(UserFactory(role=BOARD, member_of=[other]))
    theirs = archived(organisation)
    assert generate(client, organisation).status_code == 404
    assert client.get(reverse("board:download", args=[theirs.pk])).status_code == 404
    assert AnnualReport.objects.count() == 1


def test_nothing_of_the_page_is_cached(login, organisation, board, fake_pdf):
    client = login(board)
    report = archived(organisation)
    responses = [
        client.get(INDEX),
        generate(client, organisation),
        client.get(reverse("board:download", args=[report.pk])),
        client.post(VERIFY, {"sha256": report.sha256}),
    ]
    for response in responses:
        assert "no-store" in response.headers["Cache-Control"]


def test_the_admin_links_to_the_page_for_the_board_and_the_fg(login, organisation, board, fg):
    for user, shown in ((board, True), (fg, True), (UserFactory(role=STAFF, member_of=[organisation]), False)):
        page = login(user).get(reverse("admin:index")).content.decode()
        assert (f'href="{INDEX}"' in page) is shown


# The years and the archive


def test_the_years_run_from_the_earliest_record_to_this_year_so_far(login, organisation, board):
    response = login(board).get(INDEX)
    years = response.context["organisations"][0]["years"]
    assert [(row["year"], row["so_far"]) for row in years] == [(2026, True), (2025, False), (2024, False)]
    assert "2026 (so far)" in response.content.decode()


def test_a_year_without_a_report_is_not_found(login, organisation, board, fake_pdf):
    client = login(board)
    for year in (2023, 2027, 1999):
        assert generate(client, organisation, year).status_code == 404
    assert not AnnualReport.objects.exists()


def test_generating_archives_a_version_and_hands_it_out(login, organisation, board, fake_pdf):
    client = login(board)
    response = generate(client, organisation)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    with translation.override("nl"):  # the file is named in the report's language
        name = f"zonnedael-{gettext('annual-report')}-2025-v1.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    report = AnnualReport.objects.get()
    assert report.sha256 == hashlib.sha256(response.content).hexdigest()
    assert (report.organisation, report.year, report.version, report.language) == (organisation, 2025, 1, "nl")
    assert (report.generated_by, report.generated_by_name) == (board, "Bram Janssen")


def test_generating_again_makes_version_two(login, organisation, board, fake_pdf):
    client = login(board)
    first = generate(client, organisation)
    second = generate(client, organisation, language="en")
    assert second["Content-Disposition"] == 'attachment; filename="zonnedael-annual-report-2025-v2.pdf"'
    assert first.content != second.content
    assert list(AnnualReport.objects.order_by("version").values_list("version", "language")) == [(1, "nl"), (2, "en")]
    page = client.get(INDEX)
    assert [(a.version, a.language) for a in page.context["organisations"][0]["archive"]] == [(2, "en"), (1, "nl")]


def test_generating_needs_a_post_with_a_language(login, organisation, board, fake_pdf):
    client = login(board)
    assert client.get(generate_url(organisation)).status_code == 405
    assert generate(client, organisation, language="de").status_code == 400
    assert not AnnualReport.objects.exists()


def test_generating_needs_the_csrf_token(organisation, board, fake_pdf):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    otp_login(client, board)
    assert generate(client, organisation).status_code == 403
    assert not AnnualReport.objects.exists()


def test_an_archived_version_downloads_as_it_was_handed_out(login, organisation, board):
    report = archived(organisation, year=2024, version=3, language="en")
    response = login(board).get(reverse("board:download", args=[report.pk]))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 archived"
    assert response["Content-Disposition"] == 'attachment; filename="zonnedael-annual-report-2024-v3.pdf"'


def test_the_page_takes_the_same_queries_for_one_version_or_many(
    login, organisation, other, board, django_assert_max_num_queries
):
    other.members.add(board)
    client = login(board)
    archived(organisation)
    client.get(INDEX)  # warm up: content types, the session
    # The request's savepoint and its release (ATOMIC_REQUESTS); session, user, OTP device; the role; the
    # organisations; their earliest records (one UNION); the archived versions.
    with django_assert_max_num_queries(9) as one:
        assert client.get(INDEX).status_code == 200
    for year, version in itertools.product((2024, 2025, 2026), range(2, 12)):
        archived(organisation, year, version)
        archived(other, year, version)
    with django_assert_max_num_queries(9) as many:
        response = client.get(INDEX)
    assert len(response.context["organisations"][0]["archive"]) == 31
    assert len(many) == len(one)


# Checking a copy


def test_an_uploaded_copy_is_recognised(login, organisation, board, fake_pdf):
    client = login(board)
    content = generate(client, organisation).content
    response = client.post(VERIFY, {"pdf": SimpleUploadedFile("kopie.pdf", content, "application/pdf")})
    assert response.status_code == 200
    assert response.context["verified"]["match"] == AnnualReport.objects.get()
    assert "This is version 1 of the 2025 yearly report of Energiecoöperatie Zonnedael" in response.content.decode()


def test_a_changed_copy_is_not_one_of_ours(login, organisation, board, fake_pdf):
    client = login(board)
    content = generate(client, organisation).content + b"\n"
    response = client.post(VERIFY, {"pdf": SimpleUploadedFile("kopie.pdf", content, "application/pdf")})
    assert response.status_code == 200
    assert response.context["verified"] == {"sha256": hashlib.sha256(content).hexdigest(), "match": None}
    assert "This is not one of our yearly reports." in response.content.decode()


def test_a_pasted_sha256_is_recognised_or_not(login, organisation, board):
    client = login(board)
    report = archived(organisation)
    found = client.post(VERIFY, {"sha256": f"  {report.sha256.upper()} "})
    assert found.context["verified"]["match"] == report
    unknown = client.post(VERIFY, {"sha256": "ab" * 32})
    assert unknown.context["verified"]["match"] is None
    assert "This is not one of our yearly reports." in unknown.content.decode()


def test_another_organisations_report_is_not_recognised(login, organisation, other):
    report = archived(organisation)
    response = login(UserFactory(role=BOARD, member_of=[other])).post(VERIFY, {"sha256": report.sha256})
    assert response.context["verified"]["match"] is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pdf": SimpleUploadedFile("verslag.pdf", b"PK\x03\x04 a zip file", "application/pdf")}, "is not a PDF"),
        ({"pdf": SimpleUploadedFile("leeg.pdf", b"", "application/pdf")}, "file is empty"),
        ({"sha256": "not-a-hash"}, "64 characters"),
        ({}, "Choose the PDF file"),
        ({"sha256": "ab" * 32, "pdf": SimpleUploadedFile("v.pdf", b"%PDF-1.7", "application/pdf")}, "not both"),
    ],
)
def test_what_cannot_be_checked_is_refused_clearly_and_nothing_is_stored(
    login, organisation, board, private_dir, data, message
):
    response = login(board).post(VERIFY, data)
    assert response.status_code == 400
    assert response.context["verified"] is None
    assert message in response.content.decode()
    assert not AnnualReport.objects.exists()
    assert not any(private_dir.iterdir())


def test_a_file_over_20_mb_is_refused(login, organisation, board):
    too_big = SimpleUploadedFile("groot.pdf", b"%PDF-1.7\n" + b"0" * MAX_PDF_BYTES, "application/pdf")
    response = login(board).post(VERIFY, {"pdf": too_big})
    assert response.status_code == 400
    assert "larger than 20 MB" in response.content.decode()


# End to end, with the real report


def test_a_board_member_downloads_the_real_report_and_checks_it(login, organisation, board):
    ActivityFactory(organisation=organisation, name="Ledenadministratie")
    client = login(board)
    response = generate(client, organisation, 2025, "en")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert organisation.name in text
    assert "2025" in text
    report = AnnualReport.objects.get()
    assert report.sha256 == hashlib.sha256(response.content).hexdigest()
    download = client.get(reverse("board:download", args=[report.pk]))
    assert download.content == response.content
    upload = SimpleUploadedFile("jaarverslag.pdf", download.content, "application/pdf")
    assert client.post(VERIFY, {"pdf": upload}).context["verified"]["match"] == report


# The admin


@pytest.fixture
def fg_client(login, fg):
    return login(fg)


def test_every_deficiency_page_opens(fg_client, organisation):
    control = Control.objects.create(organisation=organisation, name="Autorisaties controleren")
    deficiency = Deficiency.objects.create(
        organisation=organisation, found_on=date(2025, 6, 1), description="Autorisaties niet gecontroleerd",
        measure="Jaarlijkse controle in de agenda", control=control,
    )  # fmt: skip
    changelist = reverse("admin:register_deficiency_changelist")
    for params in ({}, {"q": "autorisaties"}, {"resolved": "no"}, {"resolved": "yes"}):
        assert fg_client.get(changelist, params).status_code == 200
    assert fg_client.get(reverse("admin:register_deficiency_add")).status_code == 200
    assert fg_client.get(reverse("admin:register_deficiency_change", args=[deficiency.pk])).status_code == 200
    assert fg_client.get(reverse("admin:register_deficiency_history", args=[deficiency.pk])).status_code == 200


def test_a_deficiency_is_recorded_with_history(fg_client, fg, organisation):
    response = fg_client.post(
        reverse("admin:register_deficiency_add"),
        {"organisation": organisation.pk, "found_on": "2025-06-01", "description": "Geen verwerkersovereenkomst",
         "measure": "Overeenkomst laten tekenen", "owner": "Penningmeester", "due_on": "2025-07-01"},
    )  # fmt: skip
    assert response.status_code == 302
    deficiency = Deficiency.objects.get(description="Geen verwerkersovereenkomst")
    assert deficiency.history.get().history_user == fg


def test_another_organisations_deficiency_is_not_found(fg_client, other):
    theirs = Deficiency.objects.create(organisation=other, found_on=date(2025, 6, 1), description="Elders")
    assert fg_client.get(reverse("admin:register_deficiency_change", args=[theirs.pk])).status_code == 404
    changelist = fg_client.get(reverse("admin:register_deficiency_changelist"))
    assert theirs not in changelist.context["cl"].result_list


def test_the_archive_in_the_admin_is_read_only_with_a_download(fg_client, organisation, other):
    report = archived(organisation)
    theirs = archived(other)
    changelist = fg_client.get(reverse("admin:register_annualreport_changelist"))
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [report]
    assert fg_client.get(reverse("admin:register_annualreport_changelist"), {"q": report.sha256}).status_code == 200
    assert fg_client.get(reverse("admin:register_annualreport_add")).status_code == 403
    change = fg_client.get(reverse("admin:register_annualreport_change", args=[report.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert fg_client.get(reverse("admin:register_annualreport_change", args=[theirs.pk])).status_code == 404
    pdf = fg_client.get(reverse("admin:register_annualreport_pdf", args=[report.pk]))
    assert pdf.content == b"%PDF-1.7 archived"
    assert fg_client.get(reverse("admin:register_annualreport_pdf", args=[theirs.pk])).status_code == 404


def test_the_cookies_paragraph_is_in_the_organisation_admin(fg_client, organisation):
    page = fg_client.get(reverse("admin:register_organisation_change", args=[organisation.pk]))
    assert page.status_code == 200
    assert 'name="privacy_cookie_text"' in page.content.decode()
    assert Organisation.objects.filter(pk=organisation.pk).exists()
