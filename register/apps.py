from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    default = True
    name = "register"
    verbose_name = _("Processing register")

    def ready(self):
        from . import lookups  # noqa: F401 - registers the any_of lookup
        from .admin_site import DASHBOARD_TILES
        from .report_tile import yearly_report_tile

        DASHBOARD_TILES.append(yearly_report_tile)


class RegisterAdminConfig(admin_apps.AdminConfig):
    """The admin, replaced by the site that asks for two factors and shows the dashboard."""

    default = False
    default_site = "register.admin_site.RegisterAdminSite"
