"""Writes to the register that carry a rule; admin actions, forms and commands call these."""

from .deadlines import breach_notification_due
from .dpia import dpia_required
from .models import Breach, ProcessingActivity


def activity_dpia_assess(*, activity: ProcessingActivity) -> None:
    """Derive `dpia_required` from the activity's checklist (not saved here; the caller saves)."""
    activity.dpia_required = dpia_required(activity.dpia_ap_types, activity.dpia_edpb_criteria)


def breach_save(*, breach: Breach) -> Breach:
    """Save a breach with its notification deadline: discovery plus the organisation's window (art. 33)."""
    breach.notification_due_at = breach_notification_due(
        breach.discovered_at, breach.organisation.breach_notification_hours
    )
    breach.save()
    return breach
