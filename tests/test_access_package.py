"""The access package (art. 15 and 20): what is held and the art. 15(1) information per activity, as PDF, JSON
and CSV, encrypted at rest, downloadable for 30 days and every download logged."""

import codecs
import csv
import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from register.models import DataCategory, ProcessingActivity, Processor, Recipient, RetentionRule
from requests_portal.answers import (
    PackageExpired,
    access_package_create,
    access_package_download,
    access_package_render,
)
from requests_portal.models import PackageDownload
from requests_portal.storage import private_file_read
from tests.factories import ActivityFactory, DataSubjectFactory, OrganisationFactory, SubjectRequestFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
Basis = ProcessingActivity.LegalBasis
NAME = "Wilhelmina Zonnebloem-Achterberg"
EMAIL = "w.zonnebloem@example.nl"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def categories(organisation, *names):
    return [DataCategory.objects.get_or_create(organisation=organisation, name=name)[0] for name in names]


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Energiecoöperatie Zonnedael", contact_email="info@zonnedael.example")


@pytest.fixture
def subject(organisation):
    """A member on three activities: a contract with a recipient and a processor, a newsletter on consent with a
    transfer to the US and only free-text retention, and energy advice with data from a third party and an
    automated decision."""
    members = ActivityFactory(
        organisation=organisation, reference="1.1", name="Ledenadministratie", legal_basis=Basis.CONTRACT
    )
    members.data_categories.add(*categories(organisation, "Adres", "E-mailadres"))
    members.recipients.add(
        Recipient.objects.create(organisation=organisation, name="Belastingdienst", kind="authority")
    )
    members.processors.add(Processor.objects.create(organisation=organisation, name="LedenPortaal B.V."))
    rule = members.retention_rules.get()
    rule.action, rule.trigger = RetentionRule.Action.MINIMISE, RetentionRule.Trigger.RELATION_END
    rule.save()
    rule.keep_categories.add(*categories(organisation, "Naam", "Adres"))

    newsletter = ActivityFactory(
        organisation=organisation,
        complete=False,
        reference="5.1",
        name="Nieuwsbrief",
        legal_basis=Basis.CONSENT,
        purposes="Leden informeren over activiteiten",
        third_country_transfers="Verenigde Staten",
        transfer_safeguards="EU-US Data Privacy Framework",
        retention_text="Tot afmelding",
    )
    newsletter.processors.add(Processor.objects.create(organisation=organisation, name="MailStroom", country="US"))

    advice = ActivityFactory(
        organisation=organisation,
        reference="4.2",
        name="Energieadvies",
        legal_basis=Basis.LEGITIMATE_INTERESTS,
        source="Netbeheerder Liander (verbruiksgegevens)",
        automated_decision_making=True,
        automated_decision_logic="Een score op het verbruik bepaalt de volgorde van adviesbezoeken",
    )
    subject = DataSubjectFactory(
        organisation=organisation,
        name=NAME,
        email=EMAIL,
        phone="06-12345678",
        city="Zonnedael",
        date_of_birth=date(1961, 3, 14),
        iban="NL91ABNA0417164300",
        attributes={"Lidnummer": "L-48213"},
    )
    subject.relations.create(activity=members, started_on=date(2019, 5, 1))
    subject.relations.create(activity=newsletter, started_on=date(2020, 1, 1), consent_given_on=date(2020, 1, 1))
    subject.relations.create(activity=advice, started_on=date(2025, 3, 1), ended_on=date(2025, 9, 1))
    return subject


@pytest.fixture
def request_(subject):
    return SubjectRequestFactory(organisation=subject.organisation, subject=subject, requester_name=NAME)


def snapshot_of(package) -> dict:
    return json.loads(private_file_read(package.stored_name))


def by_reference(snapshot) -> dict[str, dict]:
    return {activity["reference"]: activity for activity in snapshot["activities"]}


def pdf_text(content: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def test_the_package_holds_every_field_and_the_art_15_information_per_activity(request_):
    package = access_package_create(request=request_, now=NOW)

    assert package.expires_at == NOW + timedelta(days=30)
    snapshot = snapshot_of(package)
    assert snapshot["found"] is True
    assert snapshot["request"]["reference"] == request_.reference
    fields = snapshot["subject"]["fields"]
    assert fields["name"] == NAME
    assert fields["email"] == EMAIL
    assert fields["iban"] == "NL91ABNA0417164300"
    assert fields["date_of_birth"] == "1961-03-14"
    assert snapshot["subject"]["attributes"] == {"Lidnummer": "L-48213"}

    activities = by_reference(snapshot)
    assert list(activities) == ["1.1", "4.2", "5.1"]
    members, advice, newsletter = activities["1.1"], activities["4.2"], activities["5.1"]
    assert members["purposes"] == "Ledenadministratie bijhouden"
    assert members["legal_basis"] == "contract"
    assert {c["name"] for c in members["data_categories"]} == {"Naam", "Adres", "E-mailadres"}
    assert [(r["name"], r["kind"], r["country"]) for r in members["recipients"]] == [
        ("Belastingdienst", "authority", "NL")
    ]
    assert [p["name"] for p in members["processors"]] == ["LedenPortaal B.V."]
    assert len(members["retention"]) == 1 and "Adres, Naam" in members["retention"][0]
    assert members["source"] == ""
    assert members["relation"]["started_on"] == "2019-05-01"
    assert members["rights"] == ["rectification", "erasure", "restriction", "portability", "complaint"]

    assert newsletter["third_country_transfers"] == "Verenigde Staten"
    assert newsletter["transfer_safeguards"] == "EU-US Data Privacy Framework"
    assert newsletter["processors"] == [{"name": "MailStroom", "service": "", "country": "US"}]
    assert newsletter["retention"] == ["Tot afmelding"]  # no rules: the free text
    assert newsletter["relation"]["consent_given_on"] == "2020-01-01"
    assert "withdraw_consent" in newsletter["rights"] and "portability" in newsletter["rights"]

    assert advice["source"] == "Netbeheerder Liander (verbruiksgegevens)"
    assert advice["automated_decision_making"] is True
    assert advice["automated_decision_logic"].startswith("Een score")
    assert advice["relation"]["ended_on"] == "2025-09-01"
    assert "objection" in advice["rights"] and "portability" not in advice["rights"]

    complaint = snapshot["rights"][-1]
    assert complaint["code"] == "complaint"
    assert complaint["url"] == request_.organisation.supervisor_complaint_url


def test_the_file_on_disk_is_encrypted(request_, private_dir):
    package = access_package_create(request=request_, now=NOW)

    raw = (private_dir / package.stored_name).read_bytes()
    assert NAME.encode() not in raw and b"Zonnebloem" not in raw and EMAIL.encode() not in raw
    assert NAME in private_file_read(package.stored_name).decode()


def test_the_pdf_names_organisation_reference_activities_subject_and_the_complaint_right(request_):
    request_.requester_language = "en"
    request_.save()
    package = access_package_create(request=request_, now=NOW)

    content, content_type, filename = access_package_render(package=package, fmt="pdf")

    assert content_type == "application/pdf"
    assert filename == f"{request_.reference}.pdf"
    text = pdf_text(content)
    for expected in (
        "Energiecoöperatie Zonnedael",
        request_.reference,
        "24 November 2026",
        NAME,
        "NL91ABNA0417164300",
        "L-48213",
        "1.1 Ledenadministratie",
        "4.2 Energieadvies",
        "5.1 Nieuwsbrief",
        "Belastingdienst",
        "LedenPortaal B.V.",
        "EU-US Data Privacy Framework",
        "Netbeheerder Liander",
        "Een score op het verbruik",
        "Autoriteit Persoonsgegevens",
    ):
        assert expected in text, expected
    assert request_.organisation.supervisor_complaint_url in text.replace(" ", "")  # wrapped at a hyphen


def test_the_pdf_is_in_the_requesters_language(request_):
    package = access_package_create(request=request_, now=NOW)  # requester_language "nl"

    text = pdf_text(access_package_render(package=package, fmt="pdf")[0])

    with translation.override("nl"):
        dutch = str(Basis.CONTRACT.label)
    assert dutch != "contract (art. 6(1)(b))"
    assert dutch in text
    assert "24 november 2026" in text


def test_the_json_is_the_machine_readable_snapshot(request_):
    package = access_package_create(request=request_, now=NOW)

    content, content_type, filename = access_package_render(package=package, fmt="json")

    assert content_type == "application/json; charset=utf-8"
    assert filename.endswith(".json")
    data = json.loads(content.decode("utf-8"))
    assert data["schema"] == "verwerkingsregister/access-package/1"
    assert data["subject"]["fields"]["name"] == NAME
    assert data["subject"]["attributes"]["Lidnummer"] == "L-48213"
    assert {a["reference"] for a in data["activities"]} == {"1.1", "4.2", "5.1"}
    assert "Energiecoöperatie" in content.decode("utf-8")  # UTF-8, not \u escapes


def test_the_csv_has_a_header_a_row_per_held_field_and_per_item_of_information(request_):
    request_.requester_language = "en"
    request_.save()
    package = access_package_create(request=request_, now=NOW)

    content, content_type, _filename = access_package_render(package=package, fmt="csv")

    assert content_type == "text/csv; charset=utf-8"
    assert content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Category", "Field", "Value"]
    assert all(len(row) == 3 for row in rows)
    assert ["Personal data", "Name", NAME] in rows
    assert ["Personal data", "Date of birth", "14 March 1961"] in rows
    assert ["Further data", "Lidnummer", "L-48213"] in rows
    assert ["Personal data", "Notes", ""] not in rows  # only what is held
    assert ["1.1 Ledenadministratie", "Purposes", "Ledenadministratie bijhouden"] in rows
    assert ["4.2 Energieadvies", "Source", "Netbeheerder Liander (verbruiksgegevens)"] in rows
    assert any(row[0] == "5.1 Nieuwsbrief" and row[1] == "Transfers outside the EEA" for row in rows)
    assert any(row[0] == "Your rights" and "Autoriteit Persoonsgegevens" in row[2] for row in rows)


def test_a_value_that_looks_like_a_formula_stays_text_in_the_csv(request_, subject):
    subject.notes = '=HYPERLINK("http://evil.example")'
    subject.save()
    package = access_package_create(request=request_, now=NOW)

    content = access_package_render(package=package, fmt="csv")[0].decode("utf-8-sig")

    assert "'=HYPERLINK" in content


def test_downloads_are_logged_until_the_package_expires(request_, time_machine):
    package = access_package_create(request=request_, now=NOW)

    content, _type, _name = access_package_download(package=package, fmt="json", now=NOW)
    assert json.loads(content)["subject"]["fields"]["name"] == NAME
    time_machine.move_to(package.expires_at, tick=False)  # the last moment still counts
    access_package_download(package=package, fmt="csv", now=package.expires_at)

    assert list(PackageDownload.objects.values_list("format", "at")) == [
        ("json", NOW),
        ("csv", package.expires_at),
    ]
    later = package.expires_at + timedelta(seconds=1)
    time_machine.move_to(later, tick=False)
    with pytest.raises(PackageExpired):
        access_package_download(package=package, fmt="pdf", now=later)
    assert PackageDownload.objects.count() == 2


def test_an_unknown_format_is_refused_and_not_logged(request_):
    package = access_package_create(request=request_, now=NOW)

    with pytest.raises(ValueError):
        access_package_download(package=package, fmt="xml", now=NOW)
    assert not PackageDownload.objects.exists()


def test_a_new_package_replaces_the_earlier_one_and_its_file(
    request_, private_dir, time_machine, django_capture_on_commit_callbacks
):
    first = access_package_create(request=request_, now=NOW)
    access_package_download(package=first, fmt="pdf", now=NOW)
    first_name = first.stored_name
    later = NOW + timedelta(days=3)
    time_machine.move_to(later, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        second = access_package_create(request=request_, now=later)

    assert second.pk == first.pk  # the row stays, with its log of downloads
    assert second.expires_at == later + timedelta(days=30)
    assert not (private_dir / first_name).exists()
    assert (private_dir / second.stored_name).exists()
    assert second.downloads.count() == 1


def test_a_request_without_a_matched_subject_says_no_data_were_found(organisation):
    request = SubjectRequestFactory(organisation=organisation, requester_language="en")

    package = access_package_create(request=request, now=NOW)

    snapshot = snapshot_of(package)
    assert snapshot["found"] is False and snapshot["subject"] is None and snapshot["activities"] == []
    text = pdf_text(access_package_render(package=package, fmt="pdf")[0])
    assert "We found no personal data about you." in text
    assert "Autoriteit Persoonsgegevens" in text
    rows = list(
        csv.reader(io.StringIO(access_package_render(package=package, fmt="csv")[0].decode("utf-8-sig")), delimiter=";")
    )
    assert rows[1] == ["Personal data", "Result", "We found no personal data about you."]


def test_the_snapshot_takes_the_same_queries_for_one_relation_or_many(organisation):
    def queries_for(relations: int) -> int:
        subject = DataSubjectFactory(organisation=organisation)
        for _ in range(relations):
            activity = ActivityFactory(organisation=organisation)
            activity.recipients.add(Recipient.objects.create(organisation=organisation, name=f"R{activity.pk}"))
            subject.relations.create(activity=activity, started_on=date(2026, 1, 1))
        request = SubjectRequestFactory(organisation=organisation, subject=subject)
        with CaptureQueriesContext(connection) as context:
            access_package_create(request=request, now=NOW)
        return len(context.captured_queries)

    # The relations with their activities; the activities' data categories, recipients, processors and retention
    # rules; the rules' kept categories; the earlier package; the insert.
    assert queries_for(1) == queries_for(5) == 8
