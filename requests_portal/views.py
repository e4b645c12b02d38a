from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from config.client_ip import client_ip
from register.models import Organisation

from .answers import PackageExpired, access_package_download
from .emails import requester_mail
from .forms import ReplyForm, RequestForm
from .intake import request_create, request_verify, requester_reply
from .links import request_from_status_token, status_path, verify_path
from .models import RequestEvent, SubjectRequest

FORM_RATE_PER_IP = "10/h"
FORM_RATE_PER_EMAIL = "5/h"


def portal_index(request):
    """The organisations whose data subjects can turn to this portal."""
    organisations = Organisation.objects.only("name", "slug")
    return render(request, "requests_portal/index.html", {"organisations": organisations})


def _ip_key(group, request) -> str:
    return client_ip(request)


def _email_key(group, request) -> str:
    return request.POST.get("email", "").strip().lower()


def _rate_limited(request) -> bool:
    """Ten requests an hour from one address, five for one e-mail address: counted on every submission."""
    by_ip = is_ratelimited(request, group="request-form-ip", key=_ip_key, rate=FORM_RATE_PER_IP, increment=True)
    by_email = is_ratelimited(
        request, group="request-form-email", key=_email_key, rate=FORM_RATE_PER_EMAIL, increment=True
    )
    return by_ip or by_email


@require_http_methods(["GET", "POST"])
def request_form(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    if request.method == "POST" and _rate_limited(request):
        return render(request, "requests_portal/rate_limited.html", {"organisation": organisation}, status=429)
    form = RequestForm(request.POST or None, request.FILES or None, asks_id_copy=organisation.asks_id_copy)
    if form.is_valid():
        _submit(request, organisation, form)
        return redirect("requests_portal:submitted", slug=organisation.slug)
    return render(request, "requests_portal/form.html", {"organisation": organisation, "form": form})


def _submit(request, organisation, form) -> None:
    data = form.cleaned_data
    subject_request, raw_token = request_create(
        organisation=organisation,
        kind=data["kind"],
        name=data["name"],
        email=data["email"],
        message=data["message"],
        language=translation.get_language(),
        on_behalf=data.get("on_behalf") or "",
        on_behalf_of=data.get("on_behalf_of") or "",
        uploads=form.uploads(),
        now=timezone.now(),
    )
    base_url = request.build_absolute_uri("/")
    requester_mail(
        request=subject_request,
        template="verify",
        context={"verify_url": request.build_absolute_uri(verify_path(raw_token))},
        base_url=base_url,
    )


def request_submitted(request, slug):
    """The same page for everyone: it does not reveal whether the organisation knows the person."""
    organisation = get_object_or_404(Organisation, slug=slug)
    return render(request, "requests_portal/submitted.html", {"organisation": organisation})


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request, token):
    """GET asks for a click, POST confirms: mail scanners that open links must not use up the token."""
    if request.method == "GET":
        return render(request, "requests_portal/verify.html", {"token": token})
    subject_request = request_verify(raw_token=token, now=timezone.now())
    if subject_request is None:
        return render(request, "requests_portal/verify_invalid.html", status=404)
    requester_mail(
        request=subject_request,
        template="received",
        context={"status_path": status_path(subject_request)},
        base_url=request.build_absolute_uri("/"),
    )
    return redirect(status_path(subject_request))


def _request_for_token(token) -> SubjectRequest:
    pk = request_from_status_token(token)
    if pk is None:
        raise Http404
    return get_object_or_404(
        SubjectRequest.objects.select_related("organisation", "package"), pk=pk, email_verified_at__isnull=False
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request, token):
    subject_request = _request_for_token(token)
    form = ReplyForm(request.POST or None)
    if form.is_valid():
        requester_reply(request=subject_request, text=form.cleaned_data["text"], now=timezone.now())
        return redirect(status_path(subject_request))
    events = subject_request.events.filter(visible_to_requester=True).exclude(kind=RequestEvent.Kind.EMAIL)
    context = {
        "request_obj": subject_request,
        "events": events,
        "form": form,
        "token": token,
        "package": getattr(subject_request, "package", None),
        "open": subject_request.status in SubjectRequest.OPEN,
    }
    response = render(request, "requests_portal/status.html", context)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
def answer_download(request, token, fmt):
    subject_request = _request_for_token(token)
    package = getattr(subject_request, "package", None)
    if package is None or fmt not in ("pdf", "json", "csv"):
        raise Http404
    try:
        content, content_type, filename = access_package_download(package=package, fmt=fmt, now=timezone.now())
    except PackageExpired:
        return render(request, "requests_portal/answer_expired.html", {"request_obj": subject_request}, status=410)
    response = HttpResponse(content, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
