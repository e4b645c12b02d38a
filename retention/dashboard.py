"""The reminders on the FG's dashboard: what the watchers mailed in the last week."""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from register.access import visible_to

from .models import Reminder

RECENT = timedelta(days=7)


def reminders_tile(user, now: datetime) -> dict:
    reminders = visible_to(user, Reminder.objects.filter(sent_at__gte=now - RECENT)).order_by("due_at")
    count = reminders.count()
    url = reverse("admin:retention_reminder_changelist")
    return {
        "figure": count,
        "title": _("reminders of the last seven days"),
        "items": [(url, reminder.text) for reminder in reminders[:10]],
    }
