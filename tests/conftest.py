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
    from django.core.cache import cache

    cache.clear()  # rate-limit counters must not leak from one test into the next


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    """Each test's encrypted private files go to a folder of its own, never to the project's var/."""
    settings.PRIVATE_DIR = tmp_path / "private"
    settings.PRIVATE_DIR.mkdir()
    return settings.PRIVATE_DIR


@pytest.fixture
def organisation(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory()


def otp_login(client, user) -> None:
    """Log a staff user in with both factors, as the admin requires (a static backup code as the second)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    device, _ = StaticDevice.objects.get_or_create(user=user, name="test")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def login(client):
    """`login(user)` logs the test client in with two factors and returns it."""

    def _login(user):
        otp_login(client, user)
        return client

    return _login
