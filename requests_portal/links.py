"""Links in mails to the requester. The status link carries a signed reference, so it can be sent again in
every mail without storing a secret; the verification link carries a random single-use token."""

from django.core import signing
from django.urls import reverse

STATUS_SALT = "requests_portal.status"


def status_token(request) -> str:
    return signing.dumps(request.pk, salt=STATUS_SALT)


def request_from_status_token(token: str) -> int | None:
    """The request id in a status token, or None when the token was not made by us."""
    try:
        return signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        return None


def verify_path(raw_token: str) -> str:
    return reverse("requests_portal:verify", args=[raw_token])


def status_path(request) -> str:
    return reverse("requests_portal:status", args=[status_token(request)])


def absolute(http_request, path: str) -> str:
    return http_request.build_absolute_uri(path) if http_request else path
