from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

AP_COMPLAINT_URL = "https://www.autoriteitpersoonsgegevens.nl/een-tip-of-klacht-indienen-bij-de-ap"


class Organisation(models.Model):
    """Verwerkingsverantwoordelijke: a controller whose register and requests this installation keeps."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name"), unique=True, help_text=_("Used in web addresses, e.g. /verzoek/zonnedael/.")
    )
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True)
    address = models.TextField(_("address"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    dpo_name = models.CharField(_("name of the data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("e-mail of the data protection officer"), blank=True)
    supervisor_complaint_url = models.URLField(
        _("complaint page of the supervisory authority"), default=AP_COMPLAINT_URL
    )
    request_answer_weeks = models.PositiveSmallIntegerField(_("answer to a request within (weeks)"), default=4)
    complaint_answer_days = models.PositiveSmallIntegerField(_("answer to a complaint within (days)"), default=14)
    breach_notification_hours = models.PositiveSmallIntegerField(
        _("notify a data breach within (hours)"),
        default=120,
        help_text=_(
            "The organisation's own rule; the GDPR asks for 72 hours where feasible, and both deadlines are shown."
        ),
    )
    extension_months = models.PositiveSmallIntegerField(_("extension of a request (months)"), default=2)
    asks_id_copy = models.BooleanField(
        _("ask for a copy of an identity document"),
        default=False,
        help_text=_("Off by default: the verified e-mail address is the first means of identification."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="organisations", blank=True, verbose_name=_("members")
    )
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
