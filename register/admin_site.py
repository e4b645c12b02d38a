from collections.abc import Callable

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .selectors import dashboard_for
from .two_factor import totp_setup_view


class LoginForm(OTPAdminAuthenticationForm):
    """Password and second factor in one form, with messages in our own catalogue (django-otp has no Dutch)."""

    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Enter your verification code."),
        "invalid_token": _("This verification code is not correct. Check it and try again."),
        "n_failed_attempts": ngettext_lazy(
            "Verification is paused after %(failure_count)d failed attempt; try again in a moment.",
            "Verification is paused after %(failure_count)d failed attempts; try again in a moment.",
            "failure_count",
        ),
        "verification_not_allowed": _("Verification is paused; try again in a moment."),
        "device_required": _("This verification code is not correct. Check it and try again."),
    }

    def _chosen_device(self, user):
        """Six digits come from the authenticator app; anything else is a backup code. Choosing by shape
        spares the person a device list, and a wrong code counts only against the device it was meant for."""
        token = self.cleaned_data.get("otp_token") or ""
        model = TOTPDevice if len(token) == 6 and token.isdigit() else StaticDevice
        return model.objects.filter(user=user, confirmed=True).first()


# Tiles other apps add to the dashboard (the register must not import them): `tile(user, now) -> dict | None`
# with "figure", "title" and "items", a list of (url, text).
DASHBOARD_TILES: list[Callable[..., dict | None]] = []


class RegisterAdminSite(OTPAdminSite):
    """The admin: staff are let in only with a verified second factor; the index shows what is due."""

    site_header = _("Processing register")
    site_title = _("Processing register")
    index_title = _("Overview")
    login_form = LoginForm
    login_template = "admin/login.html"
    index_template = "admin/dashboard_index.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def index(self, request, extra_context=None):
        now = timezone.now()
        tiles = [tile for make in DASHBOARD_TILES if (tile := make(request.user, now))]
        context = {"dashboard": dashboard_for(request.user, now), "tiles": tiles}
        return super().index(request, {**context, **(extra_context or {})})

    def get_urls(self):
        setup = self.admin_view(lambda request: totp_setup_view(request, self))
        return [path("two-factor/", setup, name="totp_setup"), *super().get_urls()]
