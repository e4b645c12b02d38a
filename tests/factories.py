from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from register.models import DataCategory, Organisation, ProcessingActivity, RetentionRule, SubjectCategory


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Woningstichting Voorbeeld {n}")
    slug = factory.Sequence(lambda n: f"voorbeeld-{n}")
    dpo_name = "Petra Privacy"
    dpo_email = factory.LazyAttribute(lambda o: f"fg@{o.slug}.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("een-lang-wachtwoord")

    @factory.post_generation
    def role(self, create, name, **kwargs):
        if create and name:
            self.groups.add(Group.objects.get(name=name))

    @factory.post_generation
    def member_of(self, create, organisations, **kwargs):
        if create and organisations:
            for organisation in organisations:
                organisation.members.add(self)


class DataCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataCategory

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Gegeven {n}")


class ActivityFactory(factory.django.DjangoModelFactory):
    """A complete activity: every completeness rule passes until a test takes something away."""

    class Meta:
        model = ProcessingActivity
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"1.{n}")
    group = "Leden"
    name = factory.Sequence(lambda n: f"Verwerking {n}")
    purposes = "Ledenadministratie bijhouden"
    legal_basis = ProcessingActivity.LegalBasis.CONTRACT
    security_measures = "Toegang met tweestapsverificatie"
    next_review_on = factory.LazyFunction(lambda: date.today() + timedelta(days=365))

    @factory.post_generation
    def complete(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        self.subject_categories.add(
            SubjectCategory.objects.get_or_create(organisation=self.organisation, name="Leden")[0]
        )
        self.data_categories.add(DataCategory.objects.get_or_create(organisation=self.organisation, name="Naam")[0])
        RetentionRule.objects.create(activity=self, period=2, unit="years")


def _now():
    from django.utils import timezone

    return timezone.now()


def _request_due(request, which: str):
    from retention.deadlines import complaint_due, request_legal_due, request_target_due

    organisation = request.organisation
    if request.kind == "complaint":
        return complaint_due(request.received_at, organisation.complaint_answer_days)
    if which == "target":
        return request_target_due(request.received_at, organisation.request_answer_weeks)
    return request_legal_due(request.received_at)


class SubjectRequestFactory(factory.django.DjangoModelFactory):
    """A verified access request, with the due dates the intake sets."""

    class Meta:
        model = "requests_portal.SubjectRequest"

    organisation = factory.SubFactory(OrganisationFactory)
    reference = factory.Sequence(lambda n: f"AVG-2026-{n + 1:04d}")
    kind = "access"
    status = "verified"
    requester_name = "Jan Jansen"
    requester_email = factory.Sequence(lambda n: f"jan{n}@voorbeeld.nl")
    requester_language = "nl"
    received_at = factory.LazyFunction(_now)
    email_verified_at = factory.SelfAttribute("received_at")
    target_due_on = factory.LazyAttribute(lambda r: _request_due(r, "target"))
    legal_due_on = factory.LazyAttribute(lambda r: _request_due(r, "legal"))


class DataSubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "register.DataSubject"

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Persoon {n}")
    email = factory.Sequence(lambda n: f"persoon{n}@voorbeeld.nl")


class RelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "register.Relation"

    subject = factory.SubFactory(DataSubjectFactory)
    activity = factory.SubFactory(ActivityFactory, organisation=factory.SelfAttribute("..subject.organisation"))
    started_on = factory.LazyFunction(lambda: date.today() - timedelta(days=400))


class RetentionRuleFactory(factory.django.DjangoModelFactory):
    """Two years after the relation ends, erase; a test names what differs."""

    class Meta:
        model = RetentionRule

    activity = factory.SubFactory(ActivityFactory, complete=False)
    period = 2
    unit = RetentionRule.Unit.YEARS
    trigger = RetentionRule.Trigger.RELATION_END
    action = RetentionRule.Action.ERASE
