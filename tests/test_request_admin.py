"""The FG's request desk: the list and its colours and filters, the steps, the uploads, and who may do what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from register.models import DataSubject, Recipient, Relation
from register.roles import BOARD, DPO, STAFF
from requests_portal.admin import days_left_badge
from requests_portal.models import (
    AccessPackage,
    ErasureRun,
    PackageDownload,
    RequestEvent,
    RequestUpload,
    SubjectRequest,
)
from requests_portal.storage import private_file_save
from tests.factories import (
    ActivityFactory,
    DataSubjectFactory,
    OrganisationFactory,
    SubjectRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Status = SubjectRequest.Status
CHANGELIST = "admin:requests_portal_subjectrequest_changelist"


@pytest.fixture
def officer(organisation):
    return UserFactory(role=DPO, member_of=[organisation])


@pytest.fixture
def officer_client(login, officer):
    return login(officer)


def change_url(subject_request) -> str:
    return reverse("admin:requests_portal_subjectrequest_change", args=[subject_request.pk])


def step_url(subject_request, step: str) -> str:
    return reverse("admin:requests_portal_subjectrequest_step", args=[subject_request.pk, step])


def due_in(days: int, **fields) -> SubjectRequest:
    today = timezone.localdate()
    return SubjectRequestFactory(
        target_due_on=today + timedelta(days=days), legal_due_on=today + timedelta(days=days), **fields
    )


def add_upload(subject_request, content: bytes = b"%PDF-1.7 paspoort") -> RequestUpload:
    return RequestUpload.objects.create(
        request=subject_request,
        purpose=RequestUpload.Purpose.ID_COPY,
        stored_name=private_file_save(content),
        content_type="application/pdf",
        size=len(content),
        uploaded_at=timezone.now(),
    )


# The list


def test_changelist_search_and_change_page_open(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation, requester_email="jan@voorbeeld.nl")
    RequestEvent.objects.create(request=subject_request, at=timezone.now(), kind="received", text="Ontvangen")
    url = reverse(CHANGELIST)
    assert officer_client.get(url).status_code == 200
    found = officer_client.get(url, {"q": subject_request.reference}).content.decode()
    assert subject_request.reference in found
    assert subject_request.reference in officer_client.get(url, {"q": "jan@voorbeeld.nl"}).content.decode()
    assert subject_request.reference not in officer_client.get(url, {"q": "voorbeeld.nl"}).content.decode()  # exact
    page = officer_client.get(change_url(subject_request))
    assert page.status_code == 200
    assert "Ontvangen" in page.content.decode()
    assert officer_client.get(reverse("admin:requests_portal_subjectrequest_add")).status_code == 403


@pytest.mark.parametrize(
    ("days", "colour", "text"),
    [
        (10, "days-green", "10"),
        (9, "days-orange", "9"),
        (5, "days-orange", "5"),
        (4, "days-red", "4"),
        (0, "days-red", "0"),
        (-1, "days-overdue", "-1 te laat"),
    ],
)
def test_days_left_colours(organisation, days, colour, text):
    badge = days_left_badge(due_in(days, organisation=organisation, status=Status.IN_PROGRESS))
    assert colour in badge
    assert f">{text}</span>" in badge


def test_closed_requests_show_a_dash_and_extended_ones_count_to_the_new_date(organisation):
    assert days_left_badge(due_in(-3, organisation=organisation, status=Status.COMPLETED)) == "–"
    extended = due_in(1, organisation=organisation, status=Status.EXTENDED)
    extended.extended_due_on = timezone.localdate() + timedelta(days=30)
    assert ">30</span>" in days_left_badge(extended)


def test_the_list_shows_the_badges_in_dutch(officer_client, organisation):
    due_in(-2, organisation=organisation, status=Status.IN_PROGRESS)
    due_in(3, organisation=organisation, status=Status.COMPLETED)
    html = officer_client.get(reverse(CHANGELIST)).content.decode()
    assert "days-overdue" in html
    assert "requests.css" in html


def test_overdue_filter(officer_client, organisation):
    now = timezone.now()
    late = due_in(-1, organisation=organisation, status=Status.IN_PROGRESS)
    today = due_in(0, organisation=organisation, status=Status.IN_PROGRESS)
    closed = due_in(-5, organisation=organisation, status=Status.COMPLETED)
    late_when_paused = due_in(-3, organisation=organisation, status=Status.WAITING, paused_since=now)
    paused_in_time = due_in(-1, organisation=organisation, status=Status.WAITING, paused_since=now - timedelta(days=4))
    extended = due_in(-1, organisation=organisation, status=Status.EXTENDED)
    SubjectRequest.objects.filter(pk=extended.pk).update(extended_due_on=timezone.localdate() + timedelta(days=20))

    def listed(value):
        response = officer_client.get(reverse(CHANGELIST), {"overdue": value})
        return {r.reference for r in response.context["cl"].result_list}

    assert listed("yes") == {late.reference, late_when_paused.reference}
    assert listed("no") == {today.reference, paused_in_time.reference, extended.reference}
    assert closed.reference not in listed("no")


def many_requests(organisation, count: int, assignee) -> None:
    received = timezone.now()
    SubjectRequest.objects.bulk_create(
        SubjectRequest(
            organisation=organisation,
            reference=f"AVG-2026-{n:05d}",
            kind="access",
            status=Status.IN_PROGRESS if n % 3 else Status.COMPLETED,
            requester_name="Jan Jansen",
            requester_email=f"jan{n}@voorbeeld.nl",
            received_at=received,
            target_due_on=received.date() + timedelta(days=n % 40 - 10),
            legal_due_on=received.date() + timedelta(days=n % 40 - 10),
            assignee=assignee if n % 2 else None,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("params", [{}, {"overdue": "yes"}, {"status": "in_progress"}, {"q": "jan5@voorbeeld.nl"}])
@pytest.mark.parametrize("count", [20, 2000])
def test_changelist_queries_do_not_grow_with_the_data(
    officer_client, officer, organisation, django_assert_max_num_queries, params, count
):
    many_requests(organisation, count, assignee=officer)
    url = reverse(CHANGELIST)
    officer_client.get(url, params)  # warm the session and content-type caches
    # savepoint and release (ATOMIC_REQUESTS), session, user, OTP device, user and group permissions,
    # organisation filter choices, assignee filter choices, filtered count, total count, and the page of
    # requests with organisation and assignee joined (the days left come from its columns)
    with django_assert_max_num_queries(12):
        response = officer_client.get(url, params)
    assert response.status_code == 200


def test_change_page_queries_do_not_grow_with_the_timeline(
    officer_client, officer, organisation, django_assert_max_num_queries
):
    subject = DataSubjectFactory(organisation=organisation)
    subject_request = SubjectRequestFactory(organisation=organisation, assignee=officer, subject=subject)
    RequestEvent.objects.bulk_create(
        RequestEvent(request=subject_request, at=timezone.now(), kind="note", text=f"Notitie {n}") for n in range(200)
    )
    add_upload(subject_request)
    officer_client.get(change_url(subject_request))
    # savepoint and release, session, user, OTP device, the request, user and group permissions, the uploads,
    # the events with their actors, the access package if made, and each inline's request fetched once for all
    # its rows (FETCH_PEERS) for the row titles; organisation, assignee and data subject come joined to the request
    with django_assert_max_num_queries(13):
        response = officer_client.get(change_url(subject_request))
    assert response.status_code == 200


# Steps


def test_the_change_page_offers_the_steps_the_state_allows(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation)
    html = officer_client.get(change_url(subject_request)).content.decode()
    assert step_url(subject_request, "start") in html
    assert step_url(subject_request, "extend") in html
    assert step_url(subject_request, "resume") not in html


def test_start_with_one_button(officer_client, officer, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation)
    response = officer_client.post(step_url(subject_request, "start"))
    assert response.status_code == 302 and response["Location"] == change_url(subject_request)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS
    assert subject_request.history.first().history_user == officer
    again = officer_client.post(step_url(subject_request, "start"), follow=True)
    assert subject_request.reference in " ".join(str(m) for m in again.context["messages"])


def test_pause_and_resume_through_the_admin(officer_client, organisation, mailoutbox):
    subject_request = SubjectRequestFactory(organisation=organisation, status=Status.IN_PROGRESS)
    assert officer_client.get(step_url(subject_request, "pause")).status_code == 200
    response = officer_client.post(step_url(subject_request, "pause"), {"reason": "Een kopie van uw machtiging"})
    assert response.status_code == 302
    assert "Een kopie van uw machtiging" in mailoutbox[0].body
    officer_client.post(step_url(subject_request, "resume"))
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS


def test_identity_is_confirmed_through_its_step_not_by_editing_the_field(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation, status=Status.IN_PROGRESS)
    page = officer_client.get(change_url(subject_request))
    assert step_url(subject_request, "identify") in page.content.decode()
    assert "identity_confirmed_at" not in page.context["adminform"].form.fields  # read-only
    officer_client.post(step_url(subject_request, "identify"), {"how": "ID-kopie gezien, BSN onleesbaar"})
    subject_request.refresh_from_db()
    assert subject_request.identity_confirmed_at is not None
    assert step_url(subject_request, "identify") not in officer_client.get(change_url(subject_request)).content.decode()


def test_extend_needs_a_reason_and_shows_the_refusal_of_a_second_time(officer_client, organisation, mailoutbox):
    subject_request = SubjectRequestFactory(organisation=organisation, status=Status.IN_PROGRESS)
    empty = officer_client.post(step_url(subject_request, "extend"), {"reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors
    officer_client.post(step_url(subject_request, "extend"), {"reason": "Drie archieven"})
    subject_request.refresh_from_db()
    assert subject_request.status == Status.EXTENDED
    second = officer_client.post(step_url(subject_request, "extend"), {"reason": "Nog eens"})
    assert second.status_code == 200
    assert "maar één keer" in " ".join(second.context["form"].non_field_errors())
    assert len(mailoutbox) == 1
    assert officer_client.get(step_url(subject_request, "extend")).status_code == 302  # no longer offered


def test_refuse_with_ground_and_explanation(officer_client, organisation, mailoutbox):
    subject_request = SubjectRequestFactory(organisation=organisation, status=Status.IN_PROGRESS)
    form = officer_client.get(step_url(subject_request, "refuse")).content.decode()
    assert 'value="17_3"' in form
    without = officer_client.post(step_url(subject_request, "refuse"), {"ground": "", "explanation": "Nee"})
    assert without.status_code == 200 and "ground" in without.context["form"].errors
    officer_client.post(step_url(subject_request, "refuse"), {"ground": "17_3", "explanation": "Bewaarplicht"})
    subject_request.refresh_from_db()
    assert (subject_request.status, subject_request.refusal_ground) == (Status.REFUSED, "17_3")
    assert "Autoriteit Persoonsgegevens" in mailoutbox[0].body


def test_assign_offers_only_members(officer_client, officer, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation)
    colleague = UserFactory(role=STAFF, member_of=[organisation])
    outsider = UserFactory(role=STAFF, member_of=[OrganisationFactory()])
    choices = officer_client.get(step_url(subject_request, "assign")).context["form"].fields["assignee"].queryset
    assert set(choices) == {officer, colleague}
    refused = officer_client.post(step_url(subject_request, "assign"), {"assignee": outsider.pk})
    assert refused.status_code == 200 and refused.context["form"].errors
    officer_client.post(step_url(subject_request, "assign"), {"assignee": colleague.pk})
    subject_request.refresh_from_db()
    assert subject_request.assignee == colleague


def test_match_suggests_and_searches_within_the_organisation(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation, requester_email="jan@voorbeeld.nl")
    same_email = DataSubjectFactory(organisation=organisation, name="J. Jansen", email="jan@voorbeeld.nl")
    other = DataSubjectFactory(organisation=organisation, name="Piet Pietersen", email="piet@voorbeeld.nl")
    elsewhere = DataSubjectFactory(name="Jan Jansen", email="jan@voorbeeld.nl")

    def offered(**params):
        form = officer_client.get(step_url(subject_request, "match"), params).context["form"]
        return [pk for pk, _label in form.fields["subject"].widget.choices]

    assert offered() == [same_email.pk]
    assert offered(q="piet") == [other.pk]
    refused = officer_client.post(step_url(subject_request, "match"), {"subject": elsewhere.pk})
    assert refused.status_code == 200 and refused.context["form"].errors
    officer_client.post(step_url(subject_request, "match"), {"subject": other.pk})
    subject_request.refresh_from_db()
    assert subject_request.subject == other


def test_an_unknown_step_is_a_404(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation)
    assert officer_client.post(step_url(subject_request, "delete")).status_code == 404


# Uploads


def test_an_upload_opens_decrypted_as_an_attachment(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation)
    upload = add_upload(subject_request, b"%PDF-1.7 paspoort J. Jansen")
    url = reverse("admin:requests_portal_subjectrequest_upload", args=[subject_request.pk, upload.pk])
    assert url in officer_client.get(change_url(subject_request)).content.decode()
    response = officer_client.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 paspoort J. Jansen"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    other = add_upload(SubjectRequestFactory(organisation=organisation))
    wrong_pair = reverse("admin:requests_portal_subjectrequest_upload", args=[subject_request.pk, other.pk])
    assert officer_client.get(wrong_pair).status_code == 404


def test_a_destroyed_upload_is_a_404(officer_client, organisation, private_dir):
    subject_request = SubjectRequestFactory(organisation=organisation)
    upload = add_upload(subject_request)
    (private_dir / upload.stored_name).unlink()
    url = reverse("admin:requests_portal_subjectrequest_upload", args=[subject_request.pk, upload.pk])
    assert officer_client.get(url).status_code == 404


# Who may do what


def test_another_organisations_request_is_a_404_everywhere(officer_client):
    foreign = SubjectRequestFactory(organisation=OrganisationFactory())
    upload = add_upload(foreign)
    assert foreign.reference not in officer_client.get(reverse(CHANGELIST)).content.decode()
    assert officer_client.get(change_url(foreign)).status_code == 404
    assert officer_client.get(step_url(foreign, "pause")).status_code == 404
    assert officer_client.post(step_url(foreign, "start")).status_code == 404
    url = reverse("admin:requests_portal_subjectrequest_upload", args=[foreign.pk, upload.pk])
    assert officer_client.get(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.VERIFIED


def test_the_board_can_read_but_not_act(login, organisation):
    client = login(UserFactory(role=BOARD, member_of=[organisation]))
    subject_request = SubjectRequestFactory(organisation=organisation)
    upload = add_upload(subject_request)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    page = client.get(change_url(subject_request))
    assert page.status_code == 200
    assert step_url(subject_request, "start") not in page.content.decode()
    assert client.post(step_url(subject_request, "start")).status_code == 403
    assert client.get(step_url(subject_request, "message")).status_code == 403
    url = reverse("admin:requests_portal_subjectrequest_upload", args=[subject_request.pk, upload.pk])
    assert client.get(url).status_code == 404  # an ID copy is for the people who handle the request
    subject_request.refresh_from_db()
    assert subject_request.status == Status.VERIFIED


def test_staff_can_handle_requests_assigned_to_them(login, organisation):
    staff = UserFactory(role=STAFF, member_of=[organisation])
    client = login(staff)
    subject_request = SubjectRequestFactory(organisation=organisation, assignee=staff)
    assert client.post(step_url(subject_request, "start")).status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS


def test_staff_do_not_see_requests_assigned_to_someone_else_or_nobody(login, organisation):
    staff = UserFactory(role=STAFF, member_of=[organisation])
    theirs = SubjectRequestFactory(organisation=organisation, assignee=staff)
    others = [
        SubjectRequestFactory(organisation=organisation),
        SubjectRequestFactory(organisation=organisation, assignee=UserFactory(role=STAFF, member_of=[organisation])),
    ]
    client = login(staff)
    listed = client.get(reverse("admin:requests_portal_subjectrequest_changelist")).context["cl"].result_list
    assert list(listed) == [theirs]
    for other in others:
        assert client.get(change_url(other)).status_code == 404
        assert client.post(step_url(other, "start")).status_code == 404
        other.refresh_from_db()
        assert other.status == Status.VERIFIED


@pytest.mark.parametrize("role", [DPO, BOARD])
def test_the_fg_and_the_board_see_every_request_of_their_organisation(login, organisation, role):
    requests = [SubjectRequestFactory(organisation=organisation) for _ in range(2)]
    client = login(UserFactory(role=role, member_of=[organisation]))
    listed = client.get(reverse("admin:requests_portal_subjectrequest_changelist")).context["cl"].result_list
    assert set(listed) == set(requests)


def test_a_superuser_sees_every_organisation(login):
    client = login(UserFactory(is_superuser=True))
    foreign = SubjectRequestFactory(organisation=OrganisationFactory())
    assert client.get(change_url(foreign)).status_code == 200


# Answers (answers.py, erasure.py, rights.py) from the change page


def answer_url(subject_request, action: str) -> str:
    return reverse("admin:requests_portal_subjectrequest_answer", args=[subject_request.pk, action])


def related_subject(organisation, **relation):
    subject = DataSubjectFactory(organisation=organisation, name="Jan Jansen", email="jan@voorbeeld.nl")
    activity = ActivityFactory(organisation=organisation, name="Nieuwsbrief")
    recipient = Recipient.objects.create(organisation=organisation, name="Drukkerij De Pers")
    activity.recipients.add(recipient)
    Relation.objects.create(subject=subject, activity=activity, started_on=timezone.localdate(), **relation)
    return subject


def test_an_access_package_is_made_and_checked_from_the_request(officer_client, organisation):
    subject_request = SubjectRequestFactory(
        organisation=organisation, status=Status.IN_PROGRESS, subject=related_subject(organisation)
    )
    assert answer_url(subject_request, "package") in officer_client.get(change_url(subject_request)).content.decode()
    officer_client.post(answer_url(subject_request, "package"))
    assert AccessPackage.objects.filter(request=subject_request).exists()
    json_url = reverse("admin:requests_portal_subjectrequest_package", args=[subject_request.pk, "json"])
    assert json_url in officer_client.get(change_url(subject_request)).content.decode()
    response = officer_client.get(json_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Nieuwsbrief" in response.content.decode()
    assert not PackageDownload.objects.exists()  # the FG's check is not the requester's download


def test_an_answer_must_fit_the_kind_and_the_state(officer_client, organisation):
    access = SubjectRequestFactory(organisation=organisation, status=Status.IN_PROGRESS)
    messages = officer_client.post(answer_url(access, "restrict"), follow=True).context["messages"]
    assert [m.level_tag for m in messages] == ["error"]
    closed = SubjectRequestFactory(organisation=organisation, status=Status.COMPLETED)
    officer_client.post(answer_url(closed, "package"))
    assert not AccessPackage.objects.exists()
    assert officer_client.post(answer_url(access, "drop_tables")).status_code == 404


def test_restriction_needs_a_match_then_restricts_every_relation(officer_client, organisation):
    subject_request = SubjectRequestFactory(organisation=organisation, kind="restriction", status=Status.IN_PROGRESS)
    unmatched = officer_client.post(answer_url(subject_request, "restrict"), follow=True)
    assert [m.level_tag for m in unmatched.context["messages"]] == ["error"]
    subject = related_subject(organisation)
    SubjectRequest.objects.filter(pk=subject_request.pk).update(subject=subject)
    officer_client.post(answer_url(subject_request, "restrict"))
    assert subject.relations.get().restricted is True


def test_rectification_lists_whom_to_inform(officer_client, organisation):
    subject_request = SubjectRequestFactory(
        organisation=organisation, kind="rectification", subject=related_subject(organisation)
    )
    assert "Drukkerij De Pers" in officer_client.get(change_url(subject_request)).content.decode()


def test_erasure_is_previewed_confirmed_executed_and_certified(officer_client, officer, organisation):
    subject = related_subject(organisation)
    subject_request = SubjectRequestFactory(
        organisation=organisation, kind="erasure", status=Status.IN_PROGRESS, subject=subject
    )
    preview = officer_client.post(answer_url(subject_request, "erasure_preview"), follow=True)
    erasure_page = reverse("admin:requests_portal_subjectrequest_erasure", args=[subject_request.pk])
    assert preview.redirect_chain[-1][0] == erasure_page
    assert "Nieuwsbrief" in preview.content.decode()
    refused = officer_client.post(answer_url(subject_request, "erasure_execute"), follow=True)
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]  # not confirmed yet
    officer_client.post(answer_url(subject_request, "erasure_confirm"))
    officer_client.post(answer_url(subject_request, "erasure_execute"))
    run = ErasureRun.objects.get(request=subject_request)
    assert (run.confirmed_by, run.executed_at is not None) == (officer, True)
    assert not DataSubject.objects.filter(pk=subject.pk, name="Jan Jansen").exists()
    certificate = officer_client.get(
        reverse("admin:requests_portal_subjectrequest_certificate", args=[subject_request.pk])
    )
    assert certificate.status_code == 200
    assert certificate.content.startswith(b"%PDF")
    assert certificate["Content-Disposition"].startswith("attachment;")


def test_the_board_cannot_make_answers(login, organisation):
    client = login(UserFactory(role=BOARD, member_of=[organisation]))
    subject_request = SubjectRequestFactory(organisation=organisation, status=Status.IN_PROGRESS)
    assert client.post(answer_url(subject_request, "package")).status_code == 403
    assert not AccessPackage.objects.exists()


def test_only_the_fg_confirms_and_executes_an_erasure(login, organisation):
    staff = UserFactory(role=STAFF, member_of=[organisation])
    client = login(staff)
    subject_request = SubjectRequestFactory(
        organisation=organisation,
        kind="erasure",
        status=Status.IN_PROGRESS,
        subject=related_subject(organisation),
        assignee=staff,
    )
    page = client.post(answer_url(subject_request, "erasure_preview"), follow=True)
    assert page.status_code == 200 and "Nieuwsbrief" in page.content.decode()
    assert answer_url(subject_request, "erasure_confirm") not in page.content.decode()
    assert client.post(answer_url(subject_request, "erasure_confirm")).status_code == 403
    assert client.post(answer_url(subject_request, "erasure_execute")).status_code == 403
    assert ErasureRun.objects.get(request=subject_request).confirmed_at is None
