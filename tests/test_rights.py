"""Rectification recipients (art. 19), restriction (art. 18), objection (art. 21) and withdrawal of consent
(art. 7(3)): the right flags on the right relations, the right relations ended, a note without personal values."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from register.models import ProcessingActivity, Processor, Recipient, Relation
from requests_portal.models import RequestEvent
from requests_portal.rights import (
    SubjectNotMatched,
    consent_withdraw,
    rectification_recipients,
    relations_object,
    relations_restrict,
)
from tests.factories import ActivityFactory, DataSubjectFactory, OrganisationFactory, SubjectRequestFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 23, 30, tzinfo=AMSTERDAM)  # late evening: the local day, not UTC's
TODAY = date(2026, 11, 24)
Basis = ProcessingActivity.LegalBasis
NAME = "Hendrika Oosterwijk"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def organisation():
    return OrganisationFactory()


@pytest.fixture
def activities(organisation):
    def activity(reference, basis):
        return ActivityFactory(organisation=organisation, reference=reference, legal_basis=basis)

    return {
        "contract": activity("1.1", Basis.CONTRACT),
        "interests": activity("3.2", Basis.LEGITIMATE_INTERESTS),
        "public": activity("4.1", Basis.PUBLIC_TASK),
        "consent": activity("5.1", Basis.CONSENT),
        "consent2": activity("5.10", Basis.CONSENT),
    }


@pytest.fixture
def subject(organisation, activities):
    subject = DataSubjectFactory(organisation=organisation, name=NAME)
    for activity in activities.values():
        subject.relations.create(activity=activity, started_on=date(2024, 1, 1), consent_given_on=date(2024, 1, 1))
    return subject


@pytest.fixture
def request_(subject):
    return SubjectRequestFactory(organisation=subject.organisation, subject=subject, requester_name=NAME)


def relation(subject, activity) -> Relation:
    return subject.relations.get(activity=activity)


def the_note(request) -> str:
    event = request.events.get()
    assert event.kind == RequestEvent.Kind.NOTE and not event.visible_to_requester
    assert NAME not in event.text and "Oosterwijk" not in event.text
    return event.text


def test_rectification_recipients_are_every_recipient_and_processor_of_the_subjects_activities_once(
    organisation, activities, subject
):
    tax = Recipient.objects.create(organisation=organisation, name="Belastingdienst", kind="authority")
    bank = Recipient.objects.create(organisation=organisation, name="Triodos Bank")
    portal = Processor.objects.create(organisation=organisation, name="LedenPortaal B.V.")
    unrelated = Recipient.objects.create(organisation=organisation, name="Gemeente Zonnedael")
    activities["contract"].recipients.add(tax, bank)
    activities["contract"].processors.add(portal)
    activities["interests"].recipients.add(bank)  # the same bank through a second activity
    activities["public"].processors.add(portal)
    ActivityFactory(organisation=organisation).recipients.add(unrelated)  # no relation with the subject
    subject.relations.filter(activity=activities["interests"]).update(ended_on=date(2025, 1, 1))  # ended counts too

    recipients = rectification_recipients(subject=subject)

    assert recipients == [tax, portal, bank]


def test_a_subject_without_recipients_has_none(subject):
    assert rectification_recipients(subject=subject) == []


def test_restriction_flags_every_relation_and_ends_none(request_, subject):
    changed = relations_restrict(request=request_, now=NOW)

    assert changed == 5
    assert all(subject.relations.values_list("restricted", flat=True))
    assert not subject.relations.filter(ended_on__isnull=False).exists()
    assert the_note(request_) == "Processing restricted (art. 18) for activities: 1.1, 3.2, 4.1, 5.1, 5.10."
    assert Relation.history.filter(restricted=True, history_type="~").count() == 5  # kept in history


def test_restricting_again_changes_nothing(request_):
    relations_restrict(request=request_, now=NOW)

    assert relations_restrict(request=request_, now=NOW) == 0


def test_objection_flags_all_and_ends_those_based_on_legitimate_interests(request_, subject, activities):
    changed = relations_object(request=request_, now=NOW)

    assert changed == 5
    assert all(subject.relations.values_list("objected", flat=True))
    ended = dict(subject.relations.values_list("activity__reference", "ended_on"))
    assert ended == {"1.1": None, "3.2": TODAY, "4.1": None, "5.1": None, "5.10": None}
    assert the_note(request_) == (
        "Objection (art. 21) recorded for activities: 1.1, 3.2, 4.1, 5.1, 5.10. "
        "Ended, being based on legitimate interests: 3.2."
    )


def test_objection_to_some_activities_only(request_, subject, activities):
    relations_object(request=request_, now=NOW, activity_ids=[activities["public"].pk])

    assert list(subject.relations.filter(objected=True).values_list("activity__reference", flat=True)) == ["4.1"]
    assert relation(subject, activities["public"]).ended_on is None  # a public task: the FG weighs the grounds


def test_an_ended_relation_keeps_its_end_date_on_objection(request_, subject, activities):
    subject.relations.filter(activity=activities["interests"]).update(ended_on=date(2025, 6, 1))

    relations_object(request=request_, now=NOW)

    assert relation(subject, activities["interests"]).ended_on == date(2025, 6, 1)


def test_withdrawal_of_consent_ends_the_consent_based_relations_only(request_, subject, activities):
    changed = consent_withdraw(request=request_, now=NOW)

    assert changed == 2
    rows = {r.activity.reference: (r.consent_withdrawn_on, r.ended_on) for r in subject.relations.all()}
    assert rows == {
        "1.1": (None, None), "3.2": (None, None), "4.1": (None, None), "5.1": (TODAY, TODAY), "5.10": (TODAY, TODAY),
    }  # fmt: skip
    assert the_note(request_) == "Consent withdrawn (art. 7(3)) for activities: 5.1, 5.10."


def test_withdrawal_for_one_activity(request_, subject, activities):
    consent_withdraw(request=request_, now=NOW, activity_ids=[activities["consent2"].pk, activities["contract"].pk])

    assert relation(subject, activities["consent2"]).consent_withdrawn_on == TODAY
    assert relation(subject, activities["consent"]).consent_withdrawn_on is None
    assert relation(subject, activities["contract"]).consent_withdrawn_on is None  # not consent-based


def test_the_services_need_a_matched_subject(organisation):
    request = SubjectRequestFactory(organisation=organisation)

    for service in (relations_restrict, relations_object, consent_withdraw):
        with pytest.raises(SubjectNotMatched):
            service(request=request, now=NOW)
    assert not RequestEvent.objects.exists()


def test_the_relations_are_updated_in_a_fixed_number_of_queries(request_, django_assert_num_queries):
    # The relations with their activities; the savepoint, one bulk update and one bulk insert into history, the
    # release; the event.
    with django_assert_num_queries(6):
        relations_restrict(request=request_, now=NOW)
