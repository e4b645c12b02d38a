from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from register.demo import DEMO_SLUG, demo_populate
from register.models import Organisation
from requests_portal.demo import demo_job_runs, demo_requests


class Command(BaseCommand):
    help = "Create or refresh the fictional demo organisation 'demo' and its users (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo creates users with published passwords; it only runs with DEBUG=1.")
        logins = demo_populate()
        organisation = Organisation.objects.get(slug=DEMO_SLUG)
        demo_requests(organisation)
        demo_job_runs(organisation)
        self.stdout.write(self.style.SUCCESS("Demo organisation 'demo' is ready. Logins for /admin/:"))
        for login in logins:
            self.stdout.write(f"  {login.role}: {login.username} / {login.password}")
        self.stdout.write(
            f"  Second factor (each code works once; run demo again to restore): {', '.join(logins[0].codes)}"
        )
