from django.contrib import admin

from register.access import visible_to

from .models import JobRun, Reminder


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
    list_display = ["text", "kind", "threshold", "due_at", "sent_at", "organisation"]
    list_filter = ["kind", "threshold", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation"]

    def get_queryset(self, request):
        return visible_to(request.user, super().get_queryset(request))
