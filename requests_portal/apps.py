from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsPortalConfig(AppConfig):
    name = "requests_portal"
    verbose_name = _("Data subject requests")

    def ready(self):
        from .report import report_sections_add

        report_sections_add()
