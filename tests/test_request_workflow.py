"""The FG's request workflow: every step, every refusal, the clock, the mails and the destroyed uploads."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from requests_portal.models import RequestEvent, RequestUpload, SubjectRequest
from requests_portal.selectors import match_suggestions, request_days_left
from requests_portal.storage import private_file_save
from requests_portal.workflow import (
    WorkflowError,
    request_assign,
    request_complete,
    request_extend,
    request_identity_confirm,
    request_match,
    request_message,
    request_pause,
    request_refuse,
    request_resume,
    request_start,
    request_withdraw,
    steps_available,
)
from tests.factories import DataSubjectFactory, OrganisationFactory, SubjectRequestFactory, UserFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=AMS)  # target 30 March, legal deadline 2 April
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=AMS)
Status = SubjectRequest.Status


@pytest.fixture
def officer(organisation):
    return UserFactory(member_of=[organisation])


def make(organisation, **fields) -> SubjectRequest:
    return SubjectRequestFactory(organisation=organisation, received_at=RECEIVED, **fields)


def reloaded(request: SubjectRequest) -> SubjectRequest:
    return SubjectRequest.objects.get(pk=request.pk)


# Start, assign, match


def test_start_takes_a_verified_request_up_and_keeps_who_did_it(organisation, officer):
    request = make(organisation)
    request_start(request=request, user=officer, now=NOW)
    request = reloaded(request)
    assert request.status == Status.IN_PROGRESS
    assert request.history.first().history_user == officer
    event = request.events.get(kind=RequestEvent.Kind.STATUS)
    assert (event.actor, event.at, event.visible_to_requester) == (officer, NOW, True)


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.IN_PROGRESS, Status.WAITING, Status.COMPLETED])
def test_start_refuses_any_other_state_and_changes_nothing(organisation, officer, status):
    request = make(organisation, status=status)
    with pytest.raises(WorkflowError, match=request.reference):
        request_start(request=request, user=officer, now=NOW)
    assert reloaded(request).status == status
    assert not request.events.exists()


def test_a_retried_step_is_refused_because_the_state_is_read_under_the_lock(organisation, officer):
    request = make(organisation)
    stale = reloaded(request)
    request_start(request=request, user=officer, now=NOW)
    with pytest.raises(WorkflowError):
        request_start(request=stale, user=officer, now=NOW)  # its status in memory still says verified
    assert request.events.count() == 1


def test_assign_only_to_a_member_of_the_organisation(organisation, officer):
    request = make(organisation)
    request_assign(request=request, assignee=officer, user=officer, now=NOW)
    assert reloaded(request).assignee == officer
    outsider = UserFactory(member_of=[OrganisationFactory()])
    with pytest.raises(WorkflowError):
        request_assign(request=request, assignee=outsider, user=officer, now=NOW)
    assert reloaded(request).assignee == officer


def test_match_only_to_a_subject_of_the_same_organisation(organisation, officer):
    request = make(organisation)
    subject = DataSubjectFactory(organisation=organisation)
    request_match(request=request, subject=subject, user=officer, now=NOW)
    assert reloaded(request).subject == subject
    with pytest.raises(WorkflowError):
        request_match(request=request, subject=DataSubjectFactory(), user=officer, now=NOW)
    assert reloaded(request).subject == subject


def test_match_is_refused_once_the_request_is_closed(organisation, officer):
    request = make(organisation, status=Status.COMPLETED)
    with pytest.raises(WorkflowError):
        request_match(request=request, subject=DataSubjectFactory(organisation=organisation), user=officer, now=NOW)


def test_suggestions_put_the_same_email_first_then_names_and_stay_in_the_organisation(organisation):
    request = make(organisation, requester_name="Jan Jansen", requester_email="jan@voorbeeld.nl")
    by_surname = DataSubjectFactory(organisation=organisation, name="Anna Jansen", email="anna@voorbeeld.nl")
    by_name = DataSubjectFactory(organisation=organisation, name="Jan Jansen", email="oud@voorbeeld.nl")
    by_email = DataSubjectFactory(organisation=organisation, name="J. J.", email="JAN@voorbeeld.nl")
    DataSubjectFactory(organisation=organisation, name="Piet Pietersen")
    DataSubjectFactory(name="Jan Jansen", email="jan@voorbeeld.nl")  # another organisation's
    DataSubjectFactory(organisation=organisation, name="Jan Jansen", anonymised_at=NOW)
    assert match_suggestions(request) == [by_email, by_name, by_surname]
    assert len(match_suggestions(request, limit=2)) == 2
    assert match_suggestions(request, query="pieters")[0].name == "Piet Pietersen"


# Waiting for the requester


def test_pause_stops_the_clock_and_tells_the_requester_what_is_needed(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    request_pause(request=request, reason="Een kopie van uw machtiging", user=officer, now=NOW)
    request = reloaded(request)
    assert (request.status, request.paused_since, request.pause_reason) == (
        Status.WAITING,
        NOW,
        "Een kopie van uw machtiging",
    )
    assert "Een kopie van uw machtiging" in mailoutbox[0].body
    assert request.events.filter(kind=RequestEvent.Kind.EMAIL, visible_to_requester=True).exists()


def test_pause_needs_a_reason_and_an_open_request(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError):
        request_pause(request=request, reason="  ", user=officer, now=NOW)
    closed = make(organisation, status=Status.REFUSED)
    with pytest.raises(WorkflowError):
        request_pause(request=closed, reason="ID", user=officer, now=NOW)
    assert mailoutbox == []
    assert reloaded(request).status == Status.IN_PROGRESS


def test_resume_shifts_every_due_date_by_the_days_waited_and_tells_the_requester(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    assert (request.target_due_on, request.legal_due_on) == (date(2026, 3, 30), date(2026, 4, 2))
    request_pause(request=request, reason="ID", user=officer, now=NOW)
    request_resume(request=request, user=officer, now=NOW + timedelta(days=5, hours=3))
    request = reloaded(request)
    assert request.status == Status.IN_PROGRESS
    assert request.paused_days == 5
    assert (request.target_due_on, request.legal_due_on) == (date(2026, 4, 4), date(2026, 4, 7))
    assert request.paused_since is None
    paused, resumed = mailoutbox
    assert resumed.to == [request.requester_email] and request.reference in resumed.subject
    assert "5 dagen" in resumed.body and "4 april 2026" in resumed.body and "7 april 2026" in resumed.body


def test_waits_add_up_and_an_extended_deadline_moves_too(organisation, officer):
    request = make(organisation, status=Status.IN_PROGRESS)
    request_extend(request=request, reason="Veel archief", user=officer, now=NOW)
    assert reloaded(request).extended_due_on == date(2026, 6, 2)
    request_pause(request=request, reason="ID", user=officer, now=NOW)
    request_resume(request=request, user=officer, now=NOW + timedelta(days=2))
    request_pause(request=request, reason="Welke jaren?", user=officer, now=NOW + timedelta(days=3))
    request_resume(request=request, user=officer, now=NOW + timedelta(days=6))
    request = reloaded(request)
    assert request.status == Status.EXTENDED
    assert request.paused_days == 5
    assert (request.legal_due_on, request.extended_due_on) == (date(2026, 4, 7), date(2026, 6, 7))


def test_a_wait_within_one_day_shifts_nothing(organisation, officer):
    request = make(organisation, status=Status.IN_PROGRESS)
    request_pause(request=request, reason="ID", user=officer, now=NOW)
    request_resume(request=request, user=officer, now=NOW + timedelta(hours=8))
    assert reloaded(request).legal_due_on == date(2026, 4, 2)


def test_a_complaint_waits_on_its_own_window(organisation, officer):
    complaint = make(organisation, kind="complaint", status=Status.IN_PROGRESS)
    assert complaint.legal_due_on == date(2026, 3, 16)
    request_pause(request=complaint, reason="Welke brief?", user=officer, now=NOW)
    request_resume(request=complaint, user=officer, now=NOW + timedelta(days=3))
    complaint = reloaded(complaint)
    assert complaint.target_due_on == complaint.legal_due_on == date(2026, 3, 19)


def test_resume_refuses_a_request_that_is_not_waiting(organisation, officer):
    request = make(organisation, status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError):
        request_resume(request=request, user=officer, now=NOW)


def test_days_left_stand_still_while_waiting(organisation, officer):
    request = make(organisation, status=Status.IN_PROGRESS)
    request_pause(request=request, reason="ID", user=officer, now=datetime(2026, 3, 31, 9, 0, tzinfo=AMS))
    assert request_days_left(reloaded(request), date(2026, 4, 20)) == 2
    assert request_days_left(make(organisation, status=Status.COMPLETED), date(2026, 4, 20)) is None


# Extension


def test_extend_once_with_reasons_told_to_the_requester(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS, requester_language="en")
    request_extend(request=request, reason="Records in three archives", user=officer, now=NOW)
    request = reloaded(request)
    assert request.status == Status.EXTENDED
    assert request.extended_due_on == date(2026, 6, 2)
    assert (request.extension_reason, request.extended_at) == ("Records in three archives", NOW)
    body = mailoutbox[0].body
    assert "Records in three archives" in body
    assert "2 June 2026" in body
    with pytest.raises(WorkflowError, match="maar één keer"):
        request_extend(request=request, reason="Nog meer", user=officer, now=NOW)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [(datetime(2026, 4, 2, 23, 59, 59, tzinfo=AMS), True), (datetime(2026, 4, 3, 0, 0, tzinfo=AMS), False)],
)
def test_extension_is_possible_until_the_end_of_the_legal_deadline(
    organisation, officer, time_machine, moment, allowed
):
    request = make(organisation, status=Status.IN_PROGRESS)
    time_machine.move_to(moment, tick=False)
    assert ("extend" in steps_available(request, timezone.localdate())) is allowed
    if allowed:
        request_extend(request=request, reason="Veel archief", user=officer, now=timezone.now())
        assert reloaded(request).status == Status.EXTENDED
    else:
        with pytest.raises(WorkflowError, match="termijn is verstreken"):
            request_extend(request=request, reason="Veel archief", user=officer, now=timezone.now())
        assert reloaded(request).extended_due_on is None


def test_a_complaint_is_never_extended(organisation, officer):
    complaint = make(organisation, kind="complaint", status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError, match="klacht kan niet worden verlengd"):
        request_extend(request=complaint, reason="Drukte", user=officer, now=NOW)
    assert "extend" not in steps_available(complaint, NOW.date())


def test_an_extension_needs_a_reason(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError):
        request_extend(request=request, reason="", user=officer, now=NOW)
    assert reloaded(request).status == Status.IN_PROGRESS
    assert mailoutbox == []


# Messages


def test_a_message_is_mailed_and_shown_to_the_requester(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    request_message(request=request, text="Wij zoeken het uit & melden ons.", user=officer, now=NOW)
    assert "Wij zoeken het uit & melden ons." in mailoutbox[0].body  # plain text, not HTML-escaped
    event = request.events.get(kind=RequestEvent.Kind.MESSAGE_OUT)
    assert (event.text, event.visible_to_requester, event.actor) == ("Wij zoeken het uit & melden ons.", True, officer)


def test_no_message_to_an_unverified_address_and_none_empty(organisation, officer, mailoutbox):
    with pytest.raises(WorkflowError):
        request_message(request=make(organisation, status=Status.RECEIVED), text="Hallo", user=officer, now=NOW)
    with pytest.raises(WorkflowError):
        request_message(request=make(organisation), text=" ", user=officer, now=NOW)
    assert mailoutbox == []


# Closing


def test_complete_closes_with_the_outcome(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    request_complete(request=request, outcome="U vindt het overzicht op uw statuspagina.", user=officer, now=NOW)
    request = reloaded(request)
    assert (request.status, request.closed_at) == (Status.COMPLETED, NOW)
    assert "U vindt het overzicht op uw statuspagina." in mailoutbox[0].body
    with pytest.raises(WorkflowError):
        request_complete(request=request, outcome="Nog eens", user=officer, now=NOW)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("status", [Status.RECEIVED, Status.WAITING, Status.REFUSED, Status.WITHDRAWN])
def test_complete_refuses_other_states(organisation, officer, status):
    request = make(organisation, status=status)
    with pytest.raises(WorkflowError):
        request_complete(request=request, outcome="Klaar", user=officer, now=NOW)
    assert reloaded(request).closed_at is None


def test_complete_needs_an_outcome(organisation, officer):
    request = make(organisation, status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError):
        request_complete(request=request, outcome="", user=officer, now=NOW)


def test_a_complaint_is_answered_with_how_it_will_be_handled(organisation, officer, mailoutbox):
    complaint = make(organisation, kind="complaint", requester_language="en")
    assert complaint.legal_due_on == complaint.target_due_on == date(2026, 3, 16)  # 14 days
    request_complete(request=complaint, outcome="The board discusses it on 20 March.", user=officer, now=NOW)
    assert reloaded(complaint).status == Status.COMPLETED
    mail = mailoutbox[0]
    assert "how it will be handled" in mail.subject + mail.body
    assert "The board discusses it on 20 March." in mail.body
    assert "16 March 2026" in mail.body


def test_refusal_names_the_ground_the_ap_and_the_court(organisation, officer, mailoutbox):
    request = make(organisation, kind="erasure", status=Status.IN_PROGRESS, requester_language="en")
    request_refuse(
        request=request,
        ground=SubjectRequest.RefusalGround.ERASURE_EXCEPTION,
        explanation="Invoices are kept for seven years (art. 52 AWR).",
        user=officer,
        now=NOW,
    )
    request = reloaded(request)
    assert (request.status, request.refusal_ground, request.closed_at) == (Status.REFUSED, "17_3", NOW)
    body = mailoutbox[0].body
    assert "art. 17(3)" in body
    assert "Invoices are kept for seven years" in body
    assert "Autoriteit Persoonsgegevens" in body
    assert organisation.supervisor_complaint_url in body
    assert "court" in body and "12(4)" in body


@pytest.mark.parametrize("ground", ["", "made_up"])
def test_refusal_needs_a_legal_ground(organisation, officer, mailoutbox, ground):
    request = make(organisation, status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError, match="wettelijke grond"):
        request_refuse(request=request, ground=ground, explanation="Nee", user=officer, now=NOW)
    assert reloaded(request).status == Status.IN_PROGRESS
    assert mailoutbox == []


def test_refusal_needs_an_explanation_and_can_end_a_wait(organisation, officer):
    request = make(organisation, status=Status.WAITING, paused_since=NOW)
    with pytest.raises(WorkflowError):
        request_refuse(request=request, ground="identity", explanation="", user=officer, now=NOW)
    request_refuse(request=request, ground="identity", explanation="Geen reactie ontvangen.", user=officer, now=NOW)
    request = reloaded(request)
    assert (request.status, request.paused_since) == (Status.REFUSED, None)


def test_withdraw_confirms_to_a_verified_requester_only(organisation, officer, mailoutbox):
    verified = make(organisation, status=Status.IN_PROGRESS)
    request_withdraw(request=verified, user=officer, now=NOW)
    assert reloaded(verified).status == Status.WITHDRAWN
    assert len(mailoutbox) == 1 and verified.reference in mailoutbox[0].subject
    unverified = make(organisation, status=Status.RECEIVED, email_verified_at=None)
    request_withdraw(request=unverified, user=officer, now=NOW)
    assert reloaded(unverified).status == Status.WITHDRAWN
    assert len(mailoutbox) == 1
    with pytest.raises(WorkflowError):
        request_withdraw(request=verified, user=officer, now=NOW)


def add_upload(request, content: bytes = b"%PDF-1.7 paspoort") -> RequestUpload:
    return RequestUpload.objects.create(
        request=request,
        purpose=RequestUpload.Purpose.ID_COPY,
        stored_name=private_file_save(content),
        content_type="application/pdf",
        size=len(content),
        uploaded_at=RECEIVED,
    )


@pytest.mark.parametrize(
    "close",
    [
        lambda r, u: request_complete(request=r, outcome="Klaar", user=u, now=NOW),
        lambda r, u: request_refuse(request=r, ground="12_5", explanation="Herhaald", user=u, now=NOW),
        lambda r, u: request_withdraw(request=r, user=u, now=NOW),
    ],
    ids=["complete", "refuse", "withdraw"],
)
def test_closing_destroys_the_uploads(organisation, officer, private_dir, django_capture_on_commit_callbacks, close):
    request = make(organisation, status=Status.IN_PROGRESS)
    names = [add_upload(request).stored_name, add_upload(request).stored_name]
    other = add_upload(make(organisation, status=Status.IN_PROGRESS))
    with django_capture_on_commit_callbacks(execute=True):
        close(request, officer)
    assert not request.uploads.exists()
    assert not any((private_dir / name).exists() for name in names)
    assert (private_dir / other.stored_name).exists()
    assert request.events.filter(kind=RequestEvent.Kind.NOTE, text__contains="2").exists()


def test_a_refused_step_destroys_nothing(organisation, officer, private_dir, django_capture_on_commit_callbacks):
    request = make(organisation, status=Status.WAITING)
    upload = add_upload(request)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError):
        request_complete(request=request, outcome="Klaar", user=officer, now=NOW)
    assert (private_dir / upload.stored_name).exists()
    assert request.uploads.exists()


# Mails: language, reference, due date


@pytest.mark.parametrize(
    ("language", "due", "other", "closed"),
    [
        ("nl", "30 maart 2026", "30 March 2026", "Afgesloten op: 10 maart 2026 (antwoord uiterlijk op 2 april 2026)"),
        ("en", "30 March 2026", "30 maart 2026", "Closed on: 10 March 2026 (answer due by 2 April 2026)"),
    ],
)
def test_mails_are_in_the_requesters_language_with_reference_due_date_and_status_link(
    organisation, officer, mailoutbox, settings, language, due, other, closed
):
    settings.SITE_URL = "https://avg.example"
    request = make(organisation, status=Status.IN_PROGRESS, requester_language=language)
    request_pause(request=request, reason="ID", user=officer, now=NOW)
    request_resume(request=request, user=officer, now=NOW)
    request_message(request=request, text="Hallo", user=officer, now=NOW)
    request_complete(request=request, outcome="Klaar", user=officer, now=NOW)
    assert len(mailoutbox) == 4  # paused, resumed, message, completed
    for mail in mailoutbox:
        assert mail.to == [request.requester_email]
        assert request.reference in mail.subject
        assert request.reference in mail.body
        assert "https://avg.example/verzoek/status/" in mail.body
    *open_mails, completed = mailoutbox
    for mail in open_mails:
        assert due in mail.body and other not in mail.body
    assert closed in completed.body  # once answered, the mail says when, beside the date it was due


def test_steps_available_follow_the_state(organisation):
    assert steps_available(make(organisation), NOW.date())[:2] == ["start", "assign"]
    assert steps_available(make(organisation, status=Status.WAITING), NOW.date()) == [
        "assign",
        "match",
        "identify",
        "resume",
        "message",
        "refuse",
        "withdraw",
    ]
    assert steps_available(make(organisation, status=Status.COMPLETED), NOW.date()) == []


def test_the_identity_is_confirmed_once_with_how_it_was_established(organisation, officer, mailoutbox):
    request = make(organisation, status=Status.IN_PROGRESS)
    with pytest.raises(WorkflowError):
        request_identity_confirm(request=request, how="  ", user=officer, now=NOW)
    assert reloaded(request).identity_confirmed_at is None
    request_identity_confirm(request=request, how="Bekend e-mailadres", user=officer, now=NOW)
    request = reloaded(request)
    assert request.identity_confirmed_at == NOW
    assert request.events.filter(text__contains="Bekend e-mailadres", visible_to_requester=False).exists()
    assert "identify" not in steps_available(request, NOW.date())
    with pytest.raises(WorkflowError):
        request_identity_confirm(request=request, how="Nogmaals", user=officer, now=NOW)
    assert mailoutbox == []  # nothing for the requester to know


def test_a_closed_request_cannot_be_identified(organisation, officer):
    request = make(organisation, status=Status.COMPLETED)
    with pytest.raises(WorkflowError):
        request_identity_confirm(request=request, how="ID-kopie", user=officer, now=NOW)
    assert reloaded(request).identity_confirmed_at is None
