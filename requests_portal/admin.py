"""The FG's request desk: the list of requests with the days left, and on each request its timeline, its uploads
and one small page per step of the workflow. Every step calls a service; the admin only checks who may act."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from register.admin import OrganisationScopedAdmin
from register.models import DataSubject

from . import workflow
from .answers import FORMATS, access_package_create, access_package_render
from .erasure import (
    ErasureNotConfirmed,
    PreviewOutdated,
    erasure_certificate_pdf,
    erasure_confirm,
    erasure_execute,
    erasure_preview,
    step_reason,
)
from .models import AccessPackage, ErasureRun, RequestEvent, RequestUpload, SubjectRequest
from .rights import SubjectNotMatched, consent_withdraw, rectification_recipients, relations_object, relations_restrict
from .selectors import assignable_users, match_suggestions, overdue, request_days_left, requests_visible_to, with_due
from .storage import private_file_read
from .workflow import STEP_LABELS, WorkflowError

Status = SubjectRequest.Status


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("open, on time"))]

    def queryset(self, request, queryset):
        late = overdue(timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(late)
        if self.value() == "no":
            return queryset.filter(status__in=SubjectRequest.OPEN).exclude(late)
        return queryset


def days_left_badge(subject_request: SubjectRequest) -> str:
    """10 days or more green, 5 to 9 orange, fewer red; overdue red with the word; a closed request a dash."""
    left = request_days_left(subject_request, timezone.localdate())
    if left is None:
        return "–"
    if left < 0:
        return format_html('<span class="days-left days-overdue">{} {}</span>', left, _("overdue"))
    colour = "days-green" if left >= 10 else "days-orange" if left >= 5 else "days-red"
    return format_html('<span class="days-left {}">{}</span>', colour, left)


# Step forms: each knows the request it acts on, for choices that depend on it.


class StepForm(forms.Form):
    def __init__(self, *args, subject_request: SubjectRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject_request = subject_request


class AssignForm(StepForm):
    assignee = forms.ModelChoiceField(label=_("assignee"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users(self.subject_request)


class MatchForm(StepForm):
    subject = forms.IntegerField(label=_("data subject"), widget=forms.RadioSelect)

    def __init__(self, *args, query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        suggestions = match_suggestions(self.subject_request, query=query)
        choices = [(s.pk, f"{s.name} · {s.email or '–'} · {s.city or '–'}") for s in suggestions]
        self.fields["subject"].widget.choices = choices
        self.has_suggestions = bool(choices)

    def clean_subject(self):
        subject = DataSubject.objects.filter(
            pk=self.cleaned_data["subject"], organisation_id=self.subject_request.organisation_id
        ).first()
        if subject is None:
            raise forms.ValidationError(_("Choose one of the data subjects shown."))
        return subject


class PauseForm(StepForm):
    reason = forms.CharField(
        label=_("what the requester must send or clarify"),
        max_length=300,
        help_text=_("The requester receives this by e-mail; the clock stops until you resume."),
    )


class ExtendForm(StepForm):
    reason = forms.CharField(
        label=_("reason for the extension"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The requester receives the reason and the new deadline by e-mail."),
    )


class MessageForm(StepForm):
    text = forms.CharField(label=_("message"), widget=forms.Textarea(attrs={"rows": 6}))


class CompleteForm(StepForm):
    outcome = forms.CharField(
        label=_("answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The requester receives this by e-mail. For a complaint: how it will be handled."),
    )


class RefuseForm(StepForm):
    ground = forms.ChoiceField(
        label=_("legal ground"), choices=[("", "---------"), *SubjectRequest.RefusalGround.choices]
    )
    explanation = forms.CharField(
        label=_("explanation"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The mail names the ground and the right to complain to the AP and to go to court."),
    )


class IdentifyForm(StepForm):
    how = forms.CharField(
        label=_("how the identity was established"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the e-mail address we know for this person, or the ID copy with the BSN blacked out"),
    )


STEP_FORMS: dict[str, type[StepForm]] = {
    "assign": AssignForm,
    "identify": IdentifyForm,
    "match": MatchForm,
    "pause": PauseForm,
    "extend": ExtendForm,
    "message": MessageForm,
    "complete": CompleteForm,
    "refuse": RefuseForm,
}


def step_run(step: str, subject_request: SubjectRequest, data: dict, **who) -> None:
    """Call the service of `step` with the form's data; `who` is the acting user and the moment."""
    services = {
        "start": lambda: workflow.request_start(request=subject_request, **who),
        "assign": lambda: workflow.request_assign(request=subject_request, assignee=data["assignee"], **who),
        "match": lambda: workflow.request_match(request=subject_request, subject=data["subject"], **who),
        "identify": lambda: workflow.request_identity_confirm(request=subject_request, how=data["how"], **who),
        "pause": lambda: workflow.request_pause(request=subject_request, reason=data["reason"], **who),
        "resume": lambda: workflow.request_resume(request=subject_request, **who),
        "extend": lambda: workflow.request_extend(request=subject_request, reason=data["reason"], **who),
        "message": lambda: workflow.request_message(request=subject_request, text=data["text"], **who),
        "complete": lambda: workflow.request_complete(request=subject_request, outcome=data["outcome"], **who),
        "refuse": lambda: workflow.request_refuse(
            request=subject_request, ground=data["ground"], explanation=data["explanation"], **who
        ),
        "withdraw": lambda: workflow.request_withdraw(request=subject_request, **who),
    }
    services[step]()


Kind = SubjectRequest.Kind
# The answers of the third part of the workflow (answers.py, erasure.py, rights.py), by the kind they answer.
ANSWERS: dict[str, list[str]] = {
    Kind.ACCESS: ["package"],
    Kind.PORTABILITY: ["package"],
    Kind.ERASURE: ["erasure_preview"],
    Kind.RESTRICTION: ["restrict"],
    Kind.OBJECTION: ["object"],
    Kind.WITHDRAW_CONSENT: ["consent"],
}
ANSWER_LABELS = {
    "package": _("Make the access package"),
    "erasure_preview": _("Preview the erasure"),
    "erasure_confirm": _("Confirm this preview"),
    "erasure_execute": _("Execute the erasure"),
    "restrict": _("Restrict processing (art. 18)"),
    "object": _("Record the objection (art. 21)"),
    "consent": _("Record the withdrawal of consent"),
}
ANSWER_ERRORS = (SubjectNotMatched, ErasureNotConfirmed, PreviewOutdated)


ERASING = ("erasure_confirm", "erasure_execute")
# Confirming or executing an erasure deletes a person's data: it takes the right to delete data subjects (the FG),
# not only the right to handle requests (staff).
ERASE_PERMISSION = "register.delete_datasubject"


def answers_for(kind: str) -> list[str]:
    return [*ANSWERS.get(kind, []), *(ERASING if kind == Kind.ERASURE else [])]


def answer_run(action: str, subject_request: SubjectRequest, *, user, now) -> None:
    """Call the answer service of `action`; the erasure steps act on the request's run."""
    if action in ERASING:
        run = ErasureRun.objects.filter(request=subject_request).first()
        if run is None:
            raise ErasureNotConfirmed(_("Preview the erasure first."))
        if action == "erasure_confirm":
            erasure_confirm(run=run, user=user, now=now)
        else:
            erasure_execute(run=run, now=now, user=user)
        return
    services = {
        "package": lambda: access_package_create(request=subject_request, now=now),
        "erasure_preview": lambda: erasure_preview(request=subject_request, now=now),
        "restrict": lambda: relations_restrict(request=subject_request, now=now),
        "object": lambda: relations_object(request=subject_request, now=now),
        "consent": lambda: consent_withdraw(request=subject_request, now=now),
    }
    services[action]()


def file_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A private file for download: never shown inline, never sniffed, never cached."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # Each row's title names its request: fetch it once for all rows, not once per row.
        return super().get_queryset(request).fetch_mode(models.FETCH_PEERS)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RequestEventInline(ReadOnlyInline):
    """The timeline, read-only: it is the record of what happened."""

    model = RequestEvent
    fields = ["at", "kind", "text", "actor", "visible_to_requester"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class RequestUploadInline(ReadOnlyInline):
    model = RequestUpload
    fields = ["purpose", "content_type", "size", "uploaded_at", "download"]
    readonly_fields = fields
    verbose_name_plural = _("uploads (destroyed when the request is closed)")

    @admin.display(description=_("file"))
    def download(self, upload):
        url = reverse("admin:requests_portal_subjectrequest_upload", args=[upload.request_id, upload.pk])
        return format_html('<a href="{}">{}</a>', url, _("open"))


@admin.register(SubjectRequest)
class SubjectRequestAdmin(OrganisationScopedAdmin):
    list_display = ["reference", "kind", "status", "days_left", "requester_email", "assignee", "organisation"]
    list_filter = [
        "status",
        "kind",
        ("organisation", admin.RelatedOnlyFieldListFilter),
        OverdueFilter,
        ("assignee", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["reference", "=requester_email"]
    list_select_related = ["organisation", "assignee"]
    list_per_page = 50
    inlines = [RequestUploadInline, RequestEventInline]
    fieldsets = [
        (None, {"fields": ["reference", "organisation", "kind", "status", "days_left", "assignee", "subject"]}),
        (
            _("Requester"),
            {
                "fields": [
                    "requester_name",
                    "requester_email",
                    "requester_language",
                    "on_behalf",
                    "on_behalf_of",
                    "message",
                    "received_at",
                    "email_verified_at",
                    "identity_confirmed_at",
                    "duplicate_of",
                ]
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": [
                    "target_due_on",
                    "legal_due_on",
                    "extended_due_on",
                    "extension_reason",
                    "extended_at",
                    "paused_since",
                    "pause_reason",
                    "paused_days",
                ]
            },
        ),
        (_("Answer"), {"fields": ["outcome", "refusal_ground", "closed_at"]}),
    ]
    # Everything is set by the intake or by a step of the workflow.
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    class Media:
        css = {"all": ["admin/requests.css"]}

    def get_queryset(self, request):
        # The change page shows these read-only: joined, they cost no query of their own.
        requests = requests_visible_to(request.user, super().get_queryset(request))
        return with_due(requests).select_related("organisation", "assignee", "subject")

    def has_add_permission(self, request):
        return False  # requests come in through the public form, which numbers them and sets their deadlines

    def has_delete_permission(self, request, obj=None):
        return False  # the record of a request is evidence; the clock anonymises it when its time has come

    @admin.display(description=_("days left"), ordering="due_sort")
    def days_left(self, subject_request):
        return days_left_badge(subject_request)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/step/<str:step>/", view(self.step_view), name="requests_portal_subjectrequest_step"),
            path(
                "<path:object_id>/answer/package/<str:fmt>/",
                view(self.package_view),
                name="requests_portal_subjectrequest_package",
            ),
            path(
                "<path:object_id>/answer/erasure/",
                view(self.erasure_view),
                name="requests_portal_subjectrequest_erasure",
            ),
            path(
                "<path:object_id>/answer/erasure/certificate/",
                view(self.certificate_view),
                name="requests_portal_subjectrequest_certificate",
            ),
            path(
                "<path:object_id>/answer/<str:action>/",
                view(self.answer_view),
                name="requests_portal_subjectrequest_answer",
            ),
            path(
                "<path:object_id>/upload/<int:upload_id>/",
                view(self.upload_view),
                name="requests_portal_subjectrequest_upload",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["steps"] = self._steps(obj)
            context["answers"] = self._answers(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _steps(self, subject_request: SubjectRequest) -> list[dict]:
        return [
            {
                "name": step,
                "label": STEP_LABELS[step],
                "url": reverse("admin:requests_portal_subjectrequest_step", args=[subject_request.pk, step]),
                "direct": step in ("start", "resume"),
            }
            for step in workflow.steps_available(subject_request, timezone.localdate())
        ]

    def _answers(self, subject_request: SubjectRequest) -> dict:
        """What the change page offers to answer the request with, by its kind: buttons while it is being
        handled, and the files made for it at any time."""
        kind, pk = subject_request.kind, subject_request.pk
        handling = subject_request.status in workflow.HANDLING
        answers = {
            "actions": [
                {
                    "label": ANSWER_LABELS[action],
                    "url": reverse("admin:requests_portal_subjectrequest_answer", args=[pk, action]),
                }
                for action in ANSWERS.get(kind, [])
                if handling
            ]
        }
        if kind in (Kind.ACCESS, Kind.PORTABILITY):
            answers["package"] = AccessPackage.objects.filter(request=subject_request).first()
            answers["downloads"] = [
                (fmt.upper(), reverse("admin:requests_portal_subjectrequest_package", args=[pk, fmt]))
                for fmt in FORMATS
            ]
        if kind == Kind.ERASURE and ErasureRun.objects.filter(request=subject_request).exists():
            answers["erasure_url"] = reverse("admin:requests_portal_subjectrequest_erasure", args=[pk])
        if kind == Kind.RECTIFICATION:
            subject = subject_request.subject
            answers["recipients"] = rectification_recipients(subject=subject) if subject else None
        return answers

    def _acting_on(self, request, object_id) -> SubjectRequest:
        """The request, if the user may see it (else 404) and act on it (else 403)."""
        subject_request = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, subject_request):
            raise PermissionDenied
        return subject_request

    def step_view(self, request, object_id, step):
        subject_request = self._acting_on(request, object_id)
        if step not in STEP_LABELS:
            raise Http404(_("Not found."))
        change_url = reverse("admin:requests_portal_subjectrequest_change", args=[subject_request.pk])
        if request.method != "POST" and step not in workflow.steps_available(subject_request, timezone.localdate()):
            messages.error(request, _("This step is not possible now."))
            return HttpResponseRedirect(change_url)
        form_class = STEP_FORMS.get(step)
        form = None
        if form_class:
            extra = {"query": request.GET.get("q", "")} if step == "match" else {}
            data = request.POST if request.method == "POST" else None
            form = form_class(data, subject_request=subject_request, **extra)
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                step_run(
                    step, subject_request, form.cleaned_data if form else {}, user=request.user, now=timezone.now()
                )
            except WorkflowError as error:
                if form is None:
                    messages.error(request, str(error))
                    return HttpResponseRedirect(change_url)
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Done: %(step)s.") % {"step": STEP_LABELS[step]})
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": subject_request,
            "title": f"{subject_request.reference}: {STEP_LABELS[step]}",
            "step": step,
            "step_label": STEP_LABELS[step],
            "form": form,
            "change_url": change_url,
            "query": request.GET.get("q", ""),
        }
        return TemplateResponse(request, "admin/requests_portal/subjectrequest/step.html", context)

    def upload_view(self, request, object_id, upload_id):
        """An uploaded file, decrypted, for the people handling the request; a 404 for anyone else."""
        subject_request = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, subject_request):
            raise Http404(_("Not found."))
        upload = subject_request.uploads.filter(pk=upload_id).first()
        if upload is None:
            raise Http404(_("Not found."))
        try:
            content = private_file_read(upload.stored_name)
        except FileNotFoundError:
            raise Http404(_("Not found.")) from None
        extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(upload.content_type, "bin")
        return file_response(content, upload.content_type, f"{subject_request.reference}-{upload.purpose}.{extension}")

    def answer_view(self, request, object_id, action):
        """POST: make, preview, confirm or execute an answer (see ANSWERS), then back to where it shows."""
        subject_request = self._acting_on(request, object_id)
        if action not in ANSWER_LABELS:
            raise Http404(_("Not found."))
        if action in ERASING and not request.user.has_perm(ERASE_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            self._answer(request, subject_request, action)
        pk = subject_request.pk
        if action.startswith("erasure") and ErasureRun.objects.filter(request_id=pk).exists():
            return HttpResponseRedirect(reverse("admin:requests_portal_subjectrequest_erasure", args=[pk]))
        return HttpResponseRedirect(reverse("admin:requests_portal_subjectrequest_change", args=[pk]))

    def _answer(self, request, subject_request: SubjectRequest, action: str) -> None:
        if action not in answers_for(subject_request.kind) or subject_request.status not in workflow.HANDLING:
            messages.error(request, _("This answer is not possible for this request now."))
            return
        try:
            answer_run(action, subject_request, user=request.user, now=timezone.now())
        except ANSWER_ERRORS as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Done: %(step)s.") % {"step": ANSWER_LABELS[action]})

    def package_view(self, request, object_id, fmt):
        """The access package as the FG checks it before the requester downloads it (not logged as theirs)."""
        subject_request = self._acting_on(request, object_id)
        package = AccessPackage.objects.filter(request=subject_request).first()
        if package is None or fmt not in FORMATS:
            raise Http404(_("Not found."))
        return file_response(*access_package_render(package=package, fmt=fmt))

    def erasure_view(self, request, object_id):
        """The erasure preview per activity: what is erased, what is kept and why; confirm, then execute."""
        subject_request = self._acting_on(request, object_id)
        run = ErasureRun.objects.filter(request=subject_request).select_related("confirmed_by").first()
        if run is None:
            raise Http404(_("Not found."))
        steps = [{**step, "reason_text": step_reason(step)} for step in _run_steps(run)]
        answer = "admin:requests_portal_subjectrequest_answer"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": subject_request,
            "title": f"{subject_request.reference}: {_('erasure')}",
            "run": run,
            "steps": steps,
            "change_url": reverse("admin:requests_portal_subjectrequest_change", args=[subject_request.pk]),
            "preview_url": reverse(answer, args=[subject_request.pk, "erasure_preview"]),
            "confirm_url": reverse(answer, args=[subject_request.pk, "erasure_confirm"]),
            "execute_url": reverse(answer, args=[subject_request.pk, "erasure_execute"]),
            "certificate_url": reverse("admin:requests_portal_subjectrequest_certificate", args=[subject_request.pk]),
            "handling": subject_request.status in workflow.HANDLING,
            "may_erase": request.user.has_perm(ERASE_PERMISSION),
        }
        return TemplateResponse(request, "admin/requests_portal/subjectrequest/erasure.html", context)

    def certificate_view(self, request, object_id):
        subject_request = self._acting_on(request, object_id)
        run = ErasureRun.objects.filter(request=subject_request, executed_at__isnull=False).first()
        if run is None:
            raise Http404(_("Not found."))
        filename = f"{subject_request.reference}-certificate.pdf"
        return file_response(erasure_certificate_pdf(run=run), "application/pdf", filename)


def _run_steps(run: ErasureRun) -> list[dict]:
    """The steps as executed once the run is done, as previewed before."""
    source = run.certificate if run.executed_at else run.preview
    return source.get("steps", []) if isinstance(source, dict) else []
