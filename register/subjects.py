"""What the organisation holds on people: erased, anonymised or minimised in bulk.

Each service takes a queryset of subjects and serves one subject or a million alike: it walks the
primary keys in chunks, one transaction per chunk, and does a handful of set-based queries per chunk.
History is treated like the rows themselves, because simple-history keeps a full copy of every
version: a value blanked only in the live row would survive there. The admin's log is cleaned too,
since it names the object it logs. Which subjects are due is the caller's decision (a retention
sweep, an erasure run); these services act on what they are given.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.deletion import DO_NOTHING, SET_NULL, DatabaseOnDelete
from django.db.models.functions import Concat
from django.utils import timezone

from .lookups import Ids
from .models import DataSubject, Relation

CHUNK_SIZE = 10_000
# bulk_update writes one CASE branch per row, which the database evaluates for every row it updates.
BULK_UPDATE_BATCH = 1_000
ANONYMISED_NAME = "Geanonimiseerd"

# Each personal field of DataSubject and the categories of personal data (as named in the register) it belongs to.
FIELD_CATEGORIES: dict[str, tuple[str, ...]] = {
    "name": ("Naam",),
    "street_address": ("Adres",),
    "postal_code": ("Adres",),
    "city": ("Adres",),
    "email": ("E-mailadres",),
    "phone": ("Telefoonnummer",),
    "date_of_birth": ("Geboortedatum",),
    "iban": ("Rekeningnummer (IBAN)",),
    "notes": ("Notities",),
}
NEUTRAL: dict[str, Any] = {field: "" for field in FIELD_CATEGORIES} | {"name": ANONYMISED_NAME, "date_of_birth": None}


Subjects = QuerySet[DataSubject] | Sequence[int]  # a queryset, or primary keys the caller has already selected


def subjects_erase(*, subjects: Subjects) -> int:
    """Delete the subjects, their relations and every historical copy of both; return how many were erased."""
    return _in_chunks(subjects, _erase_chunk)


def subjects_anonymise(*, subjects: Subjects) -> int:
    """Keep the rows and relations for statistics, with every personal value replaced, in history too."""
    now = timezone.now()
    return _in_chunks(subjects, lambda ids: _anonymise_chunk(ids, now))


def subjects_minimise(*, subjects: Subjects, keep: Iterable[str]) -> int:
    """Keep only the fields and further data of the named categories of personal data; blank the rest."""
    kept = {name.casefold() for name in keep}
    blanks = {field: NEUTRAL[field] for field, names in FIELD_CATEGORIES.items() if not _is_kept(names, kept)}
    return _in_chunks(subjects, lambda ids: _minimise_chunk(ids, blanks, kept))


def subject_values(subject: DataSubject) -> list[str]:
    """Every personal value of the subject as text: to redact it elsewhere, and to show that it is gone.

    A birth date comes in both ISO and Dutch writing; the neutral name of an anonymised subject is left out.
    """
    values = [getattr(subject, field) for field in FIELD_CATEGORIES if field != "date_of_birth"]
    if subject.date_of_birth:
        values += [subject.date_of_birth.isoformat(), subject.date_of_birth.strftime("%d-%m-%Y")]
    values += _texts(subject.attributes)
    return list(dict.fromkeys(value for value in values if value and value != ANONYMISED_NAME))


def _in_chunks(subjects: Subjects, action: Callable[[Ids], None]) -> int:
    """Run `action` on the subjects' primary keys, CHUNK_SIZE at a time in ascending order, each in a transaction."""
    if not isinstance(subjects, QuerySet):
        ids = sorted(subjects)
        for start in range(0, len(ids), CHUNK_SIZE):
            with transaction.atomic():
                action(Ids(ids[start : start + CHUNK_SIZE]))
        return len(ids)
    done, last = 0, None
    ordered = subjects.order_by("pk")
    while True:
        with transaction.atomic():
            remaining = ordered if last is None else ordered.filter(pk__gt=last)
            ids = list(remaining.values_list("pk", flat=True)[:CHUNK_SIZE])
            if not ids:
                return done
            action(Ids(ids))
        done, last = done + len(ids), ids[-1]


def _erase_chunk(ids: Ids) -> None:
    DataSubject.history.model.objects.filter(id__any_of=ids).delete()
    # By subject rather than by relation id, so copies of relations deleted earlier go as well.
    Relation.history.model.objects.filter(subject_id__any_of=ids).delete()
    _log_entries(ids).update(
        object_repr=Concat(Value("#"), F("object_id"), output_field=models.TextField()), change_message=""
    )
    _detach_references(ids)
    # A plain delete() would send post_delete for every row, and simple-history would answer each with
    # an INSERT of a full copy into history: one query per row, writing back what is being erased.
    for queryset in (Relation.objects.filter(subject_id__any_of=ids), DataSubject.objects.filter(pk__any_of=ids)):
        queryset._raw_delete(queryset.db)


def _detach_references(ids: Ids) -> None:
    """Do what other apps' links to a subject ask on its deletion; register does not import those apps."""
    for link in DataSubject._meta.related_objects:
        on_delete = link.on_delete
        if link.related_model is Relation or on_delete is DO_NOTHING or isinstance(on_delete, DatabaseOnDelete):
            continue  # Relation is deleted next; the database itself acts on the rest.
        if on_delete is not SET_NULL:
            raise NotImplementedError(f"{link.field} asks {on_delete!r} on deletion; erasure handles SET_NULL only")
        manager = link.related_model._base_manager
        manager.filter(**{f"{link.field.name}__any_of": ids}).update(**{link.field.name: None})


def _anonymise_chunk(ids: Ids, now) -> None:
    values = NEUTRAL | {"attributes": {}, "anonymised_at": now}
    DataSubject.objects.filter(pk__any_of=ids).update(**values)
    DataSubject.history.model.objects.filter(id__any_of=ids).update(**values)
    # Where a consent record is kept may name the person (a file called after them); how it was given does not.
    Relation.objects.filter(subject_id__any_of=ids).update(consent_evidence="")
    Relation.history.model.objects.filter(subject_id__any_of=ids).update(consent_evidence="")
    _log_entries(ids).update(object_repr=ANONYMISED_NAME, change_message="")


def _minimise_chunk(ids: Ids, blanks: dict[str, Any], kept: set[str]) -> None:
    history = DataSubject.history.model.objects.filter(id__any_of=ids)
    for queryset in (DataSubject.objects.filter(pk__any_of=ids), history):
        if blanks:
            queryset.update(**blanks)
        _minimise_attributes(queryset, kept)
    if "name" in blanks:
        # The log names the subject, and an added relation's description names it as well.
        _log_entries(ids).update(object_repr=ANONYMISED_NAME, change_message="")


def _minimise_attributes(queryset: QuerySet, kept: set[str]) -> None:
    """Drop the further data of categories not kept, writing only the rows that change.

    Rows that end up alike (most often all of them, with nothing left) are written by one UPDATE per
    thousand of them; the rest by bulk_update, whose cost in Python grows with every row it writes.
    """
    model = queryset.model
    alike: dict[str, list[int]] = defaultdict(list)
    remaining_of: dict[str, dict] = {}
    for pk, attributes in queryset.exclude(attributes={}).values_list("pk", "attributes"):
        remaining = _kept_attributes(attributes, kept)
        if remaining != attributes:
            key = json.dumps(remaining, sort_keys=True)
            alike[key].append(pk)
            remaining_of[key] = remaining
    single = []
    for key, pks in alike.items():
        if len(pks) >= BULK_UPDATE_BATCH:
            model._base_manager.filter(pk__any_of=Ids(pks)).update(attributes=remaining_of[key])
        else:
            single += [model(pk=pk, attributes=remaining_of[key]) for pk in pks]
    model._base_manager.bulk_update(single, ["attributes"], batch_size=BULK_UPDATE_BATCH)


def _kept_attributes(attributes: Any, kept: set[str]) -> dict:
    if not isinstance(attributes, dict):
        return {}  # not keyed by category, so nothing of it can be kept
    return {key: value for key, value in attributes.items() if key.casefold() in kept}


def _log_entries(ids: Ids) -> QuerySet[LogEntry]:
    """The admin's log of these subjects: it repeats the name, and an added relation's description."""
    content_type = ContentType.objects.get_for_model(DataSubject)
    return LogEntry.objects.filter(content_type=content_type, object_id__any_of=[str(pk) for pk in ids])


def _is_kept(categories: Iterable[str], kept: set[str]) -> bool:
    return any(name.casefold() in kept for name in categories)


def _texts(value: Any) -> list[str]:
    """The strings and numbers in further data, however nested."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]
