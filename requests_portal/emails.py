"""Every mail to a requester: in their language, with the reference and the due date, logged on the timeline."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import RequestEvent, SubjectRequest


def requester_mail(*, request: SubjectRequest, template: str, context: dict, base_url: str) -> None:
    """Render `requests_portal/email/<template>_subject.txt` and `_body.txt` in the requester's language,
    send them, and record the mail on the request's timeline (visible to the requester)."""
    with translation.override(request.requester_language):
        context = {"request": request, "base_url": base_url.rstrip("/"), **context}
        subject = " ".join(render_to_string(f"requests_portal/email/{template}_subject.txt", context).split())
        body = render_to_string(f"requests_portal/email/{template}_body.txt", context)
    EmailMessage(subject=subject, body=body, to=[request.requester_email]).send()
    RequestEvent.objects.create(
        request=request, at=timezone.now(), kind=RequestEvent.Kind.EMAIL, text=subject, visible_to_requester=True
    )
