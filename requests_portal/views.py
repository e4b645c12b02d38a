from django.shortcuts import render

from register.models import Organisation


def portal_index(request):
    """The organisations whose data subjects can turn to this portal."""
    organisations = Organisation.objects.only("name", "slug", "dpo_name", "dpo_email", "contact_email")
    return render(request, "requests_portal/index.html", {"organisations": organisations})
