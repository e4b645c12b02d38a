import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from register.models import Organisation
from register.roles import BOARD, DPO

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_prints_working_logins(settings, client, capsys):
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")
    output = capsys.readouterr().out
    assert Organisation.objects.filter(slug="demo").count() == 1
    demo = Organisation.objects.get(slug="demo")
    assert demo.members.count() == 2
    for role, username in ((DPO, "fg"), (BOARD, "bestuur")):
        user = get_user_model().objects.get(username=username)
        assert user.groups.filter(name=role).exists()
        password = output.split(f"{username} / ")[1].split()[0]
        code = output.split("run demo again to restore): ")[1].split(",")[0]
        login = {"username": username, "password": password, "otp_token": code}
        assert client.post("/admin/login/", login).status_code == 302
        assert client.get("/admin/").status_code == 200
        client.logout()


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("demo")
    assert not Organisation.objects.exists()


def test_a_second_demo_run_changes_no_table_history_included(settings):
    settings.DEBUG = True
    call_command("demo")
    before = {model._meta.label: model.objects.count() for model in apps.get_models()}
    call_command("demo")
    after = {model._meta.label: model.objects.count() for model in apps.get_models()}
    assert after == before


def test_the_demo_register_shows_findings_and_what_is_due(settings, login):
    from django.urls import reverse

    settings.DEBUG = True
    call_command("demo")
    fg = get_user_model().objects.get(username="fg")
    dashboard = login(fg).get(reverse("admin:index")).context["dashboard"]
    assert dashboard.incomplete_activities > 0
    assert dashboard.open_breaches
    assert dashboard.agreements_expiring
