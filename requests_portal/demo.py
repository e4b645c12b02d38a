"""Demo requests in every stage, so the FG's request list shows what a working week looks like, and last
calendar year's requests and nightly job runs, so the yearly report of last year has something to show.
Idempotent: an organisation that already has requests gets none, a year that has job runs gets no more."""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from register.deadlines import AMSTERDAM
from register.models import DataSubject, Organisation
from retention.models import JobRun

from .answers import access_package_create
from .intake import request_create, request_verify
from .models import SubjectRequest
from .workflow import (
    request_assign,
    request_complete,
    request_extend,
    request_match,
    request_pause,
    request_refuse,
    request_start,
)

# (days ago, kind, how far the FG got, the requester's message)
REQUESTS = [
    (40, "access", "completed", "Ik wil graag weten welke gegevens u van mij bewaart."),
    (33, "rectification", "in_progress", "Mijn adres is veranderd: ik woon nu op de Lindelaan 4."),
    (12, "access", "in_progress", "Welke gegevens heeft de coöperatie van mij als obligatiehouder?"),
    (9, "erasure", "waiting", "Ik ben geen lid meer; verwijder alstublieft mijn gegevens."),
    (3, "complaint", "verified", "Ik kreeg de nieuwsbrief nog nadat ik me had afgemeld."),
    (1, "objection", "received", "Ik wil niet meer gebeld worden over nieuwe projecten."),
]


# Last calendar year: (month and day received, kind, the requester's message, then the FG's steps as (step, days
# after receipt, text)). On time, extended, refused on a ground, late (a portability request answered after its
# month), and a complaint answered within 14 days.
LAST_YEAR = [
    ((2, 3), "access", "Welke gegevens bewaart u van mij?",
     [("complete", 17, "Hierbij het overzicht van uw gegevens.")]),
    ((3, 10), "erasure", "Ik heb mijn lidmaatschap opgezegd; wilt u mijn gegevens verwijderen?",
     [("complete", 18, "Uw gegevens zijn verwijderd, behalve de facturen die wij zeven jaar moeten bewaren.")]),
    ((5, 12), "rectification", "Mijn e-mailadres is gewijzigd.", [("complete", 3, "Uw e-mailadres is aangepast.")]),
    ((6, 2), "access", "Ik wil alle gegevens zien die over mij als obligatiehouder zijn vastgelegd.", [
        ("extend", 18, "De gegevens staan ook in het archief van de vorige penningmeester; dat kost meer tijd."),
        ("complete", 60, "Hierbij het overzicht, ook uit het archief van de vorige penningmeester."),
    ]),
    ((9, 8), "objection", "Ik wil niet dat mijn EAN-code aan de energieleverancier wordt doorgegeven.", [
        ("refuse", 22, "Zonder uw EAN-code kan de leverancier uw opbrengst van het zonnedak niet verrekenen; "
         "dat is de overeenkomst die u met ons sloot."),
    ]),
    ((10, 6), "portability", "Graag mijn gegevens als bestand, ik stap over naar een andere coöperatie.",
     [("complete", 45, "Hierbij uw gegevens als CSV-bestand.")]),
    ((11, 17), "complaint", "Ik kreeg een herinnering voor een factuur die ik al had betaald.",
     [("complete", 9, "Excuses: de betaling was verkeerd geboekt. Wij hebben dat hersteld.")]),
    ((12, 1), "withdraw_consent", "Ik trek mijn toestemming voor de nieuwsbrief in.",
     [("complete", 2, "U ontvangt de nieuwsbrief niet meer.")]),
]  # fmt: skip
# The nightly jobs (config/celery.py): local start time, and what a request sweep counts.
NIGHTLY_JOBS = [
    ("retention_sweep", time(2, 30), ""),
    ("unverified_requests_purge", time(3, 10), "requests"),
    ("request_uploads_destroy", time(3, 20), "uploads"),
    ("access_packages_expire", time(3, 25), "packages"),
    ("requests_anonymise", time(3, 30), "requests"),
    ("request_tokens_purge", time(3, 40), "tokens"),
]
FAILED_NIGHT = (8, 14)  # the database was being upgraded; the next night's sweep did the work
FAILURE = "OperationalError: the database system is shutting down"
MAILERS_IN_MEMORY = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def demo_requests(organisation: Organisation) -> None:
    if organisation.subjectrequest_set.exists():
        return
    officer = get_user_model().objects.get(username="fg")
    people = list(DataSubject.objects.filter(organisation=organisation).exclude(email="").order_by("pk")[:20])
    # The fictional requesters' mails are kept in memory, not printed or sent.
    with override_settings(MAILERS=MAILERS_IN_MEMORY):
        _last_year_requests(organisation, officer, people[10:])
        for (days_ago, kind, stage, message), person in zip(REQUESTS, people, strict=False):
            _demo_request(
                organisation, officer, person, kind, stage, message, timezone.now() - timedelta(days=days_ago)
            )


def _last_year_requests(organisation, officer, people) -> None:
    year = timezone.localdate().year - 1
    for ((month, day), kind, message, steps), person in zip(LAST_YEAR, people, strict=False):
        received = datetime.combine(date(year, month, day), time(10), tzinfo=AMSTERDAM)
        request, token = request_create(
            organisation=organisation, kind=kind, name=person.name, email=person.email, message=message,
            language="nl", now=received,
        )  # fmt: skip
        _history_at(request, received)
        request = request_verify(raw_token=token, now=received + timedelta(hours=2))
        _history_at(request, received + timedelta(hours=2))
        started = received + timedelta(days=1)
        request_start(request=request, user=officer, now=started)
        request_assign(request=request, assignee=officer, user=officer, now=started)
        _history_at(request, started)
        for step, days, text in steps:
            _step(request, officer, step, text, received + timedelta(days=days))


def _step(request: SubjectRequest, officer, step: str, text: str, now: datetime) -> None:
    if step == "extend":
        request_extend(request=request, reason=text, user=officer, now=now)
    elif step == "refuse":
        ground = SubjectRequest.RefusalGround.COMPELLING_GROUNDS
        request_refuse(request=request, ground=ground, explanation=text, user=officer, now=now)
    else:
        request_complete(request=request, outcome=text, user=officer, now=now)
    _history_at(request, now)


def _history_at(request: SubjectRequest, moment: datetime) -> None:
    """The workflow records history at the real time; the demo's past requests get the moment of each step."""
    SubjectRequest.history.filter(id=request.pk, history_date__gt=moment).update(history_date=moment)


def demo_job_runs(organisation: Organisation) -> int:
    """Every night of last calendar year, the nightly jobs' runs with their counts, as the jobs record them
    (retention/sweeps.py, request_sweeps.py): now and then a newsletter subscriber erased or a former member
    minimised, and one night the sweep failed. A year that already has runs gets none."""
    year = timezone.localdate().year - 1
    start = datetime(year, 1, 1, tzinfo=AMSTERDAM)
    if JobRun.objects.filter(started_at__gte=start, started_at__lt=start.replace(year=year + 1)).exists():
        return 0
    rng = random.Random(year)  # noqa: S311 - fictional figures, not security
    runs = []
    night = date(year, 1, 1)
    while night.year == year:
        for name, at, what in NIGHTLY_JOBS:
            started = datetime.combine(night, at, tzinfo=AMSTERDAM)
            run = JobRun(job=name, started_at=started, finished_at=started + timedelta(seconds=rng.randint(1, 40)))
            if what:
                run.outcome, run.counts = JobRun.Outcome.DONE, {what: 0}
            elif (night.month, night.day) == FAILED_NIGHT:
                run.outcome, run.errors = JobRun.Outcome.FAILED, FAILURE
            else:
                run.outcome, run.counts = JobRun.Outcome.DONE, _sweep_counts(organisation.slug, rng)
            runs.append(run)
        night += timedelta(days=1)
    JobRun.objects.bulk_create(runs, batch_size=1000)
    return len(runs)


def _sweep_counts(slug: str, rng: random.Random) -> dict[str, int]:
    counts = {"candidates": 0}
    for action, reference, chance in (("erase", "5.1", 0.04), ("minimise", "1.1", 0.02)):
        if rng.random() < chance:
            n = rng.randint(1, 3)
            counts["candidates"] += n
            counts[action] = n
            counts[f"org:{slug}:{action}"] = n
            counts[f"activity:{slug}/{reference}:{action}"] = n
    return counts


def _demo_request(organisation, officer, person, kind, stage, message, received: datetime) -> None:
    request, token = request_create(
        organisation=organisation, kind=kind, name=person.name, email=person.email, message=message,
        language="nl", now=received,
    )  # fmt: skip
    if stage == "received":
        return
    request_verify(raw_token=token, now=received + timedelta(hours=2))
    request.refresh_from_db()
    if stage == "verified":
        return
    now = received + timedelta(days=1)
    request_start(request=request, user=officer, now=now)
    request_assign(request=request, assignee=officer, user=officer, now=now)
    request_match(request=request, subject=person, user=officer, now=now)
    if stage == "waiting":
        request_pause(request=request, reason="Een kopie van uw identiteitsbewijs", user=officer, now=now)
    elif stage == "completed":
        access_package_create(request=request, now=now + timedelta(days=10))
        outcome = "Hierbij de gegevens die wij van u bewaren; u kunt ze 30 dagen downloaden."
        request_complete(request=request, outcome=outcome, user=officer, now=now + timedelta(days=10))
