"""Admin import of a register file in two steps: a preview that saves nothing, then the import itself.

The uploaded file is kept in the session between the two steps, so the import saves exactly what was
previewed; the confirm form carries a fingerprint of it, so a preview in another tab cannot be confirmed
by mistake.
"""

import base64
import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .access import organisations_for
from .importing import MAX_UPLOAD_BYTES, ImportResult, import_file
from .models import Organisation

SESSION_KEY = "register_import"
PERMISSION = "register.add_processingactivity"


class ImportForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=gettext_lazy("Organisation"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "The register as CSV, Excel (.xlsx) or tab-separated text, at most 5 MiB. "
            "Activities are matched by reference; a second import of the same file changes nothing."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = organisations_for(user)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                gettext_lazy("The file is larger than 5 MiB; a register is much smaller. Is this the right file?")
            )
        return upload


def import_view(model_admin, request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(model_admin, request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        return _preview(model_admin, request, form)
    return _render(model_admin, request, form)


def _preview(model_admin, request, form: ImportForm):
    upload, organisation = form.cleaned_data["file"], form.cleaned_data["organisation"]
    content = upload.read()
    result = import_file(organisation=organisation, filename=upload.name, content=content, dry_run=True)
    request.session.pop(SESSION_KEY, None)
    token = ""
    if result.ok:
        token = _fingerprint(organisation.pk, content)
        request.session[SESSION_KEY] = {
            "organisation": organisation.pk,
            "filename": upload.name,
            "content": base64.b64encode(content).decode("ascii"),
            "token": token,
        }
    return _render(model_admin, request, form, result=result, organisation=organisation, token=token)


def _confirm(model_admin, request):
    pending = request.session.get(SESSION_KEY)
    if not pending or pending["token"] != request.POST.get("token"):
        messages.error(request, _("This preview has expired or was replaced; upload the file again."))
        return redirect(request.path)
    organisation = organisations_for(request.user).filter(pk=pending["organisation"]).first()
    if organisation is None:
        raise PermissionDenied
    del request.session[SESSION_KEY]
    content = base64.b64decode(pending["content"])
    result = import_file(organisation=organisation, filename=pending["filename"], content=content, dry_run=False)
    if not result.ok:
        return _render(model_admin, request, ImportForm(user=request.user), result=result, organisation=organisation)
    messages.success(request, result.summary())
    for warning in result.warnings:
        messages.warning(request, warning)
    changelist = reverse(f"{model_admin.admin_site.name}:register_processingactivity_changelist")
    return redirect(f"{changelist}?organisation__id__exact={organisation.pk}")


def _fingerprint(organisation_pk: int, content: bytes) -> str:
    return hashlib.sha256(b"%d:" % organisation_pk + content).hexdigest()


def _render(model_admin, request, form: ImportForm, *, result: ImportResult | None = None, organisation=None, token=""):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Import the register"),
        "form": form,
        "result": result,
        "organisation": organisation,
        "token": token,
    }
    return TemplateResponse(request, "admin/register/import.html", context)
