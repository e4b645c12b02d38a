"""Staff add an authenticator app as their second factor, once logged in with a first one (a backup code
an administrator gave them, `manage.py addstatictoken USERNAME`)."""

import base64
import io

import segno
from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "authenticator"


class TokenForm(forms.Form):
    token = forms.CharField(label=_("Verification code"), max_length=6, min_length=6)


def totp_device_start(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created once, so a reload keeps the same secret."""
    device, _ = TOTPDevice.objects.get_or_create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def qr_svg(url: str) -> str:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", xmldecl=False, scale=5, border=2)
    return buffer.getvalue().decode()


def totp_setup_view(request, admin_site):
    device = totp_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        if totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            messages.success(request, _("Your authenticator app is now your second factor."))
            return redirect("admin:index")
        form.add_error("token", _("This code is not correct. Check the time on your phone and try again."))
    context = {
        **admin_site.each_context(request),
        "title": _("Set up two-step verification"),
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    return TemplateResponse(request, "admin/two_factor_setup.html", context)
