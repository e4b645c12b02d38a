"""Completeness check of the art. 30 register.

Each rule is one SQL condition that is true when an activity misses an item or is inconsistent, so the
same definition gives the badge (an annotation per rule), the admin filter and the export column, in one
query whatever the number of activities.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import DataCategory, ProcessingActivity, ProcessingAgreement, Processor, RetentionRule, SubjectCategory

Basis = ProcessingActivity.LegalBasis


@dataclass(frozen=True)
class Rule:
    code: str
    message: Promise
    condition: Callable[[date], Q]


def _processor_without_valid_agreement(today: date) -> Q:
    valid = ProcessingAgreement.objects.valid_on(today).filter(processor=OuterRef("pk"))
    uncovered = Processor.objects.filter(activities=OuterRef("pk")).exclude(Exists(valid))
    return Q(Exists(uncovered))


def _special_without_exception(today: date) -> Q:
    special = DataCategory.objects.filter(activities=OuterRef("pk"), kind=DataCategory.Kind.SPECIAL)
    return Q(Exists(special), special_category_exception="")


def _no_retention_rule(today: date) -> Q:
    return ~Q(Exists(RetentionRule.objects.filter(activity=OuterRef("pk"))))


def _none_linked(model) -> Callable[[date], Q]:
    return lambda today: ~Q(Exists(model.objects.filter(activities=OuterRef("pk"))))


RULES = [
    Rule("no_purposes", _("no purposes"), lambda today: Q(purposes="")),
    Rule("no_legal_basis", _("no legal basis"), lambda today: Q(legal_basis="")),
    Rule("no_subject_categories", _("no categories of data subjects"), _none_linked(SubjectCategory)),
    Rule("no_data_categories", _("no categories of personal data"), _none_linked(DataCategory)),
    Rule(
        "special_without_exception",
        _("special categories without an art. 9(2) exception"),
        _special_without_exception,
    ),
    Rule(
        "legitimate_interest_without_balancing",
        _("legitimate interests without a balancing test"),
        lambda today: Q(legal_basis=Basis.LEGITIMATE_INTERESTS, legal_basis_explanation=""),
    ),
    Rule(
        "legal_obligation_without_law",
        _("legal obligation without the law cited"),
        lambda today: Q(legal_basis=Basis.LEGAL_OBLIGATION, legal_basis_explanation=""),
    ),
    Rule(
        "consent_without_mechanism",
        _("consent without a way to obtain and record it"),
        lambda today: Q(legal_basis=Basis.CONSENT, consent_mechanism=""),
    ),
    Rule(
        "processor_without_agreement",
        _("a processor without a valid processing agreement"),
        _processor_without_valid_agreement,
    ),
    Rule("no_retention_rule", _("no enforceable retention rule"), _no_retention_rule),
    Rule("no_security_measures", _("no security measures"), lambda today: Q(security_measures="")),
    Rule(
        "dpia_missing",
        _("DPIA required but not done"),
        lambda today: Q(dpia_required=True, dpia_done_on__isnull=True),
    ),
    Rule(
        "review_overdue",
        _("review overdue"),
        lambda today: Q(next_review_on__lt=today) | Q(next_review_on__isnull=True),
    ),
]
RULES_BY_CODE = {rule.code: rule for rule in RULES}


def with_findings(queryset: QuerySet[ProcessingActivity], today: date) -> QuerySet[ProcessingActivity]:
    """Annotate each activity with one boolean `finding_<code>` per rule."""
    return queryset.annotate(
        **{f"finding_{r.code}": ExpressionWrapper(r.condition(today), output_field=BooleanField()) for r in RULES}
    )


def incomplete(today: date) -> Q:
    """True for an activity with at least one finding."""
    condition = Q()
    for rule in RULES:
        condition |= rule.condition(today)
    return condition


def activity_findings(activity: ProcessingActivity) -> list[Promise]:
    """The findings of an activity annotated by `with_findings`, as messages for a person."""
    return [rule.message for rule in RULES if getattr(activity, f"finding_{rule.code}")]
