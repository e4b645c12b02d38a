"""Reads for the FG's request handling: who the requester may be, how much time is left, what is overdue."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate

from register.access import visible_to
from register.deadlines import AMSTERDAM, local_day
from register.models import DataSubject
from retention.deadlines import days_left

from .models import SubjectRequest

SUGGESTIONS = 10


def match_suggestions(request: SubjectRequest, query: str = "", limit: int = SUGGESTIONS) -> list[DataSubject]:
    """Data subjects of the request's organisation who may be the requester: the same e-mail address first,
    then the same name, then names sharing the requester's last word (usually the surname). With `query`,
    names and addresses containing it. At most `limit`."""
    email, name = request.requester_email.strip(), request.requester_name.strip()
    surname = name.split()[-1] if name else ""
    if query.strip():
        wanted = Q(name__icontains=query.strip()) | Q(email__icontains=query.strip())
    else:
        wanted = Q(email__iexact=email) | Q(name__iexact=name)
        if len(surname) > 2:
            wanted |= Q(name__icontains=surname)
    rank = Case(
        When(email__iexact=email, then=Value(0)),
        When(name__iexact=name, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    candidates = DataSubject.objects.filter(wanted, organisation_id=request.organisation_id, anonymised_at__isnull=True)
    return list(candidates.annotate(rank=rank).order_by("rank", "name", "pk")[:limit])


def requests_visible_to(user, queryset: QuerySet[SubjectRequest]) -> QuerySet[SubjectRequest]:
    """The requests of the user's organisations; a staff member without `see_all_requests` (the Medewerker role)
    only those assigned to them: a request names a person and what they ask, which others need not know."""
    queryset = visible_to(user, queryset)
    if user.has_perm("requests_portal.see_all_requests"):
        return queryset
    return queryset.filter(assignee=user)


def assignable_users(request: SubjectRequest) -> QuerySet:
    """Active members of the request's organisation."""
    return get_user_model().objects.filter(organisations=request.organisation_id, is_active=True).order_by("username")


def request_days_left(request: SubjectRequest, today: date) -> int | None:
    """Days until the binding deadline; 0 on the day itself, negative when overdue, None once closed. While the
    request waits for the requester the clock stands still at the day the wait began."""
    if request.status in SubjectRequest.CLOSED or request.due_on is None:
        return None
    if request.status == SubjectRequest.Status.WAITING and request.paused_since:
        today = local_day(request.paused_since)
    return days_left(request.due_on, today)


def overdue(today: date) -> Q:
    """Open requests past their binding deadline; a waiting one counts if it was already late when it paused.
    Needs the annotations of `with_due`."""
    waiting = SubjectRequest.Status.WAITING
    running = [status for status in SubjectRequest.OPEN if status != waiting]
    return Q(status__in=running, due_sort__lt=today) | Q(status=waiting, due_sort__lt=F("paused_day"))


def with_due(queryset: QuerySet[SubjectRequest]) -> QuerySet[SubjectRequest]:
    """Annotate the binding deadline and the day a wait began, for sorting and the overdue filter."""
    return queryset.annotate(
        due_sort=Coalesce(F("extended_due_on"), F("legal_due_on")),
        paused_day=TruncDate("paused_since", tzinfo=AMSTERDAM),
    )
