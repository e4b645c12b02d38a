"""The one settings module, loaded as the environment gives it (each case in a fresh process)."""

import os

import pytest

from tests.conftest import require
from tests.processes import PRODUCTION_ENV, manage, project_env

SHOW = "from django.conf import settings as s; from django.db import connection as c; c.ensure_connection(); "


def test_embedded_defaults_need_no_server(tmp_path):
    env = project_env(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", REDIS_URL="", DEBUG="1", EMAIL_URL="")
    script = SHOW + "print(c.vendor, s.CELERY_BROKER_URL, s.MAILERS['default']['BACKEND'], s.TIME_ZONE, s.LANGUAGE_CODE)"
    result = manage("shell", "--no-imports", "-c", script, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "sqlite", "filesystem://", "django.core.mail.backends.console.EmailBackend", "Europe/Amsterdam", "nl",
    ]


def test_settings_load_on_postgresql():
    url = os.environ.get("DATABASE_URL", "")
    require(url.startswith("postgres"), "DATABASE_URL does not point to PostgreSQL")
    result = manage("shell", "--no-imports", "-c", SHOW + "print(c.vendor, c.Database.__name__)", env=project_env(DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["postgresql", "psycopg"]


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", env=project_env(DEBUG="0", SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_is_clean():
    result = manage("check", "--fail-level", "WARNING", env=project_env(DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=project_env(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrations_match_the_models():
    result = manage("makemigrations", "--check", "--dry-run", env=project_env(DEBUG="1"))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SECURE_HSTS_SECONDS", "31536000"),
        ("SESSION_COOKIE_SECURE", "True"),
        ("CSRF_COOKIE_SECURE", "True"),
        ("SECURE_SSL_REDIRECT", "True"),
        ("X_FRAME_OPTIONS", "DENY"),
    ],
)
def test_production_is_secure_by_default(name, expected):
    result = manage("shell", "--no-imports", "-c", f"from django.conf import settings; print(settings.{name})",
                    env=project_env(**PRODUCTION_ENV))
    assert result.stdout.strip() == expected, result.stderr


def test_ssl_redirect_can_be_switched_off_for_a_proxy():
    env = project_env(**PRODUCTION_ENV, SECURE_SSL_REDIRECT="0")
    result = manage("shell", "--no-imports", "-c", "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)", env=env)
    assert result.stdout.strip() == "False", result.stderr
