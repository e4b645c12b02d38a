from django import forms
from django.contrib import admin
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from . import admin_export, admin_import
from .access import organisations_for, visible_to
from .board_views import board_pdf_response
from .completeness import activity_findings, incomplete, with_findings
from .deadlines import agreement_valid_until
from .dpia import AP_PROCESSING_TYPES, EDPB_CRITERIA
from .models import (
    AnnualReport,
    Authorisation,
    Breach,
    BreachUpdate,
    Control,
    DataCategory,
    DataSubject,
    Deficiency,
    Organisation,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
    Recipient,
    Relation,
    RetentionRule,
    SubjectCategory,
)
from .selectors import activities_as_of, end_of_day
from .services import activity_dpia_assess, breach_save
from .subjects import subjects_erase


class SameOrganisationForm(forms.ModelForm):
    """Refuses links to another organisation's reference lists, whatever else the user may see."""

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        if organisation is None:
            return cleaned
        for name, value in list(cleaned.items()):
            related = value if isinstance(value, QuerySet) else [value]
            if any(getattr(obj, "organisation_id", organisation.pk) != organisation.pk for obj in related):
                self.add_error(name, _("Choose only items of %(organisation)s.") % {"organisation": organisation})
        return cleaned


class OrganisationScopedAdmin(SimpleHistoryAdmin):
    """Shows, searches and offers only rows of the user's organisations; another organisation's row is a 404."""

    organisation_path = "organisation"
    form = SameOrganisationForm
    list_select_related = ["organisation"]

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request), self.organisation_path)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _scoped_choices(model, user):
    if model is Organisation:
        return organisations_for(user)
    if any(field.name == "organisation" for field in model._meta.get_fields()):
        return visible_to(user, model._default_manager.all())
    return model._default_manager.all()


class ScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = "pk"
    list_select_related = False
    list_display = ["name", "slug", "dpo_name", "dpo_email", "breach_notification_hours", "asks_id_copy"]
    search_fields = ["name", "slug", "kvk_number"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["members"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kvk_number", "address", "contact_email", "contact_phone"]}),
        (_("Data protection officer"), {"fields": ["dpo_name", "dpo_email", "supervisor_complaint_url"]}),
        (
            _("Deadlines"),
            {
                "fields": [
                    "request_answer_weeks",
                    "complaint_answer_days",
                    "breach_notification_hours",
                    "extension_months",
                    "asks_id_copy",
                ]
            },
        ),
        (_("Retention"), {"fields": ["retention_needs_approval", "request_record_years"]}),
        (_("Privacy statement"), {"fields": ["privacy_cookie_text"]}),
        (_("Members"), {"fields": ["members"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Who belongs to which controller is the installation's decision, like adding the controller.
        return [] if request.user.is_superuser else ["members"]

    def has_add_permission(self, request):
        # Adding a controller is an installation decision; a member could not see what they added.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReferenceListAdmin(OrganisationScopedAdmin):
    list_display = ["name", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name"]


@admin.register(DataCategory)
class DataCategoryAdmin(ReferenceListAdmin):
    list_display = ["name", "kind", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "kind"]


@admin.register(SubjectCategory)
class SubjectCategoryAdmin(ReferenceListAdmin):
    pass


@admin.register(Recipient)
class RecipientAdmin(ReferenceListAdmin):
    list_display = ["name", "kind", "country", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "kind", "country"]


class ProcessingAgreementForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("signed_on"):
            cleaned["valid_until"] = agreement_valid_until(
                cleaned["signed_on"], cleaned.get("renewed_yearly", False), cleaned.get("valid_until")
            )
        return cleaned


class ProcessingAgreementInline(ScopedInline):
    model = ProcessingAgreement
    form = ProcessingAgreementForm
    fields = ["signed_on", "renewed_yearly", "valid_until", "sub_processors", "document_reference"]


def _valid_agreement(today):
    return ProcessingAgreement.objects.valid_on(today).filter(processor=OuterRef("pk"))


class AgreementExpiredFilter(admin.SimpleListFilter):
    title = _("processing agreement")
    parameter_name = "agreement"

    def lookups(self, request, model_admin):
        return [("valid", _("valid")), ("expired", _("missing or expired"))]

    def queryset(self, request, queryset):
        valid = Exists(_valid_agreement(timezone.localdate()))
        return {"valid": queryset.filter(valid), "expired": queryset.exclude(valid)}.get(self.value(), queryset)


@admin.register(Processor)
class ProcessorAdmin(OrganisationScopedAdmin):
    list_display = ["name", "service", "country", "agreement_valid", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), AgreementExpiredFilter]
    search_fields = ["name", "service"]
    inlines = [ProcessingAgreementInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(has_valid_agreement=Exists(_valid_agreement(timezone.localdate())))
        )

    @admin.display(boolean=True, description=_("valid agreement"))
    def agreement_valid(self, processor):
        return processor.has_valid_agreement


@admin.register(ProcessingAgreement)
class ProcessingAgreementAdmin(OrganisationScopedAdmin):
    organisation_path = "processor__organisation"
    form = ProcessingAgreementForm
    list_display = ["processor", "signed_on", "valid_until", "renewed_yearly"]
    list_select_related = ["processor"]
    list_filter = ["renewed_yearly"]
    search_fields = ["processor__name"]
    autocomplete_fields = ["processor"]
    date_hierarchy = "signed_on"


class RetentionRuleInline(ScopedInline):
    model = RetentionRule
    fields = ["period", "unit", "trigger", "action", "keep_categories", "ground", "law"]
    autocomplete_fields = ["keep_categories"]


class ProcessingActivityForm(SameOrganisationForm):
    dpia_ap_types = forms.MultipleChoiceField(
        label=_("processing types on the AP's DPIA list"),
        choices=AP_PROCESSING_TYPES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("One of these always requires a DPIA."),
    )
    dpia_edpb_criteria = forms.MultipleChoiceField(
        label=_("EDPB criteria met"),
        choices=EDPB_CRITERIA,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Two or more require a DPIA."),
    )

    def clean(self):
        cleaned = super().clean()
        self.instance.dpia_ap_types = cleaned.get("dpia_ap_types") or []
        self.instance.dpia_edpb_criteria = cleaned.get("dpia_edpb_criteria") or []
        activity_dpia_assess(activity=self.instance)
        return cleaned


class IncompleteFilter(admin.SimpleListFilter):
    title = _("completeness")
    parameter_name = "complete"

    def lookups(self, request, model_admin):
        return [("no", _("incomplete")), ("yes", _("complete"))]

    def queryset(self, request, queryset):
        condition = incomplete(timezone.localdate())
        return {"no": queryset.filter(condition), "yes": queryset.exclude(condition)}.get(self.value(), queryset)


class SpecialCategoriesFilter(admin.SimpleListFilter):
    title = _("special categories")
    parameter_name = "special"

    def lookups(self, request, model_admin):
        return [
            ("special", _("special categories (art. 9)")),
            ("criminal", _("criminal data (art. 10)")),
            ("national_id", _("BSN")),
        ]

    def queryset(self, request, queryset):
        if self.value() not in DataCategory.Kind.values:
            return queryset
        return queryset.filter(Exists(DataCategory.objects.filter(activities=OuterRef("pk"), kind=self.value())))


class DpiaFilter(admin.SimpleListFilter):
    title = _("DPIA")
    parameter_name = "dpia"

    def lookups(self, request, model_admin):
        return [("required", _("required, not done")), ("done", _("done"))]

    def queryset(self, request, queryset):
        return {
            "required": queryset.filter(dpia_required=True, dpia_done_on__isnull=True),
            "done": queryset.filter(dpia_done_on__isnull=False),
        }.get(self.value(), queryset)


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(OrganisationScopedAdmin):
    form = ProcessingActivityForm
    list_display = ["reference", "name", "group", "legal_basis", "status", "completeness", "dpia", "organisation"]
    list_display_links = ["reference", "name"]
    list_filter = [
        ("organisation", admin.RelatedOnlyFieldListFilter),
        "legal_basis",
        "status",
        SpecialCategoriesFilter,
        IncompleteFilter,
        DpiaFilter,
        "group",
    ]
    search_fields = ["reference", "name", "group", "description", "purposes"]
    autocomplete_fields = ["subject_categories", "data_categories", "recipients", "processors"]
    readonly_fields = ["findings"]
    inlines = [RetentionRuleInline]
    list_per_page = 50
    fieldsets = [
        (
            None,
            {"fields": ["organisation", "reference", "group", "name", "description", "status", "owner", "findings"]},
        ),
        (_("Role (art. 30(1) or 30(2))"), {"fields": ["role", "controller_name", "controller_contact"]}),
        (
            _("Purposes and legal basis"),
            {"fields": ["purposes", "legal_basis", "legal_basis_explanation", "consent_mechanism"]},
        ),
        (
            _("Persons and data"),
            {"fields": ["subject_categories", "data_categories", "special_category_exception", "source"]},
        ),
        (
            _("Recipients, processors and transfers"),
            {"fields": ["recipients", "processors", "third_country_transfers", "transfer_safeguards"]},
        ),
        (
            _("Decisions, security and retention"),
            {
                "fields": [
                    "automated_decision_making",
                    "automated_decision_logic",
                    "security_measures",
                    "retention_text",
                ]
            },
        ),
        (_("DPIA"), {"fields": ["dpia_ap_types", "dpia_edpb_criteria", "dpia_done_on", "dpia_reference"]}),
        (_("Review"), {"fields": ["last_reviewed_on", "next_review_on"]}),
    ]

    class Media:
        css = {"all": ["admin/register.css"]}

    def get_queryset(self, request):
        return with_findings(super().get_queryset(request), timezone.localdate())

    @admin.display(description=_("completeness"))
    def completeness(self, activity):
        findings = activity_findings(activity)
        if not findings:
            return format_html('<span class="badge badge-ok">{}</span>', _("complete"))
        label = ngettext("%(count)d item missing", "%(count)d items missing", len(findings)) % {"count": len(findings)}
        return format_html(
            '<span class="badge badge-warn" title="{}">{}</span>', "; ".join(str(f) for f in findings), label
        )

    @admin.display(description=_("DPIA"))
    def dpia(self, activity):
        if activity.dpia_required and not activity.dpia_done_on:
            return format_html('<span class="badge badge-alert">{}</span>', _("DPIA required"))
        return format_html('<span class="badge badge-ok">{}</span>', _("done")) if activity.dpia_done_on else "–"

    @admin.display(description=_("missing or inconsistent"))
    def findings(self, activity):
        if activity.pk is None:
            return "–"
        findings = activity_findings(activity)
        if not findings:
            return _("Nothing missing.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((f,) for f in findings)))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="register_processingactivity_import"),
            path("export/<str:fmt>/", view(self.export_view), name="register_processingactivity_export"),
            path("as-of/", view(self.as_of_view), name="register_processingactivity_as_of"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        return admin_import.import_view(self, request)

    def export_view(self, request, fmt):
        return admin_export.export_view(self, request, fmt)

    def as_of_view(self, request):
        """The register as it stood at the end of a chosen day, from history."""
        if not self.has_view_permission(request):
            raise Http404(_("Not found."))
        organisations = organisations_for(request.user)
        organisation = organisations.filter(pk=request.GET.get("organisation") or None).first() or (
            organisations.first() if organisations.count() == 1 else None
        )
        day = parse_date(request.GET.get("date", "") or "") or timezone.localdate()
        activities = activities_as_of(organisation, end_of_day(day)) if organisation else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Register as it stood on a date"),
            "organisations": organisations,
            "organisation": organisation,
            "day": day,
            "activities": activities,
        }
        return TemplateResponse(request, "admin/register/as_of.html", context)


@admin.register(Authorisation)
class AuthorisationAdmin(OrganisationScopedAdmin):
    list_display = [
        "person_name",
        "approved_by",
        "approved_on",
        "confidentiality_signed_on",
        "revoked_on",
        "next_review_on",
        "organisation",
    ]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "revoked_on", "next_review_on"]
    search_fields = ["person_name", "access_description"]
    autocomplete_fields = ["user", "activities"]


@admin.register(Control)
class ControlAdmin(OrganisationScopedAdmin):
    list_display = ["name", "frequency_months", "last_done_on", "next_due_on", "organisation"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "frequency_months"]
    search_fields = ["name", "description"]


class DeficiencyOpenFilter(admin.SimpleListFilter):
    title = _("measure")
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", pgettext_lazy("deficiency not yet resolved", "open")), ("yes", _("resolved"))]

    def queryset(self, request, queryset):
        return {
            "no": queryset.filter(resolved_on__isnull=True),
            "yes": queryset.filter(resolved_on__isnull=False),
        }.get(self.value(), queryset)


@admin.register(Deficiency)
class DeficiencyAdmin(OrganisationScopedAdmin):
    list_display = ["found_on", "__str__", "owner", "due_on", "resolved_on", "control", "organisation"]
    list_select_related = ["organisation", "control"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), DeficiencyOpenFilter]
    search_fields = ["description", "measure", "owner"]
    autocomplete_fields = ["control"]
    date_hierarchy = "found_on"
    fields = ["organisation", "found_on", "description", "control", "measure", "owner", "due_on", "resolved_on"]


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    """The archive of yearly reports as handed out: read, downloaded, never changed."""

    list_display = [
        "year",
        "version",
        "language",
        "generated_at",
        "generated_by_name",
        "sha256",
        "pdf_link",
        "organisation",
    ]
    list_display_links = None
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "year", "language"]
    list_select_related = ["organisation"]
    search_fields = ["=sha256"]
    fields = ["organisation", "year", "version", "language", "generated_at", "generated_by_name", "sha256", "pdf_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request)).defer("pdf")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Only as part of deleting an organisation, which is the superuser's alone.
        return request.user.is_superuser

    @admin.display(description=_("PDF"))
    def pdf_link(self, archived):
        url = reverse("admin:register_annualreport_pdf", args=[archived.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.pdf_view)
        return [path("<int:pk>/pdf/", view, name="register_annualreport_pdf"), *super().get_urls()]

    def pdf_view(self, request, pk):
        if not self.has_view_permission(request):
            raise Http404(_("Not found."))
        reports = visible_to(request.user, AnnualReport.objects.select_related("organisation"))
        return board_pdf_response(get_object_or_404(reports, pk=pk))


class BreachUpdateInline(admin.StackedInline):
    model = BreachUpdate
    extra = 0
    fields = ["written_at", "text", "sent_to_authority_at"]


@admin.register(Breach)
class BreachAdmin(OrganisationScopedAdmin):
    list_display = [
        "title",
        "discovered_at",
        "notification_due_at",
        "hours_left",
        "authority_notified_at",
        "organisation",
    ]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "risk", "notify_authority"]
    search_fields = ["title", "description", "authority_reference"]
    autocomplete_fields = ["activities", "data_categories"]
    readonly_fields = ["notification_due_at", "statutory_due"]
    date_hierarchy = "discovered_at"
    inlines = [BreachUpdateInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "organisation",
                    "title",
                    "discovered_at",
                    "occurred_at",
                    "description",
                    "notification_due_at",
                    "statutory_due",
                ]
            },
        ),
        (_("Nature"), {"fields": ["confidentiality", "integrity", "availability"]}),
        (_("Scope"), {"fields": ["activities", "data_categories", "subjects_affected", "records_affected"]}),
        (_("Assessment"), {"fields": ["likely_consequences", "measures_taken", "risk"]}),
        (
            _("Notification to the AP"),
            {
                "fields": [
                    "notify_authority",
                    "notify_authority_reasoning",
                    "authority_notified_at",
                    "authority_reference",
                    "delay_reasons",
                ]
            },
        ),
        (
            _("Informing the persons concerned"),
            {"fields": ["notify_subjects", "notify_subjects_reasoning", "subjects_notified_at"]},
        ),
        (None, {"fields": ["closed_at"]}),
    ]

    @admin.display(description=_("statutory deadline (72 hours)"))
    def statutory_due(self, breach):
        return breach.statutory_due_at if breach.discovered_at else "–"

    @admin.display(description=_("hours left"))
    def hours_left(self, breach):
        if breach.authority_notified_at or breach.closed_at:
            return "–"
        return int((breach.notification_due_at - timezone.now()).total_seconds() // 3600)

    def save_model(self, request, obj, form, change):
        breach_save(breach=obj)


class RelationFormSet(forms.BaseInlineFormSet):
    """Links a subject only to activities of its own organisation, whatever else the user may see."""

    def clean(self):
        super().clean()
        organisation = self.instance.organisation if self.instance.organisation_id else None
        for form in self.forms:
            activity = getattr(form, "cleaned_data", {}).get("activity")
            if organisation and activity and activity.organisation_id != organisation.pk:
                form.add_error("activity", _("Choose only items of %(organisation)s.") % {"organisation": organisation})


class RelationInline(ScopedInline):
    model = Relation
    formset = RelationFormSet
    fields = [
        "activity",
        "started_on",
        "ended_on",
        "consent_given_on",
        "consent_how",
        "consent_evidence",
        "consent_withdrawn_on",
        "restricted",
        "objected",
        "legal_hold",
    ]
    autocomplete_fields = ["activity"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs["queryset"] = _scoped_choices(db_field.related_model, request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserOrganisationFilter(admin.RelatedFieldListFilter):
    """The user's organisations, without RelatedOnlyFieldListFilter's DISTINCT over every subject."""

    def field_choices(self, field, request, model_admin):
        return [(organisation.pk, str(organisation)) for organisation in organisations_for(request.user)]


@admin.register(DataSubject)
class DataSubjectAdmin(OrganisationScopedAdmin):
    list_display = ["name", "email", "city", "organisation"]
    list_select_related = ["organisation"]
    list_filter = [("organisation", UserOrganisationFilter)]
    # An exact e-mail address or the start of a name: what the FG looks up (get_search_results does it).
    search_fields = ["=email", "^name"]
    show_full_result_count = False  # a second COUNT over every subject, for a line the FG does not need
    readonly_fields = ["anonymised_at"]
    inlines = [RelationInline]

    def get_search_results(self, request, queryset, search_term):
        # The whole term is one address or one name: Django would split "Jan Jansen" into two words and ask
        # each to start the name. On PostgreSQL, migration 0006 indexes UPPER(email) and the trigrams of
        # UPPER(name), which serve these case-insensitive lookups and a match anywhere in the name; SQLite,
        # for small installations, scans and matches the start of the name only.
        term = " ".join(search_term.split())
        if not term:
            return queryset, False
        name = Q(name__icontains=term) if connection.vendor == "postgresql" else Q(name__istartswith=term)
        return queryset.filter(Q(email__iexact=term) | name), False

    def delete_model(self, request, obj):
        # A plain delete leaves every earlier version in history and writes one more; erasure leaves none.
        subjects_erase(subjects=DataSubject.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        subjects_erase(subjects=queryset)
