from django.db import models
from django.utils.translation import gettext_lazy as _

from register.models import Organisation


class JobRun(models.Model):
    """One run of one scheduled job: the evidence that the clock did its work."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job = models.CharField(_("job"), max_length=100)
    dry_run = models.BooleanField(_("dry run"), default=False)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, default=Outcome.RUNNING)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.TextField(_("errors"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "started_at"], name="jobrun_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class Reminder(models.Model):
    """That a reminder was sent, once per subject of the reminder and threshold: the unique constraint makes a
    second beat or a retried task unable to send it twice."""

    kind = models.CharField(_("kind"), max_length=50)
    object_id = models.PositiveBigIntegerField(_("object"))
    threshold = models.CharField(_("threshold"), max_length=20)
    organisation = models.ForeignKey(
        "register.Organisation", models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"))
    text = models.CharField(_("text"), max_length=300)
    item = models.CharField(_("item"), max_length=300, blank=True)
    # Null until the FG's mail went out: a mail that failed is sent again by a later pass.
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "threshold"], name="reminder_once_per_threshold")
        ]

    def __str__(self) -> str:
        return self.text


class RetentionApproval(Organisation):
    """An organisation as the retention preview shows it: what is due now, and, where its sweeps wait for the FG,
    the approval."""

    class Meta:
        proxy = True
        verbose_name = _("retention preview")
        verbose_name_plural = _("retention previews")
