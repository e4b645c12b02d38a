"""The production web process (gunicorn, DEBUG off) sends the security headers and redirects to HTTPS."""

import http.client
import re

import pytest

from tests.processes import PRODUCTION_ENV, WEB_COMMAND, free_port, manage, project_env, running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("web")
    port = free_port()
    env = project_env(
        tmp_path,
        **PRODUCTION_ENV,
        STATIC_ROOT=str(tmp_path / "static"),
        USE_X_FORWARDED_PROTO="1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    collected = manage("collectstatic", "--noinput", env=env)
    assert collected.returncode == 0, collected.stderr
    with running(WEB_COMMAND, env, ready=r"Booting worker"):
        yield port


HTTPS = {"Host": "register.example", "X-Forwarded-Proto": "https"}


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read().decode()
    return response


def test_plain_http_is_redirected_to_https(web):
    response = get(web, "/", {"Host": "register.example"})
    assert response.status == 301
    assert response.getheader("Location") == "https://register.example/"


def test_security_headers(web):
    response = get(web, "/", HTTPS)
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    csp = response.getheader("Content-Security-Policy")
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    cookies = response.getheader("Set-Cookie")
    assert "csrftoken" in cookies
    assert "Secure" in cookies
    assert "HttpOnly" in cookies


def test_static_files_are_served_by_the_app_with_hashed_names(web):
    page = get(web, "/", HTTPS)
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.body).group(1)
    css = get(web, stylesheet, HTTPS)
    assert css.status == 200
    assert css.getheader("Content-Type").startswith("text/css")
    assert "max-age=315360000" in css.getheader("Cache-Control")


def test_unknown_host_is_refused(web):
    response = get(web, "/", {"Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert response.status == 400


def test_health_check_answers_on_plain_http_and_any_host(web):
    response = get(web, "/healthz", {"Host": "localhost:8000"})
    assert response.status == 200
