"""Staff log in with a password and a second factor; failed logins lock the username from that address only."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from register.roles import DPO
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord"
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")


@pytest.fixture
def officer(organisation):
    user = UserFactory(username="fenna", role=DPO, member_of=[organisation])
    StaticDevice.objects.create(user=user, name="backup").token_set.create(token="12345678")
    return user


def log_in(client, code, username="fenna", password=PASSWORD, ip="10.0.0.1"):
    data = {"username": username, "password": password, "otp_token": code, "next": INDEX}
    return client.post(LOGIN, data, REMOTE_ADDR=ip)


def test_password_and_code_let_the_officer_in(client, officer):
    response = log_in(client, "12345678")
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


def test_a_code_works_only_once(client, officer):
    log_in(client, "12345678")
    client.logout()
    response = log_in(client, "12345678")
    assert response.status_code == 200
    assert "Deze verificatiecode klopt niet" in response.content.decode()


@pytest.mark.parametrize("code", ["", "654321"])
def test_password_alone_or_a_wrong_code_is_refused(client, officer, code):
    response = log_in(client, code)
    assert response.status_code == 200
    assert client.get(INDEX).status_code == 302


def test_a_logged_in_but_unverified_user_cannot_use_the_admin(client, officer):
    client.force_login(officer)
    assert client.get(INDEX).status_code == 302


def test_staff_without_a_device_cannot_log_in(client, organisation):
    UserFactory(username="nieuw", role=DPO, member_of=[organisation])
    assert log_in(client, "12345678", username="nieuw").status_code == 200
    assert client.get(INDEX).status_code == 302


def test_the_officer_adds_an_authenticator_app(client, officer, time_machine):
    time_machine.move_to("2026-11-24 10:00:00+01:00", tick=False)
    log_in(client, "12345678")
    page = client.get(reverse("admin:totp_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    assert client.post(reverse("admin:totp_setup"), {"token": "000000"}).status_code == 200
    time_machine.shift(10)  # past the throttle that follows a wrong code
    response = client.post(reverse("admin:totp_setup"), {"token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_five_failures_lock_the_username_from_that_address_only(client, officer):
    for _ in range(5):
        log_in(client, "12345678", password="fout-wachtwoord")
    locked = log_in(client, "12345678")
    assert locked.status_code == 429
    assert "30 minuten" in locked.content.decode()
    # The officer, from another address, still gets in: an attacker cannot lock her out.
    assert log_in(client, "12345678", ip="10.0.0.2").status_code == 302


def test_the_lock_ends_after_thirty_minutes(client, officer, time_machine):
    time_machine.move_to("2026-11-24 10:00:00+01:00", tick=False)
    for _ in range(5):
        log_in(client, "12345678", password="fout-wachtwoord")
    assert log_in(client, "12345678").status_code == 429  # an attempt while locked counts too
    time_machine.move_to("2026-11-24 10:30:01+01:00", tick=False)
    assert log_in(client, "12345678").status_code == 302
