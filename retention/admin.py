from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from register.access import organisations_for, visible_to

from .jobs import job_record
from .models import JobRun, Reminder, RetentionApproval
from .sweeps import retention_sweep_approved

# Erasing people's data is the FG's decision: the same permission as deleting a data subject.
APPROVE_PERMISSION = "register.delete_datasubject"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence is never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "started_at", "duration", "outcome", "dry_run", "counts"]
    list_filter = ["job", "outcome", "dry_run"]
    date_hierarchy = "started_at"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["text", "kind", "threshold", "due_at", "sent_at", "mailed_at", "organisation"]
    list_filter = ["kind", "threshold", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation"]

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))


@admin.register(RetentionApproval)
class RetentionApprovalAdmin(ReadOnlyAdmin):
    """Per organisation what the retention sweep would do now; where sweeps wait for approval, the FG's go-ahead."""

    list_display = ["name", "retention_needs_approval"]

    def get_queryset(self, request):
        return RetentionApproval.objects.filter(pk__in=organisations_for(request.user).values("pk"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        organisation = self.get_queryset(request).filter(pk=object_id).first()
        if organisation is None or not self.has_view_permission(request, organisation):
            raise Http404(_("Not found."))
        if request.method == "POST":
            return self._approve(request, organisation)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Retention: what is due at %(organisation)s") % {"organisation": organisation.name},
            "organisation": organisation,
            "preview": retention_sweep_approved(organisation=organisation, now=timezone.now(), dry_run=True),
            "may_approve": organisation.retention_needs_approval and request.user.has_perm(APPROVE_PERMISSION),
        }
        return TemplateResponse(request, "admin/retention/approval.html", context)

    def _approve(self, request, organisation):
        if not (organisation.retention_needs_approval and request.user.has_perm(APPROVE_PERMISSION)):
            raise PermissionDenied  # an organisation that sweeps automatically has nothing to approve

        def approved(*, now, dry_run):
            return retention_sweep_approved(organisation=organisation, now=now, dry_run=dry_run)

        run = job_record(f"retention_sweep_approved:{organisation.slug}", approved, now=timezone.now(), dry_run=False)
        self.message_user(request, _("Retention applied: %(counts)s") % {"counts": run.counts})
        return redirect("admin:retention_jobrun_changelist")
