from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from register.models import DataSubject, Organisation


class SubjectRequest(models.Model):
    """Verzoek: a data subject exercising a right, or a complaint, from receipt to answer."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("access (art. 15)")
        RECTIFICATION = "rectification", _("rectification (art. 16)")
        ERASURE = "erasure", _("erasure (art. 17)")
        RESTRICTION = "restriction", _("restriction (art. 18)")
        PORTABILITY = "portability", _("data portability (art. 20)")
        OBJECTION = "objection", _("objection (art. 21)")
        WITHDRAW_CONSENT = "withdraw_consent", _("withdrawal of consent (art. 7(3))")
        COMPLAINT = "complaint", _("complaint")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received (not yet verified)")
        VERIFIED = "verified", _("verified")
        IN_PROGRESS = "in_progress", _("in progress")
        WAITING = "waiting", _("waiting for the requester")
        EXTENDED = "extended", _("extended")
        COMPLETED = "completed", _("completed")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN = [Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS, Status.WAITING, Status.EXTENDED]
    CLOSED = [Status.COMPLETED, Status.REFUSED, Status.WITHDRAWN]

    class OnBehalf(models.TextChoices):
        SELF = "", _("for myself")
        PARENT = "parent", _("as parent or guardian of a child under 16")
        REPRESENTATIVE = "representative", _("as representative of someone else")

    class RefusalGround(models.TextChoices):
        UNFOUNDED = "12_5", _("manifestly unfounded or excessive (art. 12(5) GDPR)")
        RIGHTS_OF_OTHERS = "15_4", _("adversely affects the rights of others (art. 15(4) GDPR)")
        ERASURE_EXCEPTION = "17_3", _("erasure exception, e.g. a legal obligation to keep (art. 17(3) GDPR)")
        COMPELLING_GROUNDS = "21", _("compelling legitimate grounds outweigh the objection (art. 21(1) GDPR)")
        UAVG_41 = "uavg_41", _("exception of art. 41 UAVG")
        IDENTITY = "identity", _("identity could not be established (art. 12(6) GDPR)")

    organisation = models.ForeignKey(Organisation, models.CASCADE, verbose_name=_("organisation"))
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.RECEIVED)
    requester_name = models.CharField(_("name"), max_length=200)
    requester_email = models.EmailField(_("e-mail address"))
    requester_language = models.CharField(_("language"), max_length=5, default="nl")
    message = models.TextField(_("message"), blank=True)
    on_behalf = models.CharField(_("filed"), max_length=20, choices=OnBehalf, blank=True, default=OnBehalf.SELF)
    on_behalf_of = models.CharField(_("on behalf of"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"))
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    verification_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    verification_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    identity_confirmed_at = models.DateTimeField(_("identity confirmed at"), null=True, blank=True)
    target_due_on = models.DateField(_("answer due (own target)"), null=True, blank=True)
    legal_due_on = models.DateField(_("legal deadline"), null=True, blank=True)
    extended_due_on = models.DateField(_("extended deadline"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    paused_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("days waited"), default=0)
    pause_reason = models.CharField(_("waiting for"), max_length=300, blank=True)
    subject = models.ForeignKey(
        DataSubject, models.SET_NULL, null=True, blank=True, related_name="requests", verbose_name=_("data subject")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("assignee")
    )
    duplicate_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="duplicates", verbose_name=_("duplicate of")
    )
    outcome = models.TextField(_("answer"), blank=True)
    refusal_ground = models.CharField(_("ground for refusal"), max_length=20, choices=RefusalGround, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["verification_token_hash"])

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-received_at"]
        # Staff see the requests assigned to them; whoever has this sees every request of their organisations.
        permissions = [("see_all_requests", _("Can see every request of the organisation, not only those assigned"))]
        indexes = [
            models.Index(fields=["organisation", "status"], name="request_org_status"),
            models.Index(fields=["requester_email", "kind", "status"], name="request_email_kind"),
            models.Index(fields=["status", "received_at"], name="request_status_received"),
            # The deadline watchers look only at open requests, by date.
            models.Index(
                fields=["target_due_on"], condition=models.Q(closed_at__isnull=True), name="request_open_target"
            ),
            models.Index(
                fields=["legal_due_on"], condition=models.Q(closed_at__isnull=True), name="request_open_legal"
            ),
            models.Index(
                fields=["extended_due_on"], condition=models.Q(closed_at__isnull=True), name="request_open_extended"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def due_on(self):
        """The date that binds: the extended deadline if extended, otherwise the legal one, shifted by waiting."""
        return self.extended_due_on or self.legal_due_on


class RequestEvent(models.Model):
    """One line of a request's timeline: what happened, and every message between FG and requester."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("received")
        VERIFIED = "verified", _("e-mail verified")
        STATUS = "status", _("status changed")
        MESSAGE_OUT = "message_out", _("message to the requester")
        MESSAGE_IN = "message_in", _("message from the requester")
        EMAIL = "email", _("e-mail sent")
        NOTE = "note", _("internal note")

    request = models.ForeignKey(SubjectRequest, models.CASCADE, related_name="events", verbose_name=_("request"))
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    text = models.TextField(_("text"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    visible_to_requester = models.BooleanField(_("shown to the requester"), default=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("timeline")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request} {self.get_kind_display()}"


class RequestUpload(models.Model):
    """A file the requester sent (ID copy, proof of representation), encrypted at rest under a random name."""

    class Purpose(models.TextChoices):
        ID_COPY = "id_copy", _("copy of identity document")
        PROOF = "proof", _("proof of representation")

    request = models.ForeignKey(SubjectRequest, models.CASCADE, related_name="uploads", verbose_name=_("request"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.request})"


class AccessPackage(models.Model):
    """The answer to an access or portability request: PDF, JSON and CSV, downloadable for a limited time."""

    request = models.OneToOneField(SubjectRequest, models.CASCADE, related_name="package", verbose_name=_("request"))
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("available until"))
    stored_name = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("access package")
        verbose_name_plural = _("access packages")

    def __str__(self) -> str:
        return f"{self.request}"


class PackageDownload(models.Model):
    package = models.ForeignKey(AccessPackage, models.CASCADE, related_name="downloads")
    at = models.DateTimeField(_("at"))
    format = models.CharField(_("format"), max_length=10)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.package} {self.format} {self.at:%Y-%m-%d %H:%M}"


class ErasureRun(models.Model):
    """An art. 17 erasure: previewed per activity, confirmed by the FG, executed, and certified without the data."""

    request = models.OneToOneField(SubjectRequest, models.CASCADE, related_name="erasure", verbose_name=_("request"))
    preview = models.JSONField(_("preview"), default=list)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    certificate = models.JSONField(_("certificate"), default=dict, blank=True)

    class Meta:
        verbose_name = _("erasure run")
        verbose_name_plural = _("erasure runs")

    def __str__(self) -> str:
        return f"{self.request}"
