"""The erasure run (art. 17): a preview that keeps what a law keeps and erases the rest, the FG's confirmation,
an execution that leaves no erased value anywhere in the database, and a certificate without the data."""

import io
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from register.models import DataCategory, DataSubject, ProcessingActivity, Relation, RetentionRule
from requests_portal.answers import access_package_create
from requests_portal.erasure import (
    ErasureNotConfirmed,
    PreviewOutdated,
    erasure_certificate_pdf,
    erasure_confirm,
    erasure_execute,
    erasure_preview,
    fingerprint_matches,
    statutory_keep_until,
)
from requests_portal.models import AccessPackage, RequestEvent, RequestUpload, SubjectRequest
from requests_portal.storage import private_file_save
from tests.factories import (
    ActivityFactory,
    DataSubjectFactory,
    OrganisationFactory,
    SubjectRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
LATER = NOW + timedelta(days=2)
Basis = ProcessingActivity.LegalBasis

NAME = "Gerrit-Jan Zwanenburg"
EMAIL = "gj.zwanenburg@example.nl"
PHONE = "06-98765432"
STREET = "Klaproosstraat 17"
IBAN = "NL02RABO0123456789"
NOTES = "Belt liever na zessen"
INVOICE = "Factuur ZD-2026-0117"
MEMBER_NUMBER = "L-77123"
# Everything that singles the person out; the name, the IBAN and the invoice are what the financial record keeps.
UNIQUE = [NAME, EMAIL, PHONE, STREET, IBAN, NOTES, INVOICE, MEMBER_NUMBER, "Zwanenburg"]
KEPT = [NAME, IBAN, INVOICE, "Zwanenburg"]
ERASED = [value for value in UNIQUE if value not in KEPT]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def category(organisation, name: str) -> DataCategory:
    return DataCategory.objects.get_or_create(organisation=organisation, name=name)[0]


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Energiecoöperatie Zonnedael")


@pytest.fixture
def officer(organisation):
    return UserFactory(username="fg-petra", first_name="Petra", last_name="Privacy", member_of=[organisation])


@pytest.fixture
def activities(organisation):
    """Financial records under art. 52 AWR, the membership (policy retention) and a newsletter (consent)."""
    finance = ActivityFactory(
        organisation=organisation,
        complete=False,
        reference="3.3",
        name="Financiële administratie",
        legal_basis=Basis.LEGAL_OBLIGATION,
    )
    finance.data_categories.add(
        *(category(organisation, n) for n in ("Naam", "Rekeningnummer (IBAN)", "Factuurgegevens"))
    )
    RetentionRule.objects.create(
        activity=finance, period=7, unit="years", trigger="financial_year_end", ground="statutory", law="art. 52 AWR"
    )
    members = ActivityFactory(organisation=organisation, reference="1.1", name="Ledenadministratie")
    members.data_categories.add(*(category(organisation, n) for n in ("Adres", "E-mailadres", "Telefoonnummer")))
    newsletter = ActivityFactory(
        organisation=organisation, complete=False, reference="5.1", name="Nieuwsbrief", legal_basis=Basis.CONSENT
    )
    newsletter.data_categories.add(category(organisation, "E-mailadres"))
    return {"finance": finance, "members": members, "newsletter": newsletter}


@pytest.fixture
def subject(organisation, activities, officer):
    subject = DataSubjectFactory(organisation=organisation, name=NAME, email=EMAIL, phone="06-11111111")
    # A second version, so history holds more than one copy.
    subject.phone, subject.street_address, subject.postal_code, subject.city = PHONE, STREET, "1234 AB", "Zonnedael"
    subject.iban, subject.notes = IBAN, NOTES
    subject.attributes = {"Factuurgegevens": INVOICE, "Lidnummer": MEMBER_NUMBER}
    subject.save()
    subject.relations.create(activity=activities["finance"], started_on=date(2025, 1, 1), ended_on=date(2026, 6, 30))
    subject.relations.create(activity=activities["members"], started_on=date(2019, 5, 1))
    subject.relations.create(
        activity=activities["newsletter"], started_on=date(2020, 1, 1), consent_given_on=date(2020, 1, 1),
        consent_evidence=f"Aanmeldformulier {NAME}",
    )  # fmt: skip
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(DataSubject),
        object_id=str(subject.pk),
        object_repr=NAME,
        action_flag=ADDITION,
        user=officer,
    )
    return subject


@pytest.fixture
def request_(subject, officer):
    """The erasure request with an ID copy, a message from the requester and an FG note naming them; and an
    earlier access request of the same person with its package."""
    request = SubjectRequestFactory(
        organisation=subject.organisation,
        kind="erasure",
        subject=subject,
        requester_name=NAME,
        requester_email=EMAIL,
        message=f"Verwijder al mijn gegevens. {NAME}, {STREET}",
    )
    request.outcome = f"Beste heer Zwanenburg, uw gegevens zijn verwijderd behalve wat de wet ({PHONE}) vraagt."
    request.save()
    RequestUpload.objects.create(
        request=request, purpose="id_copy", stored_name=private_file_save(f"paspoort {NAME}".encode()),
        content_type="image/png", size=10, uploaded_at=NOW,
    )  # fmt: skip
    RequestEvent.objects.create(request=request, at=NOW, kind="message_in", text=f"Groet, {NAME} ({PHONE})")
    RequestEvent.objects.create(request=request, at=NOW, kind="note", text="Gebeld met dhr. Zwanenburg", actor=officer)
    earlier = SubjectRequestFactory(
        organisation=subject.organisation, subject=subject, requester_name=NAME, requester_email=EMAIL.upper()
    )
    access_package_create(request=earlier, now=NOW - timedelta(days=60))
    return request


def confirmed_run(request, officer):
    run = erasure_preview(request=request, now=NOW)
    return erasure_confirm(run=run, user=officer, now=NOW)


def database_dump() -> dict[str, str]:
    """Every row of every table, history and M2M tables included, as text per table."""
    dump = {}
    for model in apps.get_models(include_auto_created=True):
        rows = model._base_manager.values_list()
        dump[model._meta.db_table] = "\n".join(repr(row) for row in rows).casefold()
    return dump


def tables_with(dump: dict[str, str], value: str) -> set[str]:
    return {table for table, text in dump.items() if value.casefold() in text}


def steps_by_reference(preview_or_certificate: dict) -> dict[str, dict]:
    return {step["reference"]: step for step in preview_or_certificate["steps"]}


# The preview


def test_the_preview_keeps_the_statutory_financial_record_and_erases_the_rest(request_):
    run = erasure_preview(request=request_, now=NOW)

    preview = run.preview
    steps = steps_by_reference(preview)
    assert steps["3.3"]["action"] == "keep"
    assert steps["3.3"]["reason"] == "statutory"
    assert steps["3.3"]["law"] == "art. 52 AWR"
    assert steps["3.3"]["keep_until"] == "2033-12-31"  # 7 years after the end of 2026, the year the relation ended
    assert steps["3.3"]["kept_categories"] == ["Factuurgegevens", "Naam", "Rekeningnummer (IBAN)"]
    assert steps["1.1"]["action"] == steps["5.1"]["action"] == "erase"
    assert steps["1.1"]["reason"] == "no_obligation"  # its policy period does not hold against the request
    assert preview["outcome"] == "minimise"
    assert preview["kept_fields"] == ["name", "iban"]
    assert preview["erased_fields"] == [
        "street_address",
        "postal_code",
        "city",
        "email",
        "phone",
        "date_of_birth",
        "notes",
    ]
    assert preview["counts"] == {
        "relations_erased": 2, "relations_kept": 1, "uploads": 1, "access_packages": 1, "requests": 2,
    }  # fmt: skip
    text = json.dumps(preview).casefold()
    assert not [value for value in UNIQUE if value.casefold() in text]


def test_a_statutory_period_that_has_run_out_keeps_nothing(request_, subject):
    subject.relations.filter(activity__reference="3.3").update(started_on=date(2015, 1, 1), ended_on=date(2018, 3, 1))

    run = erasure_preview(request=request_, now=NOW)

    assert steps_by_reference(run.preview)["3.3"]["action"] == "erase"  # 31-12-2018 + 7 years has passed
    assert run.preview["outcome"] == "erase"


def test_a_legal_hold_keeps_the_relation(request_, subject):
    subject.relations.filter(activity__reference="1.1").update(legal_hold=True)

    step = steps_by_reference(erasure_preview(request=request_, now=NOW).preview)["1.1"]

    assert (step["action"], step["reason"], step["keep_until"]) == ("keep", "legal_hold", None)
    assert step["kept_categories"] == ["Adres", "E-mailadres", "Naam", "Telefoonnummer"]


@pytest.mark.parametrize(
    ("trigger", "ended_on", "expected"),
    [
        ("financial_year_end", date(2026, 6, 30), date(2033, 12, 31)),
        ("financial_year_end", None, date(2033, 12, 31)),  # active: ends today, in 2026
        ("relation_end", date(2024, 2, 29), date(2031, 2, 28)),
        ("relation_end", None, date(2033, 11, 24)),
        ("collection", None, date(2027, 1, 1)),
    ],
)
def test_the_statutory_period_runs_from_its_event(trigger, ended_on, expected):
    rule = RetentionRule(period=7, unit="years", trigger=trigger, ground="statutory")
    if trigger == "collection":
        rule.period, rule.unit = 12, "months"
    relation = Relation(started_on=date(2026, 1, 1), ended_on=ended_on)

    assert statutory_keep_until(rule, relation, date(2026, 11, 24)) == expected


# Confirmation and refusals


def test_execution_is_refused_before_confirmation(request_, private_dir):
    run = erasure_preview(request=request_, now=NOW)

    with pytest.raises(ErasureNotConfirmed):
        erasure_execute(run=run, now=LATER)
    run.refresh_from_db()
    assert run.executed_at is None and run.certificate == {}
    assert DataSubject.objects.filter(name=NAME).exists()
    assert RequestUpload.objects.count() == 1 and len(list(private_dir.iterdir())) == 2


def test_a_changed_register_after_confirmation_asks_for_a_new_preview(request_, subject, officer):
    run = confirmed_run(request_, officer)
    subject.relations.filter(activity__reference="1.1").update(legal_hold=True)

    with pytest.raises(PreviewOutdated):
        erasure_execute(run=run, now=LATER)
    run = erasure_preview(request=request_, now=LATER)
    assert run.confirmed_at is None  # the new decisions need a new confirmation


def test_a_second_confirmation_keeps_the_first(request_, officer):
    run = confirmed_run(request_, officer)
    other = UserFactory()

    erasure_confirm(run=run, user=other, now=LATER)

    run.refresh_from_db()
    assert (run.confirmed_by, run.confirmed_at) == (officer, NOW)


# Execution


def test_after_execution_only_the_kept_fields_of_the_financial_record_remain(request_, officer, private_dir):
    before = database_dump()
    assert {"register_historicaldatasubject", "requests_portal_historicalsubjectrequest"} <= tables_with(before, EMAIL)
    assert "requests_portal_requestevent" in tables_with(before, PHONE)

    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    dump = database_dump()
    for value in ERASED:
        assert not tables_with(dump, value), value
    subject_tables = {DataSubject._meta.db_table, DataSubject.history.model._meta.db_table}
    admin_log = LogEntry._meta.db_table  # names the subject, whose name is kept
    for value in KEPT:
        assert tables_with(dump, value) - {admin_log} == subject_tables, value
    subject = DataSubject.objects.get()
    assert (subject.name, subject.iban, subject.attributes) == (NAME, IBAN, {"Factuurgegevens": INVOICE})
    assert (subject.email, subject.phone, subject.street_address, subject.notes) == ("", "", "", "")
    relation = subject.relations.get()
    assert relation.activity.reference == "3.3" and relation.ended_on == date(2026, 6, 30)
    assert run.executed_at == LATER


def test_the_kept_relation_ends_with_the_erasure(request_, subject, officer):
    subject.relations.filter(activity__reference="3.3").update(ended_on=None)

    erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    assert Relation.objects.get().ended_on == date(2026, 11, 26)


def test_without_an_obligation_the_subject_is_erased_entirely(request_, subject, officer):
    subject.relations.filter(activity__reference="3.3").update(started_on=date(2015, 1, 1), ended_on=date(2018, 3, 1))

    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    dump = database_dump()
    for value in UNIQUE:
        assert not tables_with(dump, value), value
    assert not DataSubject.objects.exists() and not Relation.objects.exists()
    assert not DataSubject.history.exists() and not Relation.history.exists()
    request_.refresh_from_db()
    assert request_.subject is None and request_.anonymised_at == LATER
    assert run.certificate["counts"]["subjects_erased"] == 1


def test_uploads_and_access_packages_are_deleted_from_disk_and_database(request_, officer, private_dir):
    assert len(list(private_dir.iterdir())) == 2  # the ID copy and the earlier access package

    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    assert list(private_dir.iterdir()) == []
    assert not RequestUpload.objects.exists() and not AccessPackage.objects.exists()
    assert run.certificate["counts"]["uploads_deleted"] == 1
    assert run.certificate["counts"]["access_packages_deleted"] == 1


def test_the_requests_keep_their_reference_and_lose_the_requester(request_, officer):
    with translation.override("en"):
        erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    request_.refresh_from_db()
    assert request_.reference.startswith("AVG-") and request_.kind == "erasure"
    assert (request_.requester_name, request_.requester_email, request_.message) == ("[…]", "", "")
    assert request_.outcome == "Beste heer […], uw gegevens zijn verwijderd behalve wat de wet ([…]) vraagt."
    texts = list(request_.events.order_by("pk").values_list("kind", "text"))
    assert ("message_in", "[…]") in texts and ("note", "Gebeld met dhr. […]") in texts
    assert SubjectRequest.objects.filter(anonymised_at=LATER).count() == 2
    assert texts[-1][0] == "note" and "1 kept" in texts[-1][1]


def test_the_certificate_holds_what_was_done_and_no_erased_value(request_, officer):
    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    certificate = run.certificate
    assert certificate["reference"] == request_.reference
    assert certificate["organisation"] == "Energiecoöperatie Zonnedael"
    assert certificate["received_at"] == request_.received_at.isoformat()
    assert certificate["executed_at"] == LATER.isoformat()
    assert certificate["confirmed_by"] == certificate["executed_by"] == "Petra Privacy"
    steps = steps_by_reference(certificate)
    assert (steps["3.3"]["action"], steps["3.3"]["law"], steps["3.3"]["keep_until"]) == (
        "keep", "art. 52 AWR", "2033-12-31",
    )  # fmt: skip
    assert steps["1.1"]["action"] == steps["5.1"]["action"] == "erase"
    assert certificate["counts"] == {
        "subjects_erased": 0, "subjects_minimised": 1, "relations_erased": 2, "relations_kept": 1,
        "uploads_deleted": 1, "access_packages_deleted": 1, "requests_anonymised": 2,
    }  # fmt: skip
    text = json.dumps(certificate, ensure_ascii=False).casefold()
    assert not [value for value in UNIQUE if value.casefold() in text]


def test_the_fingerprint_recognises_the_erased_address_and_nothing_else(request_, officer):
    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    assert run.certificate["fingerprint"]["of"] == "email"
    assert fingerprint_matches(run=run, value=f"  {EMAIL.upper()} ")
    assert not fingerprint_matches(run=run, value="iemand.anders@example.nl")
    assert len(run.certificate["fingerprint"]["salt"]) == 32


def test_executing_twice_does_nothing_the_second_time(request_, officer):
    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)
    certificate, dump = run.certificate, database_dump()

    with CaptureQueriesContext(connection) as queries:
        again = erasure_execute(run=run, now=LATER + timedelta(hours=1))

    assert len(queries) == 1  # reading the run afresh
    assert again.executed_at == LATER and again.certificate == certificate
    assert database_dump() == dump


def test_a_request_without_a_matched_subject_still_loses_its_files_and_requester(organisation, officer, private_dir):
    request = SubjectRequestFactory(
        organisation=organisation, kind="erasure", requester_name=NAME, requester_email=EMAIL
    )
    RequestUpload.objects.create(
        request=request, purpose="id_copy", stored_name=private_file_save(b"id"), content_type="image/png",
        size=2, uploaded_at=NOW,
    )  # fmt: skip
    run = erasure_preview(request=request, now=NOW)
    assert run.preview["outcome"] == "nothing_held" and run.preview["steps"] == []

    run = erasure_execute(run=erasure_confirm(run=run, user=officer, now=NOW), now=LATER)

    assert list(private_dir.iterdir()) == []
    dump = database_dump()
    assert not tables_with(dump, NAME) and not tables_with(dump, EMAIL)
    assert fingerprint_matches(run=run, value=EMAIL)


# The certificate as PDF


def test_the_certificate_pdf_names_the_request_and_the_law_but_not_the_person(request_, officer):
    run = erasure_execute(run=confirmed_run(request_, officer), now=LATER)

    content = erasure_certificate_pdf(run=run)

    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())
    for expected in (request_.reference, "Energiecoöperatie Zonnedael", "3.3", "Financiële administratie",
                     "art. 52 AWR", "Petra Privacy", run.certificate["fingerprint"]["digest"][:16]):  # fmt: skip
        assert expected in text, expected
    assert not [value for value in UNIQUE if value.casefold() in text.casefold()]


def test_there_is_no_certificate_before_execution(request_):
    with pytest.raises(ErasureNotConfirmed):
        erasure_certificate_pdf(run=erasure_preview(request=request_, now=NOW))


def test_the_preview_and_the_execution_take_the_same_queries_for_few_relations_or_many(organisation, officer):
    def queries_for(relations: int) -> tuple[int, int]:
        subject = DataSubjectFactory(organisation=organisation)
        for _ in range(relations):
            activity = ActivityFactory(organisation=organisation)
            subject.relations.create(activity=activity, started_on=date(2026, 1, 1), consent_evidence="formulier")
        request = SubjectRequestFactory(organisation=organisation, kind="erasure", subject=subject)
        RequestEvent.objects.create(request=request, at=NOW, kind="note", text=f"Gesproken met {subject.name}")
        with CaptureQueriesContext(connection) as preview:
            run = erasure_preview(request=request, now=NOW)
        erasure_confirm(run=run, user=officer, now=NOW)
        with CaptureQueriesContext(connection) as execution:
            erasure_execute(run=run, now=LATER)
        return len(preview), len(execution)

    queries_for(1)  # warms the content type cache (the admin log is cleaned by content type)
    assert queries_for(2) == queries_for(8)
