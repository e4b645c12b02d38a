from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .access import organisations_for
from .models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "dpo_name", "dpo_email", "asks_id_copy"]
    search_fields = ["name", "slug", "kvk_number"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["members"]

    def get_queryset(self, request):
        return organisations_for(request.user)

    def has_add_permission(self, request):
        # Adding a controller is an installation decision; a member could not see what they added.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
