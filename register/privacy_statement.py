"""The public privacy statement (art. 13 and 14 GDPR), built from the register: never written by hand.

Only what the organisation does as controller and has in use appears: active activities with the controller
role. Drafts, ended activities and what it does as processor for others (art. 30(2)) stay out. Sentences are
written here, in the active language, so the page and the PDF say the same.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import DateTimeField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext, pgettext

from .exporting import period_words
from .models import (
    DataCategory,
    Organisation,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
    Recipient,
    RetentionRule,
    SubjectCategory,
)
from .selectors import reference_key

Activity = ProcessingActivity
Basis = ProcessingActivity.LegalBasis
Rule = RetentionRule
# Objection (art. 21) applies to these bases only; portability (art. 20) to consent and contract.
OBJECTION_BASES = (Basis.LEGITIMATE_INTERESTS, Basis.PUBLIC_TASK)
PORTABILITY_BASES = (Basis.CONSENT, Basis.CONTRACT)
# The European Economic Area: the EU (Greece as GR or EL) with Iceland, Liechtenstein and Norway.
EEA = {
    *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT"),
    *("LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO"),
}
# The organisation's fields the statement shows: a change to another (its members, its sweep settings) does not
# change the statement.
ORGANISATION_SHOWN_FIELDS = [
    "name",
    "kvk_number",
    "address",
    "contact_email",
    "contact_phone",
    "dpo_name",
    "dpo_email",
    "supervisor_complaint_url",
    "request_answer_weeks",
    "complaint_answer_days",
    "extension_months",
    "asks_id_copy",
    "privacy_cookie_text",
]


@dataclass(frozen=True)
class Purpose:
    """One activity as the statement tells it."""

    name: str
    purposes: str
    subjects: list[str]
    data: list[str]
    basis: str
    basis_label: str
    basis_explanation_label: str
    basis_explanation: str
    recipients: list[str]
    processors: list[str]
    transfers: str
    transfer_safeguards: str
    retention: list[str]


@dataclass(frozen=True)
class PurposeGroup:
    name: str
    purposes: list[Purpose]


@dataclass(frozen=True)
class SensitiveUse:
    """Special, criminal or BSN data of one activity (art. 9, 10 GDPR, art. 46 UAVG), and the exception relied on."""

    purpose: str
    categories: list[str]
    exception: str


@dataclass(frozen=True)
class Source:
    """Data that do not come from the person (art. 14(2)(f)), with the categories received (art. 14(1)(d))."""

    purpose: str
    source: str
    data: list[str]


@dataclass(frozen=True)
class AutomatedDecision:
    purpose: str
    logic: str


@dataclass(frozen=True)
class Provision:
    """Whether people must give their data for these purposes, and what follows if they do not (art. 13(2)(e))."""

    sentence: str
    purposes: list[str]


@dataclass(frozen=True)
class PrivacyStatement:
    organisation: Organisation
    groups: list[PurposeGroup]
    sensitive: list[SensitiveUse]
    sources: list[Source]
    automated: list[AutomatedDecision]
    provisions: list[Provision]
    security_measures: list[str]
    processors_bound: bool
    objection_purposes: list[str]
    consent_purposes: list[str]
    portability: bool
    all_in_eea: bool
    answer_within: str
    extension: str
    last_changed: datetime | None


def statement_activities(*, organisation: Organisation) -> QuerySet[ProcessingActivity]:
    """The activities the statement shows: active, and processed as controller."""
    return ProcessingActivity.objects.filter(
        organisation=organisation, status=Activity.Status.ACTIVE, role=Activity.Role.CONTROLLER
    )


def privacy_statement_build(*, organisation: Organisation) -> PrivacyStatement:
    """The statement's content. Ten queries whatever the size of the register: the activities, their four lists,
    their retention rules and the categories those keep (seven), whether every processor has a valid agreement,
    and two for the date of the last change."""
    rules = RetentionRule.objects.order_by("pk").prefetch_related("keep_categories")
    activities = sorted(
        statement_activities(organisation=organisation).prefetch_related(
            "subject_categories", "data_categories", "recipients", "processors", Prefetch("retention_rules", rules)
        ),
        key=lambda activity: reference_key(activity.reference),
    )
    return PrivacyStatement(
        organisation=organisation,
        groups=_groups(activities),
        sensitive=[use for activity in activities if (use := _sensitive_use(activity))],
        sources=[
            Source(purpose=activity.name, source=activity.source, data=_names(activity.data_categories.all()))
            for activity in activities
            if activity.source.strip()
        ],
        automated=[
            AutomatedDecision(purpose=activity.name, logic=activity.automated_decision_logic)
            for activity in activities
            if activity.automated_decision_making
        ],
        provisions=_provisions(activities),
        security_measures=list(
            dict.fromkeys(a.security_measures.strip() for a in activities if a.security_measures.strip())
        ),
        processors_bound=_processors_bound(activities),
        objection_purposes=[a.name for a in activities if a.legal_basis in OBJECTION_BASES],
        consent_purposes=[a.name for a in activities if a.legal_basis == Basis.CONSENT],
        portability=any(a.legal_basis in PORTABILITY_BASES for a in activities),
        all_in_eea=all(_in_eea(activity) for activity in activities),
        answer_within=answer_within_words(weeks=organisation.request_answer_weeks),
        extension=period_words(organisation.extension_months, Rule.Unit.MONTHS),
        last_changed=privacy_statement_last_changed(organisation=organisation),
    )


def _groups(activities: list[ProcessingActivity]) -> list[PurposeGroup]:
    """Activities under their group, groups in the order of their first reference; those without a group last."""
    grouped: dict[str, list[Purpose]] = {}
    for activity in activities:
        grouped.setdefault(activity.group.strip(), []).append(_purpose(activity))
    ungrouped = grouped.pop("", [])
    groups = [PurposeGroup(name=name, purposes=purposes) for name, purposes in grouped.items()]
    if ungrouped:
        groups.append(PurposeGroup(name=gettext("Other purposes") if groups else "", purposes=ungrouped))
    return groups


def _purpose(activity: ProcessingActivity) -> Purpose:
    rules = list(activity.retention_rules.all())
    retention = [retention_rule_sentence(rule=rule, kept=_names(rule.keep_categories.all())) for rule in rules]
    if not retention and activity.retention_text.strip():
        retention = [activity.retention_text.strip()]
    return Purpose(
        name=activity.name,
        purposes=activity.purposes.strip() or activity.description.strip(),
        subjects=_names(activity.subject_categories.all()),
        data=_names(activity.data_categories.all()),
        basis=basis_words(basis=activity.legal_basis),
        basis_label=activity.get_legal_basis_display() if activity.legal_basis else "",
        basis_explanation_label=_explanation_label(activity.legal_basis),
        basis_explanation=activity.legal_basis_explanation.strip(),
        recipients=[_recipient(r) for r in activity.recipients.all() if r.kind != Recipient.Kind.INTERNAL],
        processors=[_processor(p) for p in activity.processors.all()],
        transfers=activity.third_country_transfers.strip(),
        transfer_safeguards=activity.transfer_safeguards.strip(),
        retention=retention,
    )


def _sensitive_use(activity: ProcessingActivity) -> SensitiveUse | None:
    categories = [c for c in activity.data_categories.all() if c.is_sensitive]
    if not categories:
        return None
    exception = ""
    if activity.special_category_exception and any(c.kind == DataCategory.Kind.SPECIAL for c in categories):
        exception = activity.get_special_category_exception_display()
    return SensitiveUse(
        purpose=activity.name,
        categories=[f"{c.name} ({c.get_kind_display()})" for c in categories],
        exception=exception,
    )


def _in_eea(activity: ProcessingActivity) -> bool:
    """No transfer recorded, and every recipient and processor in the EEA: only then does the statement say that
    nothing leaves it."""
    countries = {item.country.upper() for item in [*activity.recipients.all(), *activity.processors.all()]}
    return not activity.third_country_transfers.strip() and countries <= EEA


def _provisions(activities: list[ProcessingActivity]) -> list[Provision]:
    """Per legal basis that answers it (contract, legal obligation, consent) the purposes resting on it."""
    sentences = {
        Basis.CONTRACT: gettext(
            "For these purposes we need your data to make or carry out our agreement with you. Without them we "
            "cannot do so:"
        ),
        Basis.LEGAL_OBLIGATION: gettext("For these purposes the law obliges us to have your data:"),
        Basis.CONSENT: gettext(
            "For these purposes giving your data is up to you. If you do not, we do not use them for it, and "
            "nothing else changes for you:"
        ),
    }
    return [
        Provision(sentence=sentence, purposes=purposes)
        for basis, sentence in sentences.items()
        if (purposes := [a.name for a in activities if a.legal_basis == basis])
    ]


def _processors_bound(activities: list[ProcessingActivity]) -> bool:
    """Whether every processor the statement names has a processing agreement valid today (one query)."""
    processors = {processor.pk for activity in activities for processor in activity.processors.all()}
    if not processors:
        return False
    today = timezone.localdate()
    bound = ProcessingAgreement.objects.valid_on(today).filter(processor__in=processors)
    return set(bound.values_list("processor", flat=True)) == processors


def _names(items: Iterable) -> list[str]:
    return [item.name for item in items]


def _recipient(recipient: Recipient) -> str:
    if recipient.country.upper() == "NL":
        return recipient.name
    return f"{recipient.name} ({recipient.country.upper()})"


def _processor(processor: Processor) -> str:
    text = processor.name
    if processor.service.strip():
        text = gettext("%(name)s, for %(service)s") % {"name": text, "service": processor.service.strip()}
    if processor.country.upper() != "NL":
        text = f"{text} ({processor.country.upper()})"
    return text


# Sentences


def basis_words(*, basis: str) -> str:
    """The legal basis (art. 6(1)) as the person reading the statement would say it."""
    words = {
        Basis.CONSENT: gettext("You have given us your consent. You can withdraw it at any time."),
        Basis.CONTRACT: gettext("We need the data to enter into or carry out an agreement with you."),
        Basis.LEGAL_OBLIGATION: gettext("The law requires us to process these data."),
        Basis.VITAL_INTERESTS: gettext("We need the data to protect someone's life or health."),
        Basis.PUBLIC_TASK: gettext("We need the data for a task in the public interest."),
        Basis.LEGITIMATE_INTERESTS: gettext(
            "We have a legitimate interest in this. We have weighed it against your interests and privacy."
        ),
    }
    return words.get(basis, "")


def _explanation_label(basis: str) -> str:
    if basis == Basis.LEGITIMATE_INTERESTS:
        return gettext("Our interest and how we weighed it")
    if basis == Basis.LEGAL_OBLIGATION:
        return gettext("The law")
    return gettext("Explanation")


def in_sentence(name: str) -> str:
    """A category name as it reads inside a sentence: 'E-mailadres' becomes 'e-mailadres', 'BSN' stays."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def retention_rule_sentence(*, rule: RetentionRule, kept: list[str]) -> str:
    """A retention rule in plain words: 'We keep them until 2 years after the relation with us ends. Then we
    erase them.' A statutory period names its law."""
    until = gettext("We keep them until %(moment)s.") % {"moment": _moment(rule)}
    if rule.action == Rule.Action.ANONYMISE:
        then = gettext("Then we make them anonymous, so they can no longer be traced to you.")
    elif rule.action == Rule.Action.MINIMISE and kept:
        names = [in_sentence(name) for name in kept]
        then = gettext("Then we keep only: %(kept)s.") % {"kept": get_text_list(names, gettext("and"))}
    elif rule.action == Rule.Action.MINIMISE:
        then = gettext("Then we keep only what is still needed.")
    else:
        then = gettext("Then we erase them.")
    sentences = [until, then]
    if rule.ground == Rule.Ground.STATUTORY:
        law = rule.law.strip()
        if law:
            sentences.append(gettext("The law sets this period (%(law)s).") % {"law": law})
        else:
            sentences.append(gettext("The law sets this period."))
    return " ".join(sentences)


def _moment(rule: RetentionRule) -> str:
    """The moment the data go: '2 years after the relation with us ends', or 'the relation with us ends'."""
    if rule.period == 0:
        moments = {
            Rule.Trigger.RELATION_END: gettext("the relation with us ends"),
            Rule.Trigger.COLLECTION: gettext("we have used them for this purpose"),
            Rule.Trigger.REQUEST_CLOSED: gettext("your request has been handled"),
            Rule.Trigger.FINANCIAL_YEAR_END: gettext("the end of the financial year"),
            Rule.Trigger.LAST_CONTACT: gettext("our last contact with you"),
        }
        return moments[rule.trigger]
    moments = {
        Rule.Trigger.RELATION_END: gettext("%(period)s after the relation with us ends"),
        Rule.Trigger.COLLECTION: gettext("%(period)s after we collected them"),
        Rule.Trigger.REQUEST_CLOSED: gettext("%(period)s after your request has been handled"),
        Rule.Trigger.FINANCIAL_YEAR_END: gettext("%(period)s after the end of the financial year"),
        Rule.Trigger.LAST_CONTACT: gettext("%(period)s after our last contact with you"),
    }
    return moments[rule.trigger] % {"period": period_words(rule.period, rule.unit)}


def answer_within_words(*, weeks: int) -> str:
    """'four weeks': small numbers in words, as people write them (seeds 002-004: 'binnen vier weken')."""
    words = {
        1: pgettext("number of weeks", "one"),
        2: pgettext("number of weeks", "two"),
        3: pgettext("number of weeks", "three"),
        4: pgettext("number of weeks", "four"),
        5: pgettext("number of weeks", "five"),
        6: pgettext("number of weeks", "six"),
        7: pgettext("number of weeks", "seven"),
        8: pgettext("number of weeks", "eight"),
    }
    return ngettext("%(count)s week", "%(count)s weeks", weeks) % {"count": words.get(weeks, str(weeks))}


# The last change


def privacy_statement_last_changed(*, organisation: Organisation) -> datetime | None:
    """When what the statement shows last changed, from the history: two queries.

    1. The organisation's history, compared record by record on the fields shown (a new member is no change).
    2. In one query, the newest history record of: the activities shown, and those that stopped being shown
       (an activity ended or turned draft leaves the statement, which is a change); their retention rules; and
       the categories, recipients and processors they name. Links added or removed are recorded on the
       activity's (or rule's) own history by simple-history.
    """
    dates = [d for d in [_organisation_last_changed(organisation), *_register_last_changes(organisation)] if d]
    return max(dates, default=None)


def _organisation_last_changed(organisation: Organisation) -> datetime | None:
    records = (
        Organisation.history.filter(id=organisation.pk)
        .order_by("history_id")
        .values_list("history_date", *ORGANISATION_SHOWN_FIELDS)
    )
    changed, previous = None, None
    for history_date, *shown in records:
        if shown != previous:
            changed, previous = history_date, shown
    return changed


def _register_last_changes(organisation: Organisation) -> list[datetime | None]:
    shown = statement_activities(organisation=organisation).values("pk")
    history = ProcessingActivity.history.filter(organisation_id=organisation.pk)
    before = history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    activity_records = history.annotate(
        status_before=Subquery(before.values("status")[:1]), role_before=Subquery(before.values("role")[:1])
    ).filter(
        Q(status=Activity.Status.ACTIVE, role=Activity.Role.CONTROLLER)
        | Q(status_before=Activity.Status.ACTIVE, role_before=Activity.Role.CONTROLLER)
    )
    kept = RetentionRule.keep_categories.through.objects.filter(retentionrule__activity__in=shown)
    related = {
        "activities": activity_records,
        "rules": RetentionRule.history.filter(activity_id__in=shown),
        "data": DataCategory.history.filter(
            Q(id__in=_linked(shown, "data_categories")) | Q(id__in=kept.values("datacategory_id"))
        ),
        "subjects": SubjectCategory.history.filter(id__in=_linked(shown, "subject_categories")),
        "recipients": Recipient.history.filter(id__in=_linked(shown, "recipients")),
        "processors": Processor.history.filter(id__in=_linked(shown, "processors")),
    }
    newest = {
        name: Subquery(records.order_by("-history_date").values("history_date")[:1], output_field=DateTimeField())
        for name, records in related.items()
    }
    row = Organisation.objects.filter(pk=organisation.pk).annotate(**newest).values(*newest).first() or {}
    return list(row.values())


def _linked(activities: QuerySet, field: str) -> QuerySet:
    """The ids that the m2m `field` of `activities` links to, as a subquery."""
    through = getattr(ProcessingActivity, field).through
    target = ProcessingActivity._meta.get_field(field).m2m_reverse_name()
    return through.objects.filter(processingactivity__in=activities).values(target)
