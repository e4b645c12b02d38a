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


# Last calendar year, for the yearly report


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("demo")
    return Organisation.objects.get(slug="demo")


def last_year_period():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    year = timezone.localdate().year - 1
    start = datetime(year, 1, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))
    return year, start, start.replace(year=year + 1)


def test_last_years_requests_are_on_time_extended_refused_late_and_a_complaint(demo):
    from django.db.models import F
    from django.db.models.functions import Coalesce, TruncDate

    from requests_portal.models import SubjectRequest

    year, start, end = last_year_period()
    requests = SubjectRequest.objects.filter(organisation=demo, received_at__gte=start, received_at__lt=end)
    assert requests.values("kind").distinct().count() >= 5
    assert len({r.received_at.month for r in requests}) >= 6
    assert requests.filter(extended_at__isnull=False, status="completed").count() == 1
    assert requests.get(status="refused").refusal_ground == SubjectRequest.RefusalGround.COMPELLING_GROUNDS
    answered = requests.alias(on=TruncDate("closed_at"), binding=Coalesce("extended_due_on", "legal_due_on"))
    assert answered.filter(on__gt=F("binding")).count() == 1  # one late
    assert answered.filter(on__lte=F("binding")).count() == requests.count() - 1
    assert requests.filter(kind="complaint").count() == 1
    assert all(reference.startswith(f"AVG-{year}-") for reference in requests.values_list("reference", flat=True))
    # Their history is dated as they happened, not when the demo ran.
    assert not SubjectRequest.history.filter(id__in=requests.values("pk"), history_date__gte=end).exists()


def test_last_years_breach_was_notified_after_72_within_120_hours(demo):
    from datetime import timedelta

    from register.models import Breach

    _, start, end = last_year_period()
    breach = Breach.objects.get(organisation=demo, discovered_at__gte=start, discovered_at__lt=end)
    assert timedelta(hours=72) < breach.authority_notified_at - breach.discovered_at <= timedelta(hours=120)
    assert breach.authority_reference
    assert breach.closed_at
    assert not breach.history.filter(history_date__gte=end).exists()


def test_last_years_clock_ran_every_night_with_counts_per_organisation(demo):
    from retention.models import JobRun

    _, start, end = last_year_period()
    runs = JobRun.objects.filter(started_at__gte=start, started_at__lt=end)
    sweeps = runs.filter(job="retention_sweep")
    assert sweeps.count() in (365, 366)
    assert sweeps.filter(outcome="failed").count() == 1
    assert any(key == "org:demo:erase" for counts in sweeps.values_list("counts", flat=True) for key in counts)
    assert set(runs.values_list("job", flat=True)) >= {"requests_anonymise", "request_uploads_destroy"}


def test_last_years_register_has_a_history(demo):
    from register.models import Authorisation, Control, Deficiency, ProcessingActivity
    from register.selectors import activities_as_of

    year, start, end = last_year_period()
    at_start, at_end = activities_as_of(demo, start), activities_as_of(demo, end)
    assert len(at_end) > len(at_start) > 0  # the energy-advice activities were added during the year
    changed = ProcessingActivity.history.filter(organisation_id=demo.pk, history_type="~")
    assert changed.filter(history_date__gte=start, history_date__lt=end).exists()
    reviews = Authorisation.history.filter(organisation_id=demo.pk, last_reviewed_on__year=year)
    assert reviews.values("id").distinct().count() >= 2
    controls = Control.history.filter(organisation_id=demo.pk)
    assert controls.filter(last_done_on__year=year).values("id").distinct().count() == 3
    late = Control.objects.get(organisation=demo, name__startswith="Vrijwilligers")
    assert (
        late.history.filter(next_due_on__year=year).get().next_due_on
        < late.history.filter(last_done_on__year=year).get().last_done_on
    )  # due in June, done in October: missed
    deficiencies = Deficiency.objects.filter(organisation=demo, found_on__year=year)
    assert deficiencies.count() == 2
    assert all(d.measure for d in deficiencies)
    assert deficiencies.filter(resolved_on__isnull=False).count() == 1


def test_the_board_member_downloads_last_years_report(demo, login):
    import io

    from pypdf import PdfReader

    year, _, _ = last_year_period()
    client = login(get_user_model().objects.get(username="bestuur"))
    response = client.post(f"/bestuur/demo/{year}/", {"language": "nl"})
    assert response.status_code == 200
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "Energiecoöperatie Zonnedael" in text
    assert f"M{year}-04817" in text  # the breach's AP reference
