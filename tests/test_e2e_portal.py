"""End to end in a real headless Chromium (Debian's package, driven by Playwright; never a browser download):
a person files an access request with an ID copy, confirms the mailed link, and downloads the answer after
the FG has completed the request; a board member signs in with both factors and downloads the yearly report."""

import os
import re
import shutil

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from register.models import DataSubject
from register.roles import DPO
from requests_portal.models import RequestUpload, SubjectRequest
from tests.conftest import require
from tests.factories import ActivityFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


@pytest.fixture
def browser_page(monkeypatch):
    require(os.path.exists(CHROMIUM), "Chromium is not installed (Debian package chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True, locale="nl-NL")
        yield page
        browser.close()


def test_access_request_from_form_to_downloaded_answer(live_server, browser_page, settings, tmp_path):
    from requests_portal.answers import access_package_create
    from requests_portal.workflow import request_complete, request_match, request_start

    settings.PRIVATE_DIR = tmp_path
    organisation = OrganisationFactory(name="Woningstichting De Linde", slug="delinde", asks_id_copy=True)
    activity = ActivityFactory(organisation=organisation, name="Huurdersadministratie")
    subject = DataSubject.objects.create(organisation=organisation, name="Anna de Vries", email="anna@voorbeeld.nl",
                                         city="Zwolle")  # fmt: skip
    subject.relations.create(activity=activity, started_on=timezone.localdate())
    page = browser_page

    page.goto(f"{live_server.url}/verzoek/delinde/")
    page.get_by_label("Inzage (art. 15)").check()
    page.get_by_label("Uw naam").fill("Anna de Vries")
    page.get_by_label("Uw e-mailadres").fill("anna@voorbeeld.nl")
    page.get_by_label("Uw verzoek").fill("Ik wil graag weten welke gegevens u van mij heeft.")
    id_copy = tmp_path / "id.png"
    id_copy.write_bytes(PNG)
    page.set_input_files("#id_id_copy", str(id_copy))
    page.get_by_role("button", name="Verzoek versturen").click()
    page.wait_for_url(re.compile(r"/ontvangen/$"))
    assert "Controleer uw e-mail" in page.content()

    request = SubjectRequest.objects.get()
    assert RequestUpload.objects.filter(request=request, purpose="id_copy").exists()
    link = re.search(r"https?://\S+/verzoek/bevestigen/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Bevestig mijn e-mailadres").click()
    page.wait_for_url(re.compile(r"/verzoek/status/"))
    assert request.reference in page.content()
    status_url = page.url

    officer = UserFactory(role=DPO, member_of=[organisation])
    now = timezone.now()
    request.refresh_from_db()
    request_start(request=request, user=officer, now=now)
    request_match(request=request, subject=subject, user=officer, now=now)
    access_package_create(request=request, now=now)
    request_complete(request=request, outcome="Hierbij uw gegevens.", user=officer, now=now)
    assert not RequestUpload.objects.filter(request=request).exists()  # the ID copy is destroyed on closing

    page.goto(status_url)
    assert "Afgerond" in page.content() or "afgerond" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("PDF")).click()
    pdf = PdfReader(download_info.value.path())
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Anna de Vries" in text
    assert "Huurdersadministratie" in text


def test_a_board_member_signs_in_downloads_the_yearly_report_and_checks_the_copy(live_server, browser_page, tmp_path):
    """In the browser: the admin login with a backup code, /bestuur/, the Dutch PDF of this year so far (the
    register began this year) downloaded and read back, and the same file recognised by the verify form."""
    from django.apps import apps
    from django_otp.plugins.otp_static.models import StaticDevice

    from register.roles import BOARD, roles_sync

    roles_sync(apps)  # a test in a real transaction may follow one that emptied the tables, groups included
    organisation = OrganisationFactory(name="Energiecoöperatie De Wieken", slug="wieken")
    ActivityFactory(organisation=organisation, name="Ledenadministratie")
    board = UserFactory(username="bestuurder", role=BOARD, member_of=[organisation])
    StaticDevice.objects.create(user=board, name="backup").token_set.create(token="87654321")
    year = timezone.localdate().year
    page = browser_page

    page.goto(f"{live_server.url}/bestuur/")
    page.wait_for_url(re.compile(r"/admin/login/"))  # signed out: first both factors
    page.fill("#id_username", "bestuurder")
    page.fill("#id_password", "een-lang-wachtwoord")
    page.fill("#id_otp_token", "87654321")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/bestuur/$"))
    assert page.get_by_role("rowheader", name=f"{year} (tot nu toe)").is_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="PDF in het Nederlands aanmaken").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"wieken-jaarverslag-{year}-v1.pdf"
    text = "".join(p.extract_text() for p in PdfReader(saved).pages)
    assert f"Jaarverslag privacy {year}" in text and "Energiecoöperatie De Wieken" in text

    page.goto(f"{live_server.url}/bestuur/")
    page.set_input_files("#id_pdf", str(saved))
    page.get_by_role("button", name="Controleren").click()
    result = page.locator(".verify-match")
    assert result.is_visible() and "versie 1" in result.inner_text() and str(year) in result.inner_text()
