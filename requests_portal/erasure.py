"""The erasure run (art. 17): preview, the FG's confirmation, execution and a certificate without the erased data.

1. `erasure_preview` decides per relation of the request's subject what happens and why, from the register: keep
   when a statutory retention rule of the activity still runs (art. 17(3)(b), e.g. financial records for 7 years
   under art. 52 AWR) or the relation is under a legal hold (art. 17(3)(e)); erase otherwise, whatever the
   organisation's own policy period says, since the request overrides a policy. The preview holds references,
   names of activities and categories, reasons, dates and counts, never a personal value.
2. `erasure_confirm` records who confirmed the preview, once.
3. `erasure_execute` acts on a confirmed preview, once: it erases the subject (`subjects_erase`) when nothing
   must be kept; otherwise it deletes the erased relations with their history, ends the kept ones and minimises
   the subject (`subjects_minimise`) to the categories the kept activities need. It then deletes every private
   file of the subject's requests, takes the requester's identity out of those requests and their history, and
   writes the certificate.

What is kept for an activity: the categories the statutory rule names (`keep_categories`) when the FG named any,
otherwise the activity's own categories of personal data as the register lists them. For financial records that
is what the law asks to keep (for the demo register: name, IBAN and invoice data); naming the categories on the
rule narrows it.

Both JSON documents are language-neutral (codes and facts); `step_reason` words a step in the active language.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from simple_history.utils import bulk_update_with_history

from register.deadlines import add_months
from register.exporting import retention_rule_words
from register.models import DataSubject, Relation, RetentionRule
from register.pdf import pdf_render
from register.selectors import reference_key
from register.subjects import FIELD_CATEGORIES, subject_values, subjects_erase, subjects_minimise

from .models import AccessPackage, ErasureRun, RequestEvent, RequestUpload, SubjectRequest
from .storage import private_file_delete

Rule = RetentionRule
KEEP, ERASE = "keep", "erase"
STATUTORY, LEGAL_HOLD, NO_OBLIGATION = "statutory", "legal_hold", "no_obligation"
ERASED_MARK = "[…]"
NAME_PART_MIN = 4  # 'de', 'van' and 'Jan' are everyone's; 'Berg' and 'Visser' single out in one person's letters
FINGERPRINT_ALGORITHM = "sha256"


class ErasureNotConfirmed(Exception):
    """The FG has not confirmed the preview: nothing is erased before a person has looked at it."""


class PreviewOutdated(Exception):
    """The subject's relations or the register changed since the preview was made: preview and confirm again."""


# The decision per relation


@dataclass
class Step:
    """What happens to one relation; stored as JSON in the preview and the certificate."""

    relation_id: int
    reference: str
    activity: str
    action: str  # KEEP or ERASE
    reason: str  # STATUTORY, LEGAL_HOLD or NO_OBLIGATION
    law: str = ""
    rule: dict = field(default_factory=dict)  # the statutory rule's period, unit, trigger and ground
    keep_until: str | None = None  # ISO date; None for a legal hold, which lasts until lifted
    kept_categories: list[str] = field(default_factory=list)


def statutory_keep_until(rule: RetentionRule, relation: Relation, today: date) -> date:
    """The last day a statutory rule keeps a relation's data. An active relation counts as ending today, since
    the erasure ends it; the financial year is the calendar year; a last contact is taken as the relation's end."""
    end = relation.ended_on or today
    if rule.trigger == Rule.Trigger.FINANCIAL_YEAR_END:
        start = date(end.year, 12, 31)
    elif rule.trigger == Rule.Trigger.COLLECTION:
        start = relation.started_on
    else:
        start = end
    if rule.unit == Rule.Unit.DAYS:
        return start + timedelta(days=rule.period)
    return add_months(start, rule.period * (12 if rule.unit == Rule.Unit.YEARS else 1))


def relation_step(relation: Relation, today: date) -> Step:
    """Keep for a legal hold or the statutory rule that runs longest; erase otherwise."""
    activity = relation.activity
    step = Step(relation.pk, activity.reference, activity.name, ERASE, NO_OBLIGATION)
    categories = sorted(c.name for c in activity.data_categories.all())
    if relation.legal_hold:
        return replace(step, action=KEEP, reason=LEGAL_HOLD, kept_categories=categories)
    running = [
        (until, rule)
        for rule in activity.retention_rules.all()
        if rule.ground == Rule.Ground.STATUTORY and (until := statutory_keep_until(rule, relation, today)) >= today
    ]
    if not running:
        return step
    until, rule = max(running, key=lambda pair: pair[0])
    named = sorted(c.name for c in rule.keep_categories.all())
    return replace(
        step,
        action=KEEP,
        reason=STATUTORY,
        law=rule.law,
        rule={"period": rule.period, "unit": rule.unit, "trigger": rule.trigger, "action": rule.action},
        keep_until=until.isoformat(),
        kept_categories=named or categories,
    )


def step_reason(step: dict) -> str:
    """Why a step keeps or erases, in the active language."""
    if step["reason"] == LEGAL_HOLD:
        return gettext("Kept: a legal hold is on this relation (art. 17(3)(e) GDPR).")
    if step["reason"] == NO_OBLIGATION:
        return gettext("Erased: no legal obligation to keep these data.")
    rule = RetentionRule(ground=Rule.Ground.STATUTORY, law=step["law"], **step["rule"])
    until = formats.date_format(date.fromisoformat(step["keep_until"]), "j F Y")
    return gettext("Kept until %(until)s: legal obligation to keep (art. 17(3)(b) GDPR), %(rule)s.") % {
        "until": until,
        "rule": retention_rule_words(rule, []),
    }


# Preview and confirmation


def erasure_preview(*, request: SubjectRequest, now: datetime | None = None) -> ErasureRun:
    """Make or refresh the preview of the request's erasure run. A refreshed preview that decides differently
    withdraws an earlier confirmation; an executed run is returned as it is."""
    now = now or timezone.now()
    run, _created = ErasureRun.objects.get_or_create(request=request)
    if run.executed_at:
        return run
    steps = _steps(request, timezone.localdate(now))
    if _decisions(steps) != _confirmed_decisions(run.preview):
        run.confirmed_by, run.confirmed_at = None, None
    run.preview = _preview(request, steps, now)
    run.save(update_fields=["preview", "confirmed_by", "confirmed_at"])
    return run


def erasure_confirm(*, run: ErasureRun, user: AbstractBaseUser, now: datetime) -> ErasureRun:
    """Record the FG's confirmation of the preview; a second confirmation changes nothing."""
    ErasureRun.objects.filter(pk=run.pk, confirmed_at__isnull=True, executed_at__isnull=True).update(
        confirmed_by=user, confirmed_at=now
    )
    run.refresh_from_db()
    return run


def _steps(request: SubjectRequest, today: date) -> list[Step]:
    if request.subject_id is None:
        return []
    rules = RetentionRule.objects.order_by("pk").prefetch_related("keep_categories")
    relations = (
        Relation.objects.filter(subject_id=request.subject_id)
        .select_related("activity")
        .prefetch_related("activity__data_categories", Prefetch("activity__retention_rules", rules))
        .order_by("pk")
    )
    steps = [relation_step(relation, today) for relation in relations]
    return sorted(steps, key=lambda step: reference_key(step.reference))


def _preview(request: SubjectRequest, steps: list[Step], now: datetime) -> dict:
    kept = _kept_categories(steps)
    kept_folded = {name.casefold() for name in kept}
    kept_fields = {f for f, names in FIELD_CATEGORIES.items() if _any_kept(names, kept_folded)}
    return {
        "computed_at": now.isoformat(),
        "subject_found": request.subject_id is not None,
        "outcome": _outcome(request, steps),
        "steps": [asdict(step) for step in steps],
        "kept_categories": kept,
        "kept_fields": [f for f in FIELD_CATEGORIES if f in kept_fields],
        "erased_fields": [f for f in FIELD_CATEGORIES if f not in kept_fields] if request.subject_id else [],
        "counts": {
            "relations_erased": sum(step.action == ERASE for step in steps),
            "relations_kept": sum(step.action == KEEP for step in steps),
            "uploads": RequestUpload.objects.filter(request__in=_requests(request)).count(),
            "access_packages": AccessPackage.objects.filter(request__in=_requests(request)).count(),
            "requests": _requests(request).count(),
        },
    }


def _outcome(request: SubjectRequest, steps: list[Step]) -> str:
    """'nothing_held', 'erase' (the subject goes entirely) or 'minimise' (kept for a legal reason)."""
    if request.subject_id is None:
        return "nothing_held"
    return "minimise" if any(step.action == KEEP for step in steps) else "erase"


def _kept_categories(steps: Iterable[Step]) -> list[str]:
    return sorted({name for step in steps if step.action == KEEP for name in step.kept_categories}, key=str.casefold)


def _any_kept(names: Iterable[str], kept: set[str]) -> bool:
    return any(name.casefold() in kept for name in names)


def _decisions(steps: list[Step]) -> set[tuple]:
    """What a confirmation covers: per relation the action and the categories kept (not the dates, which move
    with the day of execution for an active relation)."""
    return {(step.relation_id, step.action, tuple(step.kept_categories)) for step in steps}


def _confirmed_decisions(preview: dict | list) -> set[tuple] | None:
    if not isinstance(preview, dict):
        return None  # never previewed
    return _decisions([Step(**step) for step in preview["steps"]])


# Execution


def erasure_execute(*, run: ErasureRun, now: datetime, user: AbstractBaseUser | None = None) -> ErasureRun:
    """Carry out the confirmed preview, once (see the module docstring); a second call returns the run unchanged.
    `user` is who pressed the button, recorded as executing; without one, the FG who confirmed."""
    run.refresh_from_db()
    if run.executed_at:
        return run
    if run.confirmed_at is None:
        raise ErasureNotConfirmed(gettext("The FG must confirm the preview before anything is erased."))
    request = run.request
    steps = _steps(request, timezone.localdate(now))
    if _decisions(steps) != _confirmed_decisions(run.preview):
        raise PreviewOutdated(gettext("The data changed since the preview: make a new preview and confirm it."))
    executed_by = user or run.confirmed_by
    with transaction.atomic():
        # Claim the run: of two executions at once, one finds it claimed and does nothing.
        if not ErasureRun.objects.filter(pk=run.pk, executed_at__isnull=True).update(executed_at=now):
            run.refresh_from_db()
            return run
        run.certificate = _execute(run, steps, now, executed_by)
        run.executed_at = now
        run.save(update_fields=["certificate", "executed_at"])
        counts = run.certificate["counts"]
        text = ngettext(
            "Erasure executed: %(erased)d relation erased, %(kept)d kept for a legal reason.",
            "Erasure executed: %(erased)d relations erased, %(kept)d kept for a legal reason.",
            counts["relations_erased"],
        ) % {"erased": counts["relations_erased"], "kept": counts["relations_kept"]}
        RequestEvent.objects.create(request=request, at=now, kind=RequestEvent.Kind.NOTE, actor=executed_by, text=text)
    return run


def _execute(run: ErasureRun, steps: list[Step], now: datetime, executed_by: AbstractBaseUser | None) -> dict:
    request = run.request
    subject = request.subject
    requests = list(_requests(request))  # before the subject goes, while its requests still point to it
    subject_texts = (subject_values(subject), [subject.name]) if subject else ([], [])
    fingerprint = _fingerprint_of(subject, request)
    counts = {"subjects_erased": 0, "subjects_minimised": 0}
    if subject and any(step.action == KEEP for step in steps):
        counts["subjects_minimised"] = _minimise(subject, steps, timezone.localdate(now))
    elif subject:
        counts["subjects_erased"] = subjects_erase(subjects=DataSubject.objects.filter(pk=subject.pk))
    counts |= requests_anonymise(requests=requests, now=now, also_values=subject_texts[0], also_names=subject_texts[1])
    counts["relations_erased"] = sum(step.action == ERASE for step in steps)
    counts["relations_kept"] = sum(step.action == KEEP for step in steps)
    return _certificate(run, steps, now, executed_by, counts, fingerprint)


def _minimise(subject: DataSubject, steps: list[Step], today: date) -> int:
    """Delete the erased relations and their history, end the kept ones, keep only the categories they need."""
    erased = [step.relation_id for step in steps if step.action == ERASE]
    kept = Relation.objects.filter(pk__in=[step.relation_id for step in steps if step.action == KEEP])
    Relation.history.model.objects.filter(id__in=erased).delete()
    # A raw delete: a plain one would have simple-history write a full copy of each row back into history.
    doomed = Relation.objects.filter(pk__in=erased)
    doomed._raw_delete(doomed.db)
    ending = [relation for relation in kept if relation.ended_on is None]
    for relation in ending:
        relation.ended_on = today
    if ending:
        bulk_update_with_history(ending, Relation, ["ended_on"])
    return subjects_minimise(subjects=DataSubject.objects.filter(pk=subject.pk), keep=_kept_categories(steps))


def _requests(request: SubjectRequest) -> QuerySet[SubjectRequest]:
    """The subject's requests: this one, its duplicates, those matched to the subject and those from the same
    verified address at the same organisation."""
    same = Q(pk=request.pk) | Q(duplicate_of_id=request.pk)
    if request.subject_id:
        same |= Q(subject_id=request.subject_id)
    emails = {request.requester_email} | ({request.subject.email} if request.subject_id else set())
    for email in filter(None, emails):
        same |= Q(organisation_id=request.organisation_id, requester_email__iexact=email)
    return SubjectRequest.objects.filter(same)


def requests_anonymise(
    *, requests: list[SubjectRequest], now: datetime, also_values: Iterable[str] = (), also_names: Iterable[str] = ()
) -> dict[str, int]:
    """Take the requesters out of their requests and the requests' history, delete the requests' private files,
    and black out their values (and those given, e.g. of the erased subject) in the FG's own texts. Keeps the
    reference, kind, dates and status, the evidence the yearly report needs."""
    names = [request.requester_name for request in requests] + list(also_names)
    values = list(also_values) + [value for request in requests for value in _requester_values(request)]
    counts = _delete_private_files(requests)
    counts["requests_anonymised"] = _anonymise_requests(requests, _with_name_parts(values, names), now)
    return counts


def _delete_private_files(requests: list[SubjectRequest]) -> dict[str, int]:
    """Uploads (ID copies, proofs) and access packages of the requests: rows first, then the files; if the
    transaction fails after this, the rows come back without their files, which an erasure can live with."""
    uploads = RequestUpload.objects.filter(request__in=requests)
    packages = AccessPackage.objects.filter(request__in=requests)
    names = list(uploads.values_list("stored_name", flat=True)) + list(packages.values_list("stored_name", flat=True))
    counts = {"uploads_deleted": uploads.delete()[1].get(RequestUpload._meta.label, 0)}
    counts["access_packages_deleted"] = packages.delete()[1].get(AccessPackage._meta.label, 0)
    for name in names:
        private_file_delete(name)
    return counts


# The requests keep their reference, kind, dates and status for accountability (art. 5(2)); who filed them, and
# what the requester wrote, go.
REQUESTER_FIELDS = {"requester_name": ERASED_MARK, "requester_email": "", "on_behalf_of": "", "message": ""}
REDACTED_FIELDS = ["outcome", "extension_reason", "pause_reason"]


def _anonymise_requests(requests: list[SubjectRequest], values: list[str], now: datetime) -> int:
    """Take the requester out of the requests, their history and their timeline; redact the subject's values from
    the FG's texts. A handful of queries per request set, whatever the length of the history."""
    ids = [r.pk for r in requests]
    pattern = _values_pattern(values)
    SubjectRequest.objects.filter(pk__in=ids).update(**REQUESTER_FIELDS, anonymised_at=now)
    history = SubjectRequest.history.model.objects.filter(id__in=ids)
    history.update(**REQUESTER_FIELDS, anonymised_at=now)
    for queryset in (SubjectRequest.objects.filter(pk__in=ids), history):
        _redact(queryset, REDACTED_FIELDS, pattern)
    events = RequestEvent.objects.filter(request_id__in=ids)
    events.filter(kind=RequestEvent.Kind.MESSAGE_IN).update(text=ERASED_MARK)
    _redact(events.exclude(kind=RequestEvent.Kind.MESSAGE_IN), ["text"], pattern)
    return len(ids)


def _requester_values(request: SubjectRequest) -> list[str]:
    return [v for v in (request.requester_name, request.requester_email, request.on_behalf_of) if v]


def _with_name_parts(values: list[str], names: Iterable[str]) -> list[str]:
    """The values, and each part of the names long enough to single someone out: a letter says 'Dear Mr Jansen'."""
    parts = [part for name in names for part in name.split() if len(part) >= NAME_PART_MIN]
    return values + parts


def _values_pattern(values: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern for the values, longest first, whole words only: 'Ede' is not in 'Gedeeld'."""
    words = sorted({v.strip() for v in values if len(v.strip()) >= 3}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def _redact(queryset: QuerySet, fields: list[str], pattern: re.Pattern | None) -> None:
    if pattern is None:
        return
    model = queryset.model
    changed = []
    for row in queryset.values("pk", *fields):
        redacted = {name: pattern.sub(ERASED_MARK, row[name]) for name in fields if row[name]}
        if any(redacted[name] != row[name] for name in redacted):
            changed.append(model(pk=row["pk"], **{name: redacted.get(name, row[name]) for name in fields}))
    model._base_manager.bulk_update(changed, fields, batch_size=1000)


# The certificate


def subject_fingerprint(value: str, salt: str | None = None) -> dict:
    """A one-way fingerprint of the subject's e-mail address (or name, without one), to recognise them later.

    SHA-256 over a random per-run salt and the value normalised (trimmed, inner spaces collapsed, case-folded).
    The certificate keeps the salt and the digest, not the value: shown an address later, the FG computes the
    digest with the stored salt (`fingerprint_matches`) and can prove that this person's data were erased on that
    day. The salt makes the digest differ per run, so certificates cannot be linked to each other or looked up in
    a table of precomputed digests. It does not stop someone who holds the certificate and guesses the right
    address from confirming the guess: that is the point of the proof, and why the certificate stays with the FG.
    """
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{_normalised(value)}".encode()).hexdigest()
    return {"algorithm": FINGERPRINT_ALGORITHM, "salt": salt, "digest": digest}


def _fingerprint_of(subject: DataSubject | None, request: SubjectRequest) -> dict:
    if subject is None:
        return {"of": "email", **subject_fingerprint(request.requester_email)}
    if subject.email:
        return {"of": "email", **subject_fingerprint(subject.email)}
    return {"of": "name", **subject_fingerprint(subject.name)}


def fingerprint_matches(*, run: ErasureRun, value: str) -> bool:
    """Whether `value` (an e-mail address, or the name for a subject without one) is the erased subject's."""
    fingerprint = run.certificate.get("fingerprint")
    if not fingerprint:
        return False
    candidate = subject_fingerprint(value, fingerprint["salt"])["digest"]
    return secrets.compare_digest(candidate, fingerprint["digest"])


def _normalised(value: str) -> str:
    return " ".join(value.split()).casefold()


def _certificate(
    run: ErasureRun, steps: list[Step], now: datetime, executed_by: AbstractBaseUser | None, counts: dict, fingerprint
) -> dict:
    request = run.request
    return {
        "reference": request.reference,
        "organisation": request.organisation.name,
        "request_kind": request.kind,
        "received_at": request.received_at.isoformat(),
        "confirmed_by": _user_name(run.confirmed_by),
        "confirmed_at": run.confirmed_at.isoformat(),
        "executed_by": _user_name(executed_by),
        "executed_at": now.isoformat(),
        "outcome": run.preview.get("outcome"),
        "steps": [asdict(step) for step in steps],
        "kept_categories": _kept_categories(steps),
        "counts": counts,
        "fingerprint": fingerprint,
    }


def _user_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def erasure_certificate_pdf(*, run: ErasureRun) -> bytes:
    """The certificate as PDF, in the active language."""
    if not run.executed_at:
        raise ErasureNotConfirmed(gettext("There is no certificate before the erasure is executed."))
    certificate = run.certificate
    context = {
        "certificate": certificate,
        "received_at": timezone.localtime(datetime.fromisoformat(certificate["received_at"])),
        "confirmed_at": timezone.localtime(datetime.fromisoformat(certificate["confirmed_at"])),
        "executed_at": timezone.localtime(datetime.fromisoformat(certificate["executed_at"])),
        "steps": [{**step, "reason_text": step_reason(step)} for step in certificate["steps"]],
    }
    return pdf_render(
        template="requests_portal/erasure_certificate_pdf.html",
        context=context,
        running_title=certificate["organisation"],
        running_subtitle=certificate["reference"],
    )
