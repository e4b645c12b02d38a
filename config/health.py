from django.db import connection
from django.http import HttpResponse


class HealthCheckMiddleware:
    """Answers `/healthz` before host validation and the HTTPS redirect, so a container health check
    can call it on localhost over plain HTTP; it checks that the database answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != "/healthz":
            return self.get_response(request)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return HttpResponse("ok", content_type="text/plain")
