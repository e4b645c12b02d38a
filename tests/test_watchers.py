"""Deadline watchers: each threshold fires once, at its exact moment, and two passes at once send it once."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from register.models import Breach, Control
from register.roles import DPO
from retention import watchers
from retention.models import Reminder
from retention.watchers import watch_pass
from tests.factories import OrganisationFactory, SubjectRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def passes(django_capture_on_commit_callbacks):
    """One watcher pass at `moment`, with the mails that go after its commit."""

    def _pass(moment: datetime, **kwargs) -> dict[str, int]:
        with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
            return watch_pass(now=moment, **kwargs)

    return _pass


def control(organisation, due: date) -> Control:
    return Control.objects.create(organisation=organisation, name="Vernietiging kopieën", next_due_on=due)


def breach(organisation, discovered_at: datetime) -> Breach:
    return Breach.objects.create(
        organisation=organisation,
        title="Laptop kwijt",
        description="In de trein",
        discovered_at=discovered_at,
        notification_due_at=discovered_at + timedelta(hours=120),
    )


@pytest.mark.parametrize(
    ("before", "at", "threshold"),
    [
        (local(2026, 3, 23, 23, 59, 59), local(2026, 3, 24, 0, 0), "7d"),
        (local(2026, 3, 28, 23, 59, 59), local(2026, 3, 29, 0, 0), "2d"),  # 29 March: the clocks go forward
        (local(2026, 3, 30, 23, 59, 59), local(2026, 3, 31, 0, 0), "due"),
        (local(2026, 3, 31, 23, 59, 59), local(2026, 4, 1, 0, 0), "overdue"),
    ],
)
def test_a_date_threshold_fires_once_at_midnight(organisation, passes, mailoutbox, before, at, threshold):
    item = control(organisation, date(2026, 3, 31))
    Reminder.objects.bulk_create(  # the earlier thresholds were sent on their day
        Reminder(
            kind="control",
            object_id=item.pk,
            threshold=f"{code}:2026-03-31",
            organisation=organisation,
            due_at=at,
            sent_at=at,
            mailed_at=at,
            text="",
        )
        for code in ["7d", "2d", "due"][: ["7d", "2d", "due", "overdue"].index(threshold)]
    )
    assert passes(before)["reminders"] == 0
    assert passes(at) == {"reminders": 1, "control": 1}
    assert passes(at + timedelta(hours=1))["reminders"] == 0
    sent = Reminder.objects.get(threshold=f"{threshold}:2026-03-31")
    assert (sent.kind, sent.object_id, sent.organisation) == ("control", item.pk, organisation)
    [mail] = mailoutbox
    assert mail.to == [organisation.dpo_email]
    assert "Vernietiging kopieën" in mail.subject
    assert "31 " in mail.body and f"/admin/register/control/{item.pk}/change/" in mail.body


def test_an_item_first_seen_overdue_gets_one_reminder(organisation, passes, mailoutbox):
    control(organisation, date(2026, 1, 1))
    assert passes(local(2026, 3, 1, 9, 0)) == {"reminders": 1, "control": 1}
    assert Reminder.objects.get().threshold == "overdue:2026-01-01"
    assert passes(local(2026, 3, 2, 9, 0))["reminders"] == 0
    assert len(mailoutbox) == 1


def test_a_moved_deadline_is_reminded_again(organisation, passes):
    item = control(organisation, date(2026, 3, 31))
    passes(local(2026, 3, 31, 9, 0))
    item.next_due_on = date(2027, 3, 31)
    item.save()
    assert passes(local(2027, 3, 31, 9, 0))["reminders"] == 1


@pytest.mark.parametrize("hours", [24, 72, 96, 120])
def test_breach_thresholds_fire_to_the_second(organisation, passes, mailoutbox, hours):
    discovered = datetime(2026, 3, 27, 14, 30, 15, tzinfo=UTC)  # across the DST change: elapsed hours count
    item = breach(organisation, discovered)
    earlier = [h for h in watchers.BREACH_HOURS if h < hours]
    Reminder.objects.bulk_create(
        Reminder(
            kind="breach",
            object_id=item.pk,
            threshold=f"{h}h",
            organisation=organisation,
            due_at=discovered,
            sent_at=discovered,
            mailed_at=discovered,
            text="",
        )
        for h in earlier
    )
    moment = discovered + timedelta(hours=hours)
    assert passes(moment - timedelta(seconds=1))["reminders"] == 0
    assert passes(moment) == {"reminders": 1, "breach": 1}
    assert passes(moment + timedelta(seconds=1))["reminders"] == 0
    [mail] = mailoutbox
    assert "Laptop kwijt" in mail.subject
    assert f"/admin/register/breach/{item.pk}/change/" in mail.body


def test_a_notified_or_closed_breach_is_not_reminded(organisation, passes):
    discovered = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    breach(organisation, discovered).__class__.objects.update(authority_notified_at=discovered)
    other = breach(organisation, discovered)
    Breach.objects.filter(pk=other.pk).update(authority_notified_at=None, closed_at=discovered)
    assert passes(discovered + timedelta(hours=200))["reminders"] == 0


def test_requests_are_reminded_of_target_and_legal_limit(organisation, passes, mailoutbox):
    received = local(2026, 1, 31, 10, 0)
    request = SubjectRequestFactory(organisation=organisation, received_at=received)
    assert (request.target_due_on, request.legal_due_on) == (date(2026, 2, 28), date(2026, 2, 28))
    counts = passes(local(2026, 2, 28, 0, 0))
    assert counts == {"reminders": 2, "request_target": 1, "request_legal": 1}
    assert len(mailoutbox) == 1 and request.reference in mailoutbox[0].body


def test_complaints_are_reminded_at_their_14_days(organisation, passes):
    received = local(2026, 3, 2, 10, 0)
    SubjectRequestFactory(organisation=organisation, kind="complaint", received_at=received)
    assert passes(local(2026, 3, 8, 23, 59, 59))["reminders"] == 0
    assert passes(local(2026, 3, 9, 0, 0)) == {"reminders": 1, "complaint": 1}  # 7 days before the 16th


def test_the_dry_run_counts_and_records_nothing(organisation, passes, mailoutbox):
    control(organisation, date(2026, 3, 31))
    assert passes(local(2026, 3, 31, 9, 0), dry_run=True)["reminders"] == 1
    assert not Reminder.objects.exists() and not mailoutbox


def test_two_passes_send_each_reminder_once(organisation, passes, mailoutbox):
    control(organisation, date(2026, 3, 31))
    moment = local(2026, 3, 31, 9, 0)
    assert passes(moment)["reminders"] + passes(moment)["reminders"] == 1
    assert len(mailoutbox) == 1


def test_a_pass_that_loses_the_race_sends_nothing(organisation, passes, mailoutbox, monkeypatch):
    """Another pass inserts the reminder between this pass's selection and its insert: the unique constraint
    decides, and this pass neither fails nor mails."""
    item = control(organisation, date(2026, 3, 31))
    moment = local(2026, 3, 31, 9, 0)
    selected = watchers.reminders_due

    def selected_then_raced(now):
        due = selected(now)
        Reminder.objects.create(
            kind="control",
            object_id=item.pk,
            threshold="due:2026-03-31",
            organisation=organisation,
            due_at=moment,
            sent_at=moment,
            mailed_at=moment,
            text="by the other pass",
        )
        return due

    monkeypatch.setattr(watchers, "reminders_due", selected_then_raced)
    assert passes(moment)["reminders"] == 0
    assert not mailoutbox
    assert Reminder.objects.get().text == "by the other pass"


def test_a_reminder_whose_mail_failed_is_mailed_by_the_next_pass(organisation, passes, mailoutbox, monkeypatch):
    control(organisation, date(2026, 3, 31))
    moment = local(2026, 3, 31, 9, 0)

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.EmailMessage.send", refused)
        assert passes(moment)["reminders"] == 1
    assert not mailoutbox and Reminder.objects.get().mailed_at is None
    assert passes(moment + timedelta(minutes=15))["reminders"] == 0  # nothing new, but the failed mail goes
    [mail] = mailoutbox
    assert "Vernietiging kopieën" in mail.subject
    assert Reminder.objects.get().mailed_at == moment + timedelta(minutes=15)
    passes(moment + timedelta(minutes=30))
    assert len(mailoutbox) == 1  # marked mailed: never again


def test_one_failed_mail_does_not_stop_the_others(passes, mailoutbox, monkeypatch):
    one, two = OrganisationFactory(), OrganisationFactory()
    control(one, date(2026, 3, 31))
    control(two, date(2026, 3, 31))
    send = watchers.EmailMessage.send

    def refused_for_one(self, fail_silently=False):
        if self.to == [one.dpo_email]:
            raise ConnectionRefusedError("mailbox full")
        return send(self, fail_silently)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refused_for_one)
    passes(local(2026, 3, 31, 9, 0))
    assert [mail.to for mail in mailoutbox] == [[two.dpo_email]]
    assert list(Reminder.objects.filter(mailed_at__isnull=True).values_list("organisation", flat=True)) == [one.pk]


def _items(organisation, count: int) -> None:
    Control.objects.bulk_create(
        Control(organisation=organisation, name=f"Controle {n}", next_due_on=date(2026, 3, 31)) for n in range(count)
    )
    SubjectRequestFactory.create_batch(min(count, 20), organisation=organisation, received_at=local(2026, 3, 1, 9))


@pytest.mark.parametrize("count", [10, 1000])
def test_a_pass_takes_the_same_queries_for_10_and_1000_items(
    organisation, django_assert_num_queries, django_capture_on_commit_callbacks, count
):
    _items(organisation, count)
    moment = local(2026, 3, 31, 9, 0)
    # 9 selections (one per kind of deadline), 1 INSERT ... RETURNING, the reminders whose mail failed before
    # (none), the savepoint and its release.
    with django_assert_num_queries(13), django_capture_on_commit_callbacks(execute=True):
        counts = watch_pass(now=moment)
    assert counts["control"] == count


def test_the_job_is_registered():
    from retention.jobs import JOBS, jobs_load

    jobs_load()
    assert "deadline_watchers" in JOBS


def test_each_organisation_mails_its_own_fg(passes, mailoutbox):
    one, two = OrganisationFactory(), OrganisationFactory()
    control(one, date(2026, 3, 31)), control(two, date(2026, 3, 31)), control(two, date(2026, 3, 30))
    passes(local(2026, 3, 31, 9, 0))
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([one.dpo_email, two.dpo_email])


def test_the_dashboard_shows_the_reminders_of_the_last_week(login, organisation, time_machine):
    time_machine.move_to("2026-11-24 10:00:00+01:00", tick=False)
    for org, text, days_ago in ((organisation, "Datalek: 72 uur", 1), (organisation, "Oud", 8),
                                (OrganisationFactory(), "Van een ander", 1)):  # fmt: skip
        Reminder.objects.create(
            kind="breach", object_id=days_ago, threshold=text, organisation=org, text=text,
            due_at=timezone.now(), sent_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip
    client = login(UserFactory(role=DPO, member_of=[organisation]))
    tiles = client.get(reverse("admin:index")).context["tiles"]
    reminders = next(tile for tile in tiles if tile["title"] == "herinneringen van de afgelopen zeven dagen")
    assert reminders["figure"] == 1
    assert [text for _, text in reminders["items"]] == ["Datalek: 72 uur"]


def test_a_backlog_is_worked_off_over_passes_most_urgent_first(organisation, passes, mailoutbox, monkeypatch):
    """A register imported with its deadlines long passed: each pass takes its budget, breaches first, then the
    oldest deadlines, and every reminder is still written once."""
    monkeypatch.setattr(watchers, "PASS_BUDGET", 3)
    moment = local(2026, 3, 31, 9, 0)
    lost = breach(organisation, moment - timedelta(hours=30))
    controls = [control(organisation, date(2026, 3, day)) for day in (20, 10, 25, 5, 15)]
    first = passes(moment)
    assert first == {"reminders": 3, "breach": 1, "control": 2}
    assert set(Reminder.objects.filter(kind="control").values_list("object_id", flat=True)) == {
        controls[3].pk, controls[1].pk  # 5 and 10 March, the oldest deadlines
    }  # fmt: skip
    assert Reminder.objects.filter(kind="breach", object_id=lost.pk).exists()
    assert passes(moment + timedelta(minutes=15)) == {"reminders": 3, "control": 3}
    assert passes(moment + timedelta(minutes=30)) == {"reminders": 0}
    assert Reminder.objects.count() == 6 and len(mailoutbox) == 2
