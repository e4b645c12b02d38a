"""The retention sweep: erase, anonymise or minimise every data subject past retention, in bulk.

1. SQL picks the candidates: subjects with a relation that may be due (ended before its activity's earliest
   cutoff, on the (activity, ended_on) index, or a consent record missing for 30 days) and no relation that is
   not, no legal hold or restriction, no open request. The cutoffs are a little generous (calendar months
   clamp at month ends); the pure decision of retention.retention_rules is exact.
2. The candidates go in chunks of CHUNK_SIZE primary keys; per chunk a handful of queries load what the
   decision needs (the claimed subjects, their relations, their open requests, and the personal fields only of
   those due for anonymising or minimising), and the register.subjects services act on each group of subjects
   with the same decision.
3. Two sweeps at once: on PostgreSQL a session advisory lock lets one sweep select at a time, and each chunk
   claims its subjects with SELECT ... FOR UPDATE SKIP LOCKED, so two chunk tasks never act on one subject
   together. SQLite serialises writers anyway. A chunk decides again on what it finds, and skips what is
   already done (erased subjects are gone, anonymised ones carry anonymised_at, minimised ones hold nothing
   more to blank), so a repeated or retried chunk does nothing twice.
4. Organisations whose sweeps wait for approval are counted as awaiting approval and left untouched.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from register.deadlines import add_months
from register.lookups import Ids
from register.models import DataSubject, Organisation, ProcessingActivity, Relation, RetentionRule
from register.subjects import FIELD_CATEGORIES, NEUTRAL, subjects_anonymise, subjects_erase, subjects_minimise
from requests_portal.models import SubjectRequest

from .jobs import job
from .retention_rules import CONSENT_GRACE, DEFAULT_RULE, Decision, Level, RelationFacts, Rule, subject_decision

CHUNK_SIZE = 10_000
# Calendar months clamp at month ends (31 March + 1 month = 30 April), so a cutoff in SQL is a few days late;
# the decision in Python is exact.
CUTOFF_SLACK = timedelta(days=4)
ADVISORY_LOCK_KEY = 0x52_45_54_45  # "RETE": one sweep selects at a time across all machines
AWAITING = "awaiting_approval"
PERSONAL_FIELDS = [*FIELD_CATEGORIES, "attributes", "anonymised_at"]


@dataclass
class Catalogue:
    """What the decision needs of every activity, loaded once per sweep or chunk."""

    rules: dict[int, tuple[Rule, ...]] = field(default_factory=dict)
    consent_based: set[int] = field(default_factory=set)
    label: dict[int, str] = field(default_factory=dict)
    organisation_slug: dict[int, str] = field(default_factory=dict)
    awaiting_approval: set[int] = field(default_factory=set)


def catalogue_load() -> Catalogue:
    """Three queries: the activities with their organisations, the rules, the categories rules keep."""
    catalogue = Catalogue()
    activities = ProcessingActivity.objects.values_list(
        "pk",
        "reference",
        "legal_basis",
        "organisation_id",
        "organisation__slug",
        "organisation__retention_needs_approval",
    )
    for pk, reference, basis, organisation_id, slug, needs_approval in activities:
        catalogue.label[pk] = f"{slug}/{reference}"
        catalogue.organisation_slug[organisation_id] = slug
        if basis == ProcessingActivity.LegalBasis.CONSENT:
            catalogue.consent_based.add(pk)
        if needs_approval:
            catalogue.awaiting_approval.add(organisation_id)
    keep: dict[int, set[str]] = defaultdict(set)
    for rule_id, name in RetentionRule.keep_categories.through.objects.values_list(
        "retentionrule_id", "datacategory__name"
    ):
        keep[rule_id].add(name)
    rules: dict[int, list[Rule]] = defaultdict(list)
    for pk, activity_id, period, unit, trigger, action in RetentionRule.objects.values_list(
        "pk", "activity_id", "period", "unit", "trigger", "action"
    ):
        rules[activity_id].append(Rule(period, unit, trigger, action, frozenset(keep[pk])))
    catalogue.rules = {pk: tuple(rules[pk]) for pk in catalogue.label}
    return catalogue


def subjects_possibly_due(*, today: date, catalogue: Catalogue) -> QuerySet[DataSubject]:
    """Subjects whose every relation may be due and that nothing blocks: a superset of those due, in SQL."""
    maybe_due = _relation_maybe_due(today, catalogue)
    relations = Relation.objects.filter(subject=OuterRef("pk"))
    return (
        DataSubject.objects.filter(pk__in=Relation.objects.filter(maybe_due).values("subject_id"))
        .exclude(Exists(relations.exclude(maybe_due)))
        .exclude(Exists(relations.filter(Q(legal_hold=True) | Q(restricted=True))))
        .exclude(Exists(SubjectRequest.objects.filter(subject=OuterRef("pk"), status__in=SubjectRequest.OPEN)))
    )


def sweep_chunk(ids: list[int], now: datetime, *, dry_run: bool = False, catalogue: Catalogue | None = None) -> Counter:
    """Decide for these subjects and act on the due ones, in one transaction; return the counts."""
    catalogue = catalogue or catalogue_load()
    today = timezone.localdate(now)
    with transaction.atomic():
        subjects = DataSubject.objects.filter(pk__any_of=Ids(ids))
        if not dry_run:
            subjects = subjects.select_for_update(skip_locked=True)  # the claim; SQLite ignores it
        held = dict(subjects.values_list("pk", "organisation_id"))
        relations = _relations_of(Ids(held), catalogue)
        decisions = _decisions(held, relations, today)
        done = _already_done(decisions)
        groups: dict[Decision, list[int]] = defaultdict(list)
        counts: Counter = Counter()
        for pk, decision in decisions.items():
            if pk in done:
                continue
            waits = held[pk] in catalogue.awaiting_approval
            _count(counts, decision.action, waits, catalogue, held[pk], relations[pk])
            if not (waits or dry_run):
                groups[Decision(decision.level, decision.keep)].append(pk)
        for decision, pks in groups.items():
            _act(decision, pks)
    return counts


@job("retention_sweep")
def retention_sweep(*, now: datetime, dry_run: bool) -> dict[str, int]:
    """Every subject past retention erased, anonymised or minimised; from a worker, one task per chunk."""
    with _sweep_lock() as acquired:
        if not acquired:
            return {"skipped": 1}  # another sweep is selecting; it does the same work
        catalogue = catalogue_load()
        candidates = subjects_possibly_due(today=timezone.localdate(now), catalogue=catalogue)
        ids = list(candidates.order_by("pk").values_list("pk", flat=True))
        chunks = [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]
        if _in_worker() and not dry_run:
            return {"candidates": len(ids), "chunks_queued": _fan_out(chunks, now)}
        return _sweep_inline(chunks, now, dry_run=dry_run, catalogue=catalogue)


def retention_sweep_approved(*, organisation: Organisation, now: datetime, dry_run: bool) -> dict[str, int]:
    """The sweep of one organisation whose sweeps wait for approval: its preview (dry run), or the run the FG
    approved after reading that preview."""
    catalogue = catalogue_load()
    catalogue.awaiting_approval.discard(organisation.pk)
    candidates = subjects_possibly_due(today=timezone.localdate(now), catalogue=catalogue)
    ids = list(candidates.filter(organisation=organisation).order_by("pk").values_list("pk", flat=True))
    chunks = [ids[start : start + CHUNK_SIZE] for start in range(0, len(ids), CHUNK_SIZE)]
    return _sweep_inline(chunks, now, dry_run=dry_run, catalogue=catalogue)


def _sweep_inline(chunks: list[list[int]], now: datetime, *, dry_run: bool, catalogue: Catalogue) -> dict[str, int]:
    counts: Counter = Counter({"candidates": sum(len(chunk) for chunk in chunks)})
    for chunk in chunks:
        counts.update(sweep_chunk(chunk, now, dry_run=dry_run, catalogue=catalogue))
    return dict(counts)


def _decisions(held: dict[int, int], relations: dict[int, list[RelationFacts]], today: date) -> dict[int, Decision]:
    """What is due for each subject held, leaving out those kept whole; one query for their open requests."""
    open_requests = set(
        SubjectRequest.objects.filter(subject_id__any_of=Ids(held), status__in=SubjectRequest.OPEN).values_list(
            "subject_id", flat=True
        )
    )
    decisions = {pk: subject_decision(relations[pk], today, open_request=pk in open_requests) for pk in held}
    return {pk: decision for pk, decision in decisions.items() if decision.level is not Level.KEEP}


def _relation_maybe_due(today: date, catalogue: Catalogue) -> Q:
    """A relation whose activity's earliest rule may have expired, or whose consent record is overdue."""
    by_rules: dict[tuple[Rule, ...], list[int]] = defaultdict(list)
    for activity_id, rules in catalogue.rules.items():
        by_rules[rules or (DEFAULT_RULE,)].append(activity_id)
    maybe = Q(
        activity_id__in=sorted(catalogue.consent_based),
        consent_given_on__isnull=True,
        started_on__lte=today - CONSENT_GRACE,
    )
    for rules, activity_ids in by_rules.items():
        for end in ("ended_on", "consent_withdrawn_on"):  # withdrawing consent ends a relation on consent
            ids = [pk for pk in activity_ids if end == "ended_on" or pk in catalogue.consent_based]
            if ids:
                expired = Q()
                for rule in rules:
                    expired |= _rule_maybe_expired(rule, today, end)
                maybe |= Q(activity_id__in=ids) & expired
    return maybe


def _rule_maybe_expired(rule: Rule, today: date, end: str) -> Q:
    if rule.unit == "days":
        cutoff = today - timedelta(days=rule.period)
    else:
        cutoff = add_months(today, -rule.period * (12 if rule.unit == "years" else 1))
    cutoff += CUTOFF_SLACK
    if rule.trigger == "collection":
        return Q(**{f"{end}__isnull": False, "started_on__lte": cutoff})
    return Q(**{f"{end}__lte": cutoff})  # the end of the relation or of its financial year, which is later


def _relations_of(ids: Ids, catalogue: Catalogue) -> dict[int, list[RelationFacts]]:
    facts: dict[int, list[RelationFacts]] = defaultdict(list)
    rows = Relation.objects.filter(subject_id__any_of=ids).values_list(
        "subject_id",
        "activity_id",
        "started_on",
        "ended_on",
        "consent_given_on",
        "consent_withdrawn_on",
        "legal_hold",
        "restricted",
    )
    for subject_id, activity_id, started_on, ended_on, given_on, withdrawn_on, legal_hold, restricted in rows:
        relation = RelationFacts(
            started_on=started_on,
            ended_on=ended_on,
            rules=catalogue.rules.get(activity_id, ()),
            consent_based=activity_id in catalogue.consent_based,
            consent_given_on=given_on,
            consent_withdrawn_on=withdrawn_on,
            legal_hold=legal_hold,
            restricted=restricted,
            activity_id=activity_id,
        )
        facts[subject_id].append(relation)
    return facts


def _already_done(decisions: dict[int, Decision]) -> set[int]:
    """The subjects already anonymised, or minimised to the same set: nothing to do again. One query, and only
    when some are due for either (an erased subject is simply gone)."""
    reducing = [pk for pk, decision in decisions.items() if decision.level in (Level.ANONYMISE, Level.MINIMISE)]
    if not reducing:
        return set()
    rows = DataSubject.objects.filter(pk__any_of=Ids(reducing)).values("pk", *PERSONAL_FIELDS)
    return {row["pk"] for row in rows if _is_done(decisions[row["pk"]], row)}


def _is_done(decision: Decision, row: dict[str, Any]) -> bool:
    if decision.level is Level.ANONYMISE:
        return row["anonymised_at"] is not None
    kept = {name.casefold() for name in decision.keep}
    blanked = [f for f, names in FIELD_CATEGORIES.items() if not any(n.casefold() in kept for n in names)]
    extra = [key for key in (row["attributes"] or {}) if str(key).casefold() not in kept]
    return not extra and all(row[field] == NEUTRAL[field] for field in blanked)


def _count(counts: Counter, action: str, waits: bool, catalogue: Catalogue, organisation_id: int, relations) -> None:
    key = f"{AWAITING}:{action}" if waits else action
    counts[AWAITING if waits else action] += 1
    counts[f"org:{catalogue.organisation_slug[organisation_id]}:{key}"] += 1
    for activity_id in {relation.activity_id for relation in relations}:
        counts[f"activity:{catalogue.label[activity_id]}:{key}"] += 1


def _act(decision: Decision, subjects: list[int]) -> None:
    if decision.level is Level.ERASE:
        subjects_erase(subjects=subjects)
    elif decision.level is Level.ANONYMISE:
        subjects_anonymise(subjects=subjects)
    else:
        subjects_minimise(subjects=subjects, keep=decision.keep)


@contextmanager
def _sweep_lock() -> Iterator[bool]:
    """A PostgreSQL session advisory lock; elsewhere (SQLite, one writer at a time) always acquired."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def _in_worker() -> bool:
    """Whether a Celery worker runs this job: then the chunks become tasks that several workers share."""
    from celery import current_task

    return bool(current_task) and not current_task.request.is_eager


def _fan_out(chunks: list[list[int]], now: datetime) -> int:
    from .tasks import sweep_chunk_task

    for chunk in chunks:
        transaction.on_commit(lambda chunk=chunk: sweep_chunk_task.delay(chunk, now.isoformat()))
    return len(chunks)
