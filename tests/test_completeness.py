"""Each completeness rule, one by one: a complete activity has no findings until one item is taken away."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from register.completeness import RULES, activity_findings, incomplete, with_findings
from register.models import DataCategory, ProcessingActivity, ProcessingAgreement, Processor, RetentionRule
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 24)
Basis = ProcessingActivity.LegalBasis


def codes(activity) -> set[str]:
    annotated = with_findings(ProcessingActivity.objects.filter(pk=activity.pk), TODAY).get()
    return {rule.code for rule in RULES if getattr(annotated, f"finding_{rule.code}")}


@pytest.fixture
def activity():
    return ActivityFactory(next_review_on=TODAY + timedelta(days=100))


def test_a_complete_activity_has_no_findings(activity):
    assert codes(activity) == set()
    assert not ProcessingActivity.objects.filter(incomplete(TODAY)).exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"purposes": ""}, "no_purposes"),
        ({"legal_basis": ""}, "no_legal_basis"),
        ({"security_measures": ""}, "no_security_measures"),
        ({"legal_basis": Basis.LEGITIMATE_INTERESTS}, "legitimate_interest_without_balancing"),
        ({"legal_basis": Basis.LEGAL_OBLIGATION}, "legal_obligation_without_law"),
        ({"legal_basis": Basis.CONSENT}, "consent_without_mechanism"),
        ({"dpia_required": True}, "dpia_missing"),
        ({"next_review_on": TODAY - timedelta(days=1)}, "review_overdue"),
        ({"next_review_on": None}, "review_overdue"),
    ],
)
def test_a_missing_or_inconsistent_field_is_found(activity, change, code):
    ProcessingActivity.objects.filter(pk=activity.pk).update(**change)
    assert codes(activity) == {code}
    assert ProcessingActivity.objects.filter(incomplete(TODAY)).count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"legal_basis": Basis.LEGITIMATE_INTERESTS, "legal_basis_explanation": "Afweging: ..."}, None),
        ({"legal_basis": Basis.CONSENT, "consent_mechanism": "Aanmeldformulier"}, None),
        ({"dpia_required": True, "dpia_done_on": TODAY}, None),
        ({"next_review_on": TODAY}, None),
    ],
)
def test_the_explanation_satisfies_the_rule(activity, change, code):
    ProcessingActivity.objects.filter(pk=activity.pk).update(**change)
    assert codes(activity) == set()


def test_no_categories_found(activity):
    activity.subject_categories.clear()
    activity.data_categories.clear()
    assert codes(activity) == {"no_subject_categories", "no_data_categories"}


def test_special_category_needs_an_art_9_exception(activity):
    health = DataCategory.objects.create(organisation=activity.organisation, name="Gezondheid", kind="special")
    activity.data_categories.add(health)
    assert codes(activity) == {"special_without_exception"}
    ProcessingActivity.objects.filter(pk=activity.pk).update(special_category_exception="h")
    assert codes(activity) == set()


def test_bsn_or_criminal_data_do_not_need_an_art_9_exception(activity):
    bsn = DataCategory.objects.create(organisation=activity.organisation, name="BSN", kind="national_id")
    activity.data_categories.add(bsn)
    assert codes(activity) == set()


def test_free_text_retention_is_not_enforceable(activity):
    RetentionRule.objects.filter(activity=activity).delete()
    ProcessingActivity.objects.filter(pk=activity.pk).update(retention_text="7 jaar na einde relatie")
    assert codes(activity) == {"no_retention_rule"}


@pytest.mark.parametrize(
    ("signed_on", "valid_until", "found"),
    [
        (None, None, True),  # no agreement at all
        (TODAY - timedelta(days=400), TODAY - timedelta(days=35), True),  # expired
        (TODAY + timedelta(days=1), None, True),  # not yet signed
        (TODAY - timedelta(days=10), TODAY, False),  # last valid day
        (TODAY - timedelta(days=10), None, False),  # without end
    ],
)
def test_processor_needs_a_valid_agreement(activity, signed_on, valid_until, found):
    processor = Processor.objects.create(organisation=activity.organisation, name="Hostingbedrijf")
    activity.processors.add(processor)
    if signed_on:
        ProcessingAgreement.objects.create(processor=processor, signed_on=signed_on, valid_until=valid_until)
    assert codes(activity) == ({"processor_without_agreement"} if found else set())


def test_findings_read_as_messages(activity):
    ProcessingActivity.objects.filter(pk=activity.pk).update(purposes="", legal_basis="")
    annotated = with_findings(ProcessingActivity.objects.filter(pk=activity.pk), TODAY).get()
    with translation.override("nl"):
        assert [str(m) for m in activity_findings(annotated)] == ["geen doelen", "geen grondslag"]
    with translation.override("en"):
        assert [str(m) for m in activity_findings(annotated)] == ["no purposes", "no legal basis"]
