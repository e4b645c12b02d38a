"""Who may see which organisation's records: the one decision every list, search and export asks."""

from django.db.models import Model, QuerySet

from .models import Organisation


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
