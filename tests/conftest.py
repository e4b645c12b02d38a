import os

import pytest

CI = os.environ.get("CI") == "true"


def require(available: bool, reason: str) -> None:
    """Skip a test whose component this machine lacks; in CI the component must be there, so fail."""
    if available:
        return
    if CI:
        pytest.fail(f"{reason}: CI must provide it")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_offline_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The HTTPS redirect is tested against gunicorn with production settings (test_production.py).
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def organisation(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory()
