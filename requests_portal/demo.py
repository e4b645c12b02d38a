"""Demo requests in every stage, so the FG's request list shows what a working week looks like. Idempotent:
an organisation that already has requests gets none."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from register.models import DataSubject, Organisation

from .answers import access_package_create
from .intake import request_create, request_verify
from .workflow import request_assign, request_complete, request_match, request_pause, request_start

# (days ago, kind, how far the FG got, the requester's message)
REQUESTS = [
    (40, "access", "completed", "Ik wil graag weten welke gegevens u van mij bewaart."),
    (33, "rectification", "in_progress", "Mijn adres is veranderd: ik woon nu op de Lindelaan 4."),
    (12, "access", "in_progress", "Welke gegevens heeft de coöperatie van mij als obligatiehouder?"),
    (9, "erasure", "waiting", "Ik ben geen lid meer; verwijder alstublieft mijn gegevens."),
    (3, "complaint", "verified", "Ik kreeg de nieuwsbrief nog nadat ik me had afgemeld."),
    (1, "objection", "received", "Ik wil niet meer gebeld worden over nieuwe projecten."),
]


def demo_requests(organisation: Organisation) -> None:
    if organisation.subjectrequest_set.exists():
        return
    officer = get_user_model().objects.get(username="fg")
    people = list(DataSubject.objects.filter(organisation=organisation).exclude(email="").order_by("pk")[:10])
    # The fictional requesters' mails are kept in memory, not printed or sent.
    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        for (days_ago, kind, stage, message), person in zip(REQUESTS, people, strict=False):
            _demo_request(
                organisation, officer, person, kind, stage, message, timezone.now() - timedelta(days=days_ago)
            )


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
