"""The public form: validation in Dutch with nothing stored on error, uploads checked by content, the same
answer for everyone, single-use verification, duplicates linked, rate limits, and the private status page."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from register.models import DataSubject
from requests_portal.intake import request_create, unverified_purge
from requests_portal.models import RequestEvent, RequestUpload, SubjectRequest

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def form_url(organisation):
    return reverse("requests_portal:form", args=[organisation.slug])


def valid(**overrides) -> dict:
    return {"kind": "access", "name": "Jan Jansen", "email": "jan@voorbeeld.nl", "message": "Wat heeft u?", **overrides}


def stored_rows() -> int:
    return sum(model.objects.count() for model in apps.get_app_config("requests_portal").get_models())


def verify_link(mail) -> str:
    return re.search(r"https?://\S+/verzoek/bevestigen/\S+/", mail.body).group(0)


def test_the_form_is_dutch_and_offers_every_kind(client, form_url):
    html = client.get(form_url).content.decode()
    for kind in ("access", "rectification", "erasure", "restriction", "portability", "objection",
                 "withdraw_consent", "complaint"):  # fmt: skip
        assert f'value="{kind}"' in html
    assert "Uw privacyverzoek aan" in html
    assert 'name="id_copy"' not in html  # not asked by default


def test_a_valid_request_is_stored_mailed_and_answered_with_the_neutral_page(client, form_url, mailoutbox):
    response = client.post(form_url, valid())
    assert response.status_code == 302
    assert response.url.endswith("/ontvangen/")
    request = SubjectRequest.objects.get()
    assert request.status == SubjectRequest.Status.RECEIVED
    assert request.reference.startswith(f"AVG-{date.today().year}-")
    assert request.requester_language == "nl"
    assert len(mailoutbox) == 1
    assert request.reference in mailoutbox[0].subject
    assert verify_link(mailoutbox[0])
    assert request.verification_token_hash not in mailoutbox[0].body  # only the hash is stored


def test_the_answer_is_the_same_whether_or_not_the_person_is_known(client, organisation, form_url):
    DataSubject.objects.create(organisation=organisation, name="Jan Jansen", email="jan@voorbeeld.nl")
    known = client.post(form_url, valid(), follow=True)
    unknown = client.post(form_url, valid(email="onbekend@voorbeeld.nl", name="Onbekend"), follow=True)
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known.content.decode()) == strip.sub("", unknown.content.decode())


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "geen-adres"}, "email", "Vul een geldig e-mailadres in"),
        ({"name": ""}, "name", "Dit veld is verplicht"),
        ({"kind": "hack"}, "kind", "Selecteer een geldige keuze"),
        ({"kind": ""}, "kind", "Dit veld is verplicht"),
        ({"message": "x" * 5001}, "message", "5000"),
        ({"on_behalf": "parent"}, "on_behalf_of", "Vul de naam in"),
    ],
)
def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(client, form_url, mailoutbox, data, field, message):
    response = client.post(form_url, valid(**data))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert stored_rows() == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 a program", "scan.pdf", "Alleen een PDF-, JPEG- of PNG-bestand"),
        (b"<html><script>alert(1)</script>", "foto.png", "Alleen een PDF-, JPEG- of PNG-bestand"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "groot.pdf", "groter dan 5 MB"),
    ],
)
def test_uploads_are_checked_by_content_and_size(client, form_url, private_dir, content, name, message):
    data = valid(on_behalf="parent", on_behalf_of="Piet Jansen", proof=SimpleUploadedFile(name, content))
    response = client.post(form_url, data)
    assert message in " ".join(response.context["form"].errors["proof"])
    assert stored_rows() == 0
    assert list(private_dir.iterdir()) == []


def test_a_proof_is_stored_encrypted_under_a_random_name(client, form_url, private_dir):
    proof = SimpleUploadedFile("uittreksel Piet Jansen.pdf", PDF + b"Piet Jansen", content_type="text/plain")
    client.post(form_url, valid(on_behalf="parent", on_behalf_of="Piet Jansen", proof=proof))
    upload = RequestUpload.objects.get()
    assert upload.content_type == "application/pdf"  # by content, not by what the browser said
    stored = private_dir / upload.stored_name
    assert b"Piet Jansen" not in stored.read_bytes()
    assert "Piet" not in upload.stored_name


def test_an_id_copy_is_asked_only_when_the_organisation_asks(client, organisation, form_url):
    organisation.asks_id_copy = True
    organisation.save()
    html = client.get(form_url).content.decode()
    assert 'name="id_copy"' in html
    assert "machineleesbare zone" in html
    response = client.post(form_url, valid())
    assert "id_copy" in response.context["form"].errors
    assert client.post(form_url, valid(id_copy=SimpleUploadedFile("id.png", PNG))).status_code == 302


def test_the_verification_link_works_once_and_leads_to_the_status_page(client, form_url, mailoutbox):
    client.post(form_url, valid())
    link = verify_link(mailoutbox[0])
    assert client.get(link).status_code == 200  # a mail scanner opening the link uses nothing up
    response = client.post(link)
    assert response.status_code == 302
    request = SubjectRequest.objects.get()
    assert request.status == SubjectRequest.Status.VERIFIED
    assert request.email_verified_at
    status = client.get(response.url)
    assert request.reference in status.content.decode()
    assert status.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in status.headers["Cache-Control"]
    assert client.post(link).status_code == 404  # single use


def test_the_verification_link_expires_after_seven_days(client, form_url, mailoutbox, time_machine):
    time_machine.move_to(datetime(2026, 11, 1, 10, 0, tzinfo=AMS), tick=False)
    client.post(form_url, valid())
    link = verify_link(mailoutbox[0])
    time_machine.move_to(datetime(2026, 11, 8, 10, 0, tzinfo=AMS), tick=False)
    assert client.post(link).status_code == 404
    assert SubjectRequest.objects.get().status == SubjectRequest.Status.RECEIVED


def test_unverified_requests_are_purged_after_seven_days_with_their_files(organisation, private_dir):
    now = datetime(2026, 11, 1, 10, 0, tzinfo=AMS)
    from requests_portal.intake import IntakeUpload

    request, _ = request_create(
        organisation=organisation, kind="access", name="Jan", email="jan@voorbeeld.nl", message="",
        language="nl", uploads=[IntakeUpload("id_copy", PNG, "image/png")], now=now,
    )  # fmt: skip
    assert unverified_purge(now=now + timedelta(days=7) - timedelta(seconds=1)) == {}
    assert unverified_purge(now=now + timedelta(days=7)) == {organisation.slug: 1}
    assert not SubjectRequest.objects.exists()
    assert not SubjectRequest.history.exists()
    assert list(private_dir.iterdir()) == []


def test_a_second_request_of_the_same_kind_is_linked_to_the_open_one(client, form_url):
    client.post(form_url, valid())
    client.post(form_url, valid(email="JAN@voorbeeld.nl "))
    client.post(form_url, valid(kind="erasure"))
    first, second, erasure = SubjectRequest.objects.order_by("pk")
    assert second.duplicate_of == first
    assert erasure.duplicate_of is None


def test_references_are_numbered_per_year(organisation):
    moments = [datetime(2026, 12, 31, 23, 59, 59, tzinfo=AMS), datetime(2027, 1, 1, 0, 0, tzinfo=AMS)]
    references = [
        request_create(
            organisation=organisation, kind="access", name="A", email=f"{i}@x.nl", message="", language="nl", now=moment
        )[0].reference  # fmt: skip
        for i, moment in enumerate([moments[0], moments[0], moments[1]])
    ]
    assert references == ["AVG-2026-0001", "AVG-2026-0002", "AVG-2027-0001"]


def test_due_dates_of_a_request_and_a_complaint(organisation):
    received = datetime(2026, 1, 31, 23, 59, 59, tzinfo=AMS)
    request, _ = request_create(
        organisation=organisation, kind="access", name="A", email="a@x.nl", message="", language="nl", now=received
    )
    assert (request.target_due_on, request.legal_due_on) == (date(2026, 2, 28), date(2026, 2, 28))
    complaint, _ = request_create(
        organisation=organisation, kind="complaint", name="A", email="a@x.nl", message="", language="nl",
        now=received,
    )  # fmt: skip
    assert complaint.legal_due_on == date(2026, 2, 14)


def test_the_form_is_rate_limited_per_address_with_a_dutch_page(client, form_url):
    for number in range(10):
        assert client.post(form_url, valid(email=f"persoon{number}@voorbeeld.nl")).status_code == 302
    response = client.post(form_url, valid(email="nog-een@voorbeeld.nl"))
    assert response.status_code == 429
    assert "Te veel verzoeken" in response.content.decode()
    assert SubjectRequest.objects.count() == 10


def test_the_form_is_rate_limited_per_e_mail_address(client, form_url):
    for number in range(5):
        client.post(form_url, valid(), REMOTE_ADDR=f"10.0.0.{number}")
    assert client.post(form_url, valid(), REMOTE_ADDR="10.0.0.99").status_code == 429


def test_the_form_needs_csrf(organisation, form_url):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post(form_url, valid()).status_code == 403


def test_an_english_requester_is_answered_in_english(client, form_url, mailoutbox):
    client.cookies["django_language"] = "en"
    assert "Your privacy request to" in client.get(form_url).content.decode()
    client.post(form_url, valid())
    assert SubjectRequest.objects.get().requester_language == "en"
    assert mailoutbox[0].subject.startswith("Confirm your request")


def test_the_requester_replies_on_the_status_page(client, form_url, mailoutbox):
    client.post(form_url, valid())
    status_url = client.post(verify_link(mailoutbox[0])).url
    client.post(status_url, {"text": "Hier is de aanvulling."})
    reply = RequestEvent.objects.get(kind=RequestEvent.Kind.MESSAGE_IN)
    assert reply.text == "Hier is de aanvulling."
    assert "Hier is de aanvulling." in client.get(status_url).content.decode()


def test_a_forged_or_unverified_status_link_is_not_found(client, organisation):
    from requests_portal.links import status_path

    request, _ = request_create(
        organisation=organisation, kind="access", name="A", email="a@x.nl", message="", language="nl",
        now=datetime(2026, 11, 1, tzinfo=AMS),
    )  # fmt: skip
    assert client.get(status_path(request)).status_code == 404  # not yet verified
    assert client.get(reverse("requests_portal:status", args=["1:forged"])).status_code == 404


def test_one_reminder_after_a_day_with_a_fresh_link(client, form_url, mailoutbox, time_machine):
    from requests_portal.intake import verification_reminders_send

    time_machine.move_to(datetime(2026, 11, 1, 10, 0, tzinfo=AMS), tick=False)
    client.post(form_url, valid())
    first_link = verify_link(mailoutbox[0])
    assert verification_reminders_send(now=datetime(2026, 11, 2, 9, 59, 59, tzinfo=AMS)) == 0
    assert verification_reminders_send(now=datetime(2026, 11, 2, 10, 0, tzinfo=AMS)) == 1
    assert verification_reminders_send(now=datetime(2026, 11, 2, 11, 0, tzinfo=AMS)) == 0  # only once
    assert len(mailoutbox) == 2
    fresh_link = verify_link(mailoutbox[1])
    assert SubjectRequest.objects.get().reference in mailoutbox[1].subject
    assert client.post(first_link).status_code == 404
    assert client.post(fresh_link).status_code == 302


def test_every_mail_names_the_reference_and_the_due_date(client, form_url, mailoutbox, time_machine):
    time_machine.move_to(datetime(2026, 1, 31, 10, 0, tzinfo=AMS), tick=False)
    client.post(form_url, valid())
    client.post(verify_link(mailoutbox[0]))
    for message in mailoutbox:
        assert "AVG-2026-0001" in message.subject
        assert "28 februari 2026" in message.body
