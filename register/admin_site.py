from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from .selectors import dashboard_for


class RegisterAdminSite(OTPAdminSite):
    """The admin: staff are let in only with a verified second factor; the index shows what is due."""

    site_header = _("Processing register")
    site_title = _("Processing register")
    index_title = _("Overview")
    login_template = "admin/login.html"
    index_template = "admin/dashboard_index.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def index(self, request, extra_context=None):
        return super().index(
            request, {"dashboard": dashboard_for(request.user, timezone.now()), **(extra_context or {})}
        )
