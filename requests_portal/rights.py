"""Rectification (art. 16 and 19), restriction (art. 18), objection (art. 21) and withdrawal of consent (art. 7(3)).

Each service changes the subject's relations in one `bulk_update_with_history` (so the register's history shows
who changed what, and when) and records on the request's timeline what was done, by activity reference: the
timeline is read by several people and keeps no personal values.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from simple_history.utils import bulk_update_with_history

from register.models import DataSubject, ProcessingActivity, Processor, Recipient, Relation
from register.selectors import reference_key

from .models import RequestEvent, SubjectRequest

Basis = ProcessingActivity.LegalBasis


class SubjectNotMatched(Exception):
    """The request is not matched to a data subject yet, so there are no relations to act on."""


def rectification_recipients(*, subject: DataSubject) -> list[Recipient | Processor]:
    """Everyone the subject's data were disclosed to (art. 19): the recipients and processors of every activity the
    subject has or had a relation with, each once, by name. Two queries."""
    activities = Relation.objects.filter(subject=subject).values("activity_id")
    recipients = Recipient.objects.filter(activities__in=activities).distinct()
    processors = Processor.objects.filter(activities__in=activities).distinct()
    return sorted([*recipients, *processors], key=lambda item: (item.name.casefold(), type(item).__name__))


@transaction.atomic
def relations_restrict(*, request: SubjectRequest, now: datetime) -> int:
    """Restrict processing (art. 18) in every relation of the subject; returns how many relations changed."""
    relations = [r for r in _relations(request) if not r.restricted]
    for relation in relations:
        relation.restricted = True
    _save(relations, ["restricted"])
    _note(request, now, gettext("Processing restricted (art. 18) for activities: %(activities)s.") % _refs(relations))
    return len(relations)


@transaction.atomic
def relations_object(*, request: SubjectRequest, now: datetime, activity_ids: list[int] | None = None) -> int:
    """Record an objection (art. 21) on the subject's relations (all, or those of `activity_ids`) and end those
    based on legitimate interests, where the objection stops the processing. For a public task the FG weighs the
    grounds first and ends the relation in the admin when the objection succeeds. Returns the relations flagged."""
    today = timezone.localdate(now)
    relations = [r for r in _relations(request, activity_ids) if not r.objected]
    ended = [r for r in relations if r.activity.legal_basis == Basis.LEGITIMATE_INTERESTS and r.ended_on is None]
    for relation in relations:
        relation.objected = True
    for relation in ended:
        relation.ended_on = today
    _save(relations, ["objected", "ended_on"])
    text = gettext("Objection (art. 21) recorded for activities: %(activities)s.") % _refs(relations)
    if ended:
        text += " " + gettext("Ended, being based on legitimate interests: %(activities)s.") % _refs(ended)
    _note(request, now, text)
    return len(relations)


@transaction.atomic
def consent_withdraw(*, request: SubjectRequest, now: datetime, activity_ids: list[int] | None = None) -> int:
    """Record the withdrawal of consent (art. 7(3)) on the relations of consent-based activities (all, or those of
    `activity_ids`) and end them. Relations on another basis are left alone: withdrawing consent does not end a
    contract or a legal obligation. Returns the relations changed."""
    today = timezone.localdate(now)
    relations = [
        r
        for r in _relations(request, activity_ids)
        if r.activity.legal_basis == Basis.CONSENT and r.consent_withdrawn_on is None
    ]
    for relation in relations:
        relation.consent_withdrawn_on = today
        relation.ended_on = relation.ended_on or today
    _save(relations, ["consent_withdrawn_on", "ended_on"])
    _note(request, now, gettext("Consent withdrawn (art. 7(3)) for activities: %(activities)s.") % _refs(relations))
    return len(relations)


def _relations(request: SubjectRequest, activity_ids: Iterable[int] | None = None) -> QuerySet[Relation]:
    if request.subject_id is None:
        raise SubjectNotMatched(gettext("Match the request to a data subject first."))
    relations = Relation.objects.filter(subject_id=request.subject_id).select_related("activity")
    if activity_ids is not None:
        relations = relations.filter(activity_id__in=activity_ids)
    return relations.order_by("activity__reference", "pk")


def _save(relations: list[Relation], fields: list[str]) -> None:
    if relations:
        bulk_update_with_history(relations, Relation, fields)


def _refs(relations: list[Relation]) -> dict[str, str]:
    return {
        "activities": ", ".join(sorted({r.activity.reference for r in relations}, key=reference_key)) or gettext("none")
    }


def _note(request: SubjectRequest, now: datetime, text: str) -> None:
    RequestEvent.objects.create(request=request, at=now, kind=RequestEvent.Kind.NOTE, text=text)
