"""The one settings module, loaded as the environment gives it (each case in a fresh process)."""

import os

import pytest

from tests.conftest import require
from tests.processes import BASE_DIR, PRODUCTION_ENV, manage, project_env

SETTINGS = "from django.conf import settings as s; "


def shell(script: str, env: dict[str, str]):
    return manage("shell", "--no-imports", "-c", script, env=env)


def test_embedded_defaults_need_no_server(tmp_path):
    env = project_env(tmp_path, DATABASE_URL="", REDIS_URL="", DEBUG="1", EMAIL_URL="")
    result = shell(
        SETTINGS + "d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], s.CELERY_BROKER_URL, s.MAILERS['default']['BACKEND'], s.TIME_ZONE, "
        "s.LANGUAGE_CODE)",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        str(BASE_DIR / "db.sqlite3"),
        "filesystem://",
        "django.core.mail.backends.console.EmailBackend",
        "Europe/Amsterdam",
        "nl",
    ]


def test_settings_load_on_postgresql(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    require(url.startswith("postgres"), "DATABASE_URL does not point to PostgreSQL")
    connect = "from django.db import connection as c; c.ensure_connection(); print(c.vendor, c.Database.__name__)"
    result = shell(connect, project_env(tmp_path, DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["postgresql", "psycopg"]


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = manage("check", env=project_env(tmp_path, DEBUG="0", SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_is_clean(tmp_path):
    result = manage("check", "--fail-level", "WARNING", env=project_env(tmp_path, DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=project_env(tmp_path, **PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_migrations_match_the_models(tmp_path):
    result = manage("makemigrations", "--check", "--dry-run", env=project_env(tmp_path, DEBUG="1"))
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
def test_production_is_secure_by_default(tmp_path, name, expected):
    result = shell(SETTINGS + f"print(s.{name})", project_env(tmp_path, **PRODUCTION_ENV))
    assert result.stdout.strip() == expected, result.stderr


def test_ssl_redirect_can_be_switched_off_for_a_proxy(tmp_path):
    env = project_env(tmp_path, **{**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "0"})
    result = shell(SETTINGS + "print(s.SECURE_SSL_REDIRECT)", env)
    assert result.stdout.strip() == "False", result.stderr


def test_production_refuses_to_start_without_a_file_encryption_key(tmp_path):
    result = manage("check", env=project_env(tmp_path, **{**PRODUCTION_ENV, "FILE_ENCRYPTION_KEY": ""}))
    assert result.returncode != 0
    assert "FILE_ENCRYPTION_KEY is not set" in result.stderr
