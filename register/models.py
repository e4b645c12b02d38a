from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .deadlines import breach_notification_due

AP_COMPLAINT_URL = "https://www.autoriteitpersoonsgegevens.nl/een-tip-of-klacht-indienen-bij-de-ap"
STATUTORY_BREACH_HOURS = 72


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
    retention_needs_approval = models.BooleanField(
        _("retention sweeps wait for approval"),
        default=False,
        help_text=_("Off: due erasure, anonymisation and minimisation run automatically every night."),
    )
    request_record_years = models.PositiveSmallIntegerField(
        _("keep closed requests (years)"),
        default=2,
        help_text=_("After this, the requester's name, address and messages are anonymised."),
    )
    privacy_cookie_text = models.TextField(
        _("cookies paragraph of the privacy statement"),
        blank=True,
        help_text=_("Which cookies the organisation's website sets and why; shown as written in the statement."),
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


class OrganisationOwned(models.Model):
    organisation = models.ForeignKey(Organisation, models.CASCADE, verbose_name=_("organisation"))

    class Meta:
        abstract = True


class DataCategory(OrganisationOwned):
    """Categorie persoonsgegevens."""

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("ordinary")
        SPECIAL = "special", _("special category (art. 9 GDPR)")
        CRIMINAL = "criminal", _("criminal data (art. 10 GDPR)")
        NATIONAL_ID = "national_id", _("citizen service number (BSN, art. 46 UAVG)")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.ORDINARY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category of personal data")
        verbose_name_plural = _("categories of personal data")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="datacategory_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sensitive(self) -> bool:
        return self.kind != self.Kind.ORDINARY


class SubjectCategory(OrganisationOwned):
    """Categorie betrokkenen."""

    name = models.CharField(_("name"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category of data subjects")
        verbose_name_plural = _("categories of data subjects")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="subjectcategory_unique_name")]

    def __str__(self) -> str:
        return self.name


class Recipient(OrganisationOwned):
    """Ontvanger: who receives personal data (art. 30(1)(d))."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("internal role")
        THIRD_PARTY = "third_party", _("third party")
        AUTHORITY = "authority", _("public authority")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.THIRD_PARTY)
    country = models.CharField(_("country"), max_length=2, default="NL", help_text=_("Two-letter country code."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="recipient_unique_name")]

    def __str__(self) -> str:
        return self.name


class Processor(OrganisationOwned):
    """Verwerker: processes personal data on the organisation's behalf (art. 28)."""

    name = models.CharField(_("name"), max_length=200)
    service = models.TextField(_("service provided"), blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL", help_text=_("Two-letter country code."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("processor")
        verbose_name_plural = _("processors")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="processor_unique_name")]

    def __str__(self) -> str:
        return self.name


class ProcessingAgreementQuerySet(models.QuerySet):
    def valid_on(self, day: date) -> "ProcessingAgreementQuerySet":
        """Signed by `day` and not yet ended on it; without an end date, valid until replaced."""
        return self.filter(signed_on__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class ProcessingAgreement(models.Model):
    """Verwerkersovereenkomst: renewed yearly unless it says otherwise (seed 001 art. 10)."""

    processor = models.ForeignKey(Processor, models.CASCADE, related_name="agreements", verbose_name=_("processor"))
    signed_on = models.DateField(_("signed on"))
    renewed_yearly = models.BooleanField(_("renewed yearly"), default=True)
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Left empty, one year after signing when renewed yearly; otherwise without end."),
    )
    sub_processors = models.TextField(_("sub-processors"), blank=True)
    document_reference = models.CharField(_("where the signed copy is kept"), max_length=300, blank=True)
    history = HistoricalRecords()
    objects = ProcessingAgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("processing agreement")
        verbose_name_plural = _("processing agreements")
        ordering = ["-signed_on"]
        indexes = [models.Index(fields=["valid_until"])]

    def __str__(self) -> str:
        return f"{self.processor} ({self.signed_on:%d-%m-%Y})"


class ProcessingActivity(OrganisationOwned):
    """Verwerking: one entry of the art. 30 register."""

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("consent (art. 6(1)(a))")
        CONTRACT = "contract", _("contract (art. 6(1)(b))")
        LEGAL_OBLIGATION = "legal_obligation", _("legal obligation (art. 6(1)(c))")
        VITAL_INTERESTS = "vital_interests", _("vital interests (art. 6(1)(d))")
        PUBLIC_TASK = "public_task", _("public task (art. 6(1)(e))")
        LEGITIMATE_INTERESTS = "legitimate_interests", _("legitimate interests (art. 6(1)(f))")

    class SpecialCategoryException(models.TextChoices):
        EXPLICIT_CONSENT = "a", _("explicit consent (art. 9(2)(a))")
        EMPLOYMENT = "b", _("employment and social security law (art. 9(2)(b))")
        VITAL_INTERESTS = "c", _("vital interests (art. 9(2)(c))")
        NOT_FOR_PROFIT = "d", _("foundation, association or other not-for-profit body (art. 9(2)(d))")
        MADE_PUBLIC = "e", _("made public by the data subject (art. 9(2)(e))")
        LEGAL_CLAIMS = "f", _("legal claims (art. 9(2)(f))")
        PUBLIC_INTEREST = "g", _("substantial public interest (art. 9(2)(g))")
        HEALTH_CARE = "h", _("health or social care (art. 9(2)(h))")
        PUBLIC_HEALTH = "i", _("public health (art. 9(2)(i))")
        ARCHIVING = "j", _("archiving, research or statistics (art. 9(2)(j))")

    class Role(models.TextChoices):
        CONTROLLER = "controller", _("as controller (art. 30(1))")
        PROCESSOR = "processor", _("as processor for another controller (art. 30(2))")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("active")
        ENDED = "ended", _("ended")

    reference = models.CharField(_("reference"), max_length=20, help_text=_("For example 1.1"))
    group = models.CharField(_("group"), max_length=200, blank=True, help_text=_("For example Zakelijke relaties"))
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.CONTROLLER)
    controller_name = models.CharField(
        _("controller on whose behalf"), max_length=300, blank=True, help_text=_("Only when processing as processor.")
    )
    controller_contact = models.TextField(_("contact of that controller"), blank=True)
    purposes = models.TextField(_("purposes"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=30, choices=LegalBasis, blank=True)
    legal_basis_explanation = models.TextField(
        _("explanation of the legal basis"),
        blank=True,
        help_text=_("The balancing test for legitimate interests; the law for a legal obligation."),
    )
    consent_mechanism = models.TextField(
        _("how consent is obtained and recorded"), blank=True, help_text=_("Required when the basis is consent.")
    )
    subject_categories = models.ManyToManyField(
        SubjectCategory, blank=True, related_name="activities", verbose_name=_("categories of data subjects")
    )
    data_categories = models.ManyToManyField(
        DataCategory, blank=True, related_name="activities", verbose_name=_("categories of personal data")
    )
    special_category_exception = models.CharField(
        _("exception for special categories"), max_length=1, choices=SpecialCategoryException, blank=True
    )
    recipients = models.ManyToManyField(Recipient, blank=True, related_name="activities", verbose_name=_("recipients"))
    processors = models.ManyToManyField(Processor, blank=True, related_name="activities", verbose_name=_("processors"))
    third_country_transfers = models.TextField(
        _("transfers outside the EEA"), blank=True, help_text=_("Countries or international organisations.")
    )
    transfer_safeguards = models.TextField(_("safeguards for those transfers"), blank=True)
    source = models.TextField(
        _("source of the data"), blank=True, help_text=_("When the data do not come from the data subject (art. 14).")
    )
    automated_decision_making = models.BooleanField(_("automated decision-making (art. 22)"), default=False)
    automated_decision_logic = models.TextField(_("logic and consequences of the automated decisions"), blank=True)
    security_measures = models.TextField(_("security measures (art. 32)"), blank=True)
    retention_text = models.TextField(
        _("retention as written"),
        blank=True,
        help_text=_("Free text, e.g. from an import; not enforced until retention rules are added."),
    )
    dpia_ap_types = models.JSONField(_("processing types on the AP's DPIA list"), default=list, blank=True)
    dpia_edpb_criteria = models.JSONField(_("EDPB criteria met"), default=list, blank=True)
    dpia_required = models.BooleanField(_("DPIA required"), default=False, editable=False)
    dpia_done_on = models.DateField(_("DPIA done on"), null=True, blank=True)
    dpia_reference = models.CharField(_("DPIA reference"), max_length=300, blank=True)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review on"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[subject_categories, data_categories, recipients, processors])

    class Meta:
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")
        ordering = ["organisation", "reference"]
        constraints = [models.UniqueConstraint(fields=["organisation", "reference"], name="activity_unique_reference")]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["next_review_on"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class RetentionRule(models.Model):
    """Bewaartermijn of an activity: how long, from which event, and what happens then."""

    class Unit(models.TextChoices):
        DAYS = "days", _("days")
        MONTHS = "months", _("months")
        YEARS = "years", _("years")

    class Trigger(models.TextChoices):
        RELATION_END = "relation_end", _("end of the relation")
        COLLECTION = "collection", _("collection of the data")
        REQUEST_CLOSED = "request_closed", _("closing of the request")
        FINANCIAL_YEAR_END = "financial_year_end", _("end of the financial year")
        LAST_CONTACT = "last_contact", _("last contact")

    class Action(models.TextChoices):
        ERASE = "erase", _("erase")
        ANONYMISE = "anonymise", _("anonymise")
        MINIMISE = "minimise", _("minimise to the categories kept")

    class Ground(models.TextChoices):
        STATUTORY = "statutory", _("statutory")
        POLICY = "policy", _("policy of the organisation")

    activity = models.ForeignKey(
        ProcessingActivity, models.CASCADE, related_name="retention_rules", verbose_name=_("processing activity")
    )
    period = models.PositiveIntegerField(_("period"))
    unit = models.CharField(_("unit"), max_length=10, choices=Unit, default=Unit.YEARS)
    trigger = models.CharField(_("runs from"), max_length=30, choices=Trigger, default=Trigger.RELATION_END)
    action = models.CharField(_("action at expiry"), max_length=10, choices=Action, default=Action.ERASE)
    keep_categories = models.ManyToManyField(
        DataCategory, blank=True, related_name="+", verbose_name=_("categories kept when minimising")
    )
    ground = models.CharField(_("ground"), max_length=10, choices=Ground, default=Ground.POLICY)
    law = models.CharField(_("law"), max_length=300, blank=True, help_text=_("Required for a statutory period."))
    history = HistoricalRecords(m2m_fields=[keep_categories])

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")

    def __str__(self) -> str:
        return f"{self.period} {self.get_unit_display()} ({self.get_action_display()})"


class Authorisation(OrganisationOwned):
    """Autorisatie: who may process which activities (seed 001 art. 9-10), reviewed yearly."""

    person_name = models.CharField(_("person"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    activities = models.ManyToManyField(ProcessingActivity, blank=True, related_name="+", verbose_name=_("activities"))
    access_description = models.TextField(_("access granted"), blank=True)
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    confidentiality_signed_on = models.DateField(_("confidentiality statement signed on"), null=True, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    next_review_on = models.DateField(_("next review on"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[activities])

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["person_name"]
        indexes = [models.Index(fields=["next_review_on"], name="authorisation_review")]

    def __str__(self) -> str:
        return self.person_name


class Control(OrganisationOwned):
    """Borgingsmaatregel: a periodic check the organisation promised."""

    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    frequency_months = models.PositiveSmallIntegerField(_("every (months)"), default=12)
    last_done_on = models.DateField(_("last done on"), null=True, blank=True)
    last_result = models.TextField(_("last result"), blank=True)
    next_due_on = models.DateField(_("next due on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        ordering = ["next_due_on", "name"]
        indexes = [models.Index(fields=["next_due_on"], name="control_due")]

    def __str__(self) -> str:
        return self.name


class Breach(OrganisationOwned):
    """Datalek: every item of art. 33(3) and (5); the notification deadline runs from discovery."""

    class Risk(models.TextChoices):
        UNLIKELY = "unlikely", _("no risk likely")
        RISK = "risk", _("risk to the rights and freedoms of persons")
        HIGH = "high", _("high risk")

    title = models.CharField(_("title"), max_length=300)
    discovered_at = models.DateTimeField(_("discovered at"))
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    description = models.TextField(_("what happened"))
    confidentiality = models.BooleanField(_("breach of confidentiality"), default=False)
    integrity = models.BooleanField(_("breach of integrity"), default=False)
    availability = models.BooleanField(_("breach of availability"), default=False)
    activities = models.ManyToManyField(ProcessingActivity, blank=True, related_name="+", verbose_name=_("activities"))
    data_categories = models.ManyToManyField(
        DataCategory, blank=True, related_name="+", verbose_name=_("categories of personal data")
    )
    subjects_affected = models.PositiveIntegerField(_("approximate number of persons"), null=True, blank=True)
    records_affected = models.PositiveIntegerField(_("approximate number of records"), null=True, blank=True)
    likely_consequences = models.TextField(_("likely consequences"), blank=True)
    measures_taken = models.TextField(_("measures taken or proposed"), blank=True)
    risk = models.CharField(_("risk assessment"), max_length=10, choices=Risk, blank=True)
    notify_authority = models.BooleanField(_("notify the AP"), null=True, blank=True)
    notify_authority_reasoning = models.TextField(_("reasoning for notifying the AP or not"), blank=True)
    authority_notified_at = models.DateTimeField(_("AP notified at"), null=True, blank=True)
    authority_reference = models.CharField(_("AP reference"), max_length=100, blank=True)
    delay_reasons = models.TextField(_("reasons for a late notification"), blank=True)
    notify_subjects = models.BooleanField(_("inform the persons concerned"), null=True, blank=True)
    notify_subjects_reasoning = models.TextField(_("reasoning for informing the persons or not"), blank=True)
    subjects_notified_at = models.DateTimeField(_("persons informed at"), null=True, blank=True)
    notification_due_at = models.DateTimeField(_("notification due at"), editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[activities, data_categories])

    class Meta:
        verbose_name = _("data breach")
        verbose_name_plural = _("data breaches")
        ordering = ["-discovered_at"]
        indexes = [
            models.Index(fields=["organisation", "closed_at"]),
            # The watcher reminds of breaches not yet notified nor closed, by hours since discovery.
            models.Index(
                fields=["discovered_at"],
                condition=models.Q(closed_at__isnull=True, authority_notified_at__isnull=True),
                name="breach_open_discovered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def statutory_due_at(self):
        return breach_notification_due(self.discovered_at, STATUTORY_BREACH_HOURS)


class BreachUpdate(models.Model):
    """A phased supplement to a breach notification (art. 33(4))."""

    breach = models.ForeignKey(Breach, models.CASCADE, related_name="updates", verbose_name=_("data breach"))
    written_at = models.DateTimeField(_("written at"))
    text = models.TextField(_("supplement"))
    sent_to_authority_at = models.DateTimeField(_("sent to the AP at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("supplement")
        verbose_name_plural = _("supplements")
        ordering = ["written_at"]

    def __str__(self) -> str:
        return f"{self.breach} ({self.written_at:%d-%m-%Y %H:%M})"


class DataSubject(OrganisationOwned):
    """Betrokkene: the personal data the organisation holds on one person."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    street_address = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    iban = models.CharField(_("bank account (IBAN)"), max_length=34, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    attributes = models.JSONField(
        _("further data"), default=dict, blank=True, help_text=_("Further data, by category of personal data.")
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data subject")
        verbose_name_plural = _("data subjects")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["organisation", "email"], name="subject_org_email"),
            models.Index(fields=["organisation", "name"], name="subject_org_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Relation(models.Model):
    """A data subject's link to a processing activity, with the consent record where consent is the basis."""

    subject = models.ForeignKey(DataSubject, models.CASCADE, related_name="relations", verbose_name=_("data subject"))
    activity = models.ForeignKey(
        ProcessingActivity, models.PROTECT, related_name="relations", verbose_name=_("processing activity")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_how = models.CharField(_("how consent was given"), max_length=200, blank=True)
    consent_evidence = models.CharField(_("where the consent record is kept"), max_length=300, blank=True)
    consent_withdrawn_on = models.DateField(_("consent withdrawn on"), null=True, blank=True)
    restricted = models.BooleanField(_("processing restricted (art. 18)"), default=False)
    objected = models.BooleanField(_("objection made (art. 21)"), default=False)
    legal_hold = models.BooleanField(_("legal hold"), default=False, help_text=_("Keeps the data past retention."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        ordering = ["started_on"]
        indexes = [models.Index(fields=["activity", "ended_on"], name="relation_activity_end")]

    def __str__(self) -> str:
        return f"{self.subject} – {self.activity}"


class Deficiency(OrganisationOwned):
    """Tekortkoming: something found wanting (in a control, an evaluation, a breach) and the measure taken."""

    found_on = models.DateField(_("found on"))
    description = models.TextField(_("what was found wanting"))
    measure = models.TextField(_("measure"), blank=True)
    owner = models.CharField(_("owner of the measure"), max_length=200, blank=True)
    due_on = models.DateField(_("measure due on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    control = models.ForeignKey(
        Control, models.SET_NULL, null=True, blank=True, related_name="deficiencies", verbose_name=_("control")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deficiency")
        verbose_name_plural = _("deficiencies")
        ordering = ["-found_on"]

    def __str__(self) -> str:
        return self.description[:80]


class AnnualReport(OrganisationOwned):
    """One generated yearly evaluation report, kept as it was handed out so a copy can be checked by its SHA-256."""

    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=5)
    generated_at = models.DateTimeField(_("generated at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    generated_by_name = models.CharField(_("generated by"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    pdf = models.BinaryField(_("PDF"))

    class Meta:
        verbose_name = _("yearly report")
        verbose_name_plural = _("yearly reports")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "version"], name="annual_report_version")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year} v{self.version}"
