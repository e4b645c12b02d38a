"""Who may see what: the organisations of a user, the rows of those, and who may use the board page; the one
place every list, search, export and page asks."""

from django.db.models import Model, QuerySet

from .models import Organisation
from .roles import BOARD, DPO


def organisations_for(user) -> QuerySet[Organisation]:
    """All organisations for a superuser, the ones a staff user is a member of, none for anyone else."""
    if not (user.is_active and user.is_staff):
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(members=user)


def visible_to[M: Model](user, queryset: QuerySet[M], path: str = "organisation") -> QuerySet[M]:
    """The rows of `queryset` that belong, through `path`, to an organisation the user may see."""
    if user.is_active and user.is_staff and user.is_superuser:
        return queryset
    return queryset.filter(**{f"{path}__in": organisations_for(user)})


def board_signed_in(user) -> bool:
    """Logged in as staff with both factors, as the admin asks."""
    return user.is_authenticated and user.is_active and user.is_staff and user.is_verified()


def board_allowed(user) -> bool:
    """The board page is for board members and the FG (and superusers), signed in with both factors."""
    if not board_signed_in(user):
        return False
    return user.is_superuser or user.groups.filter(name__in=[BOARD, DPO]).exists()
