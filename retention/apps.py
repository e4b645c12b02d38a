from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = _("Retention and deadlines")

    def ready(self):
        from register.admin_site import DASHBOARD_TILES

        from .dashboard import reminders_tile
        from .report import report_sections_add

        DASHBOARD_TILES.append(reminders_tile)
        report_sections_add()
