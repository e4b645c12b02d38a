"""The FG's admin: every page opens, queries stay fixed with the data size, and the rules show."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from register.models import (
    Breach,
    DataCategory,
    ProcessingActivity,
    ProcessingAgreement,
    Processor,
    RetentionRule,
    SubjectCategory,
)
from register.roles import DPO
from tests.factories import ActivityFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MODELS = [
    "organisation", "datacategory", "subjectcategory", "recipient", "processor", "processingagreement",
    "processingactivity", "authorisation", "control", "breach",
]  # fmt: skip


@pytest.fixture
def officer_client(login, organisation):
    return login(UserFactory(role=DPO, member_of=[organisation]))


def many_activities(organisation, count: int) -> None:
    """`count` activities, each linked to categories, a processor and a retention rule, in a few queries."""
    category = DataCategory.objects.create(organisation=organisation, name="Gezondheid", kind="special")
    subjects = SubjectCategory.objects.create(organisation=organisation, name="Cliënten")
    processor = Processor.objects.create(organisation=organisation, name="Hoster")
    activities = ProcessingActivity.objects.bulk_create(
        ProcessingActivity(organisation=organisation, reference=f"{n // 100}.{n % 100}", name=f"Verwerking {n}")
        for n in range(count)
    )
    for field, target in (("data_categories", category), ("subject_categories", subjects), ("processors", processor)):
        through = getattr(ProcessingActivity, field).through
        column = f"{target._meta.model_name}_id"
        through.objects.bulk_create(through(processingactivity_id=a.pk, **{column: target.pk}) for a in activities)
    RetentionRule.objects.bulk_create(RetentionRule(activity=a, period=1) for a in activities)


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_search_and_add_page_opens(officer_client, organisation, model):
    ActivityFactory(organisation=organisation)
    changelist = reverse(f"admin:register_{model}_changelist")
    assert officer_client.get(changelist).status_code == 200
    assert officer_client.get(changelist, {"q": "zoek"}).status_code == 200
    add = officer_client.get(reverse(f"admin:register_{model}_add"))
    assert add.status_code == (403 if model == "organisation" else 200)


@pytest.mark.parametrize("params", [{}, {"complete": "no"}, {"special": "special"}, {"dpia": "required"}])
def test_activity_changelist_queries_do_not_grow_with_the_data(
    officer_client, organisation, django_assert_max_num_queries, params
):
    many_activities(organisation, 1200)
    url = reverse("admin:register_processingactivity_changelist")
    officer_client.get(url, params)  # warm the session and content-type caches
    # savepoint and release (ATOMIC_REQUESTS), session, user, OTP device, user and group permissions,
    # organisation filter choices, total count, filtered count, the page with its findings, group filter values
    with django_assert_max_num_queries(12):
        response = officer_client.get(url, params)
    assert response.status_code == 200


def test_activity_change_page_queries_do_not_grow_with_the_data(
    officer_client, organisation, django_assert_max_num_queries
):
    many_activities(organisation, 1200)
    activity = ProcessingActivity.objects.filter(organisation=organisation).first()
    url = reverse("admin:register_processingactivity_change", args=[activity.pk])
    officer_client.get(url)
    # savepoint and release, session, user, OTP device, the activity with its findings, user and group
    # permissions, the four selected M2M lists, the retention rule inline and its kept categories, the
    # organisation choices, and the selected options of three autocomplete widgets as they render
    with django_assert_max_num_queries(18):
        response = officer_client.get(url)
    assert response.status_code == 200


def test_changelist_shows_the_completeness_badge_and_dpia(officer_client, organisation):
    ActivityFactory(organisation=organisation, name="Compleet")
    ActivityFactory(organisation=organisation, name="Onvolledig", purposes="", dpia_required=True)
    html = officer_client.get(reverse("admin:register_processingactivity_changelist")).content.decode()
    assert "badge-ok" in html
    assert "2 items missing" in html or "2 onderdelen ontbreken" in html
    assert "DPIA" in html
    incomplete = officer_client.get(reverse("admin:register_processingactivity_changelist"), {"complete": "no"})
    assert "Onvolledig" in incomplete.content.decode()
    assert "Compleet" not in incomplete.content.decode()


def test_dpia_checklist_sets_dpia_required(officer_client, organisation):
    activity = ActivityFactory(organisation=organisation)
    url = reverse("admin:register_processingactivity_change", args=[activity.pk])
    form_class = officer_client.get(url).context["adminform"].form.__class__
    data = {"organisation": organisation.pk, "reference": "1.1", "name": "Camera", "role": "controller",
            "status": "active"}  # fmt: skip
    one_criterion = form_class(data={**data, "dpia_edpb_criteria": ["large_scale"]}, instance=activity)
    assert one_criterion.is_valid(), one_criterion.errors
    assert one_criterion.save().dpia_required is False
    two = form_class(data={**data, "dpia_edpb_criteria": ["large_scale", "sensitive_data"]}, instance=activity)
    assert two.is_valid() and two.save().dpia_required is True
    ap_type = form_class(data={**data, "dpia_ap_types": ["camera_surveillance"]}, instance=activity)
    assert ap_type.is_valid() and ap_type.save().dpia_required is True


def test_a_breach_is_due_after_the_organisations_window(officer_client, organisation):
    discovered = datetime(2026, 10, 23, 12, 0, tzinfo=AMSTERDAM)
    data = {
        "organisation": organisation.pk, "title": "Verkeerd gemaild", "description": "Ledenlijst naar verkeerde",
        "discovered_at_0": "23-10-2026", "discovered_at_1": "12:00:00", "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = officer_client.post(reverse("admin:register_breach_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    breach = Breach.objects.get()
    assert breach.discovered_at == discovered
    assert breach.notification_due_at == discovered.astimezone(UTC) + timedelta(hours=120)
    assert breach.notification_due_at.astimezone(AMSTERDAM).hour == 11  # the clocks went back on 25 October
    assert breach.statutory_due_at.astimezone(AMSTERDAM) == datetime(2026, 10, 26, 11, 0, tzinfo=AMSTERDAM)


def test_a_yearly_agreement_without_end_date_runs_a_year(officer_client, organisation):
    processor = Processor.objects.create(organisation=organisation, name="Mailprovider")
    data = {"processor": processor.pk, "signed_on": "29-02-2028", "renewed_yearly": "on"}
    response = officer_client.post(reverse("admin:register_processingagreement_add"), data)
    assert response.status_code == 302
    assert ProcessingAgreement.objects.get().valid_until == date(2029, 2, 28)


def test_dashboard_shows_what_needs_attention(officer_client, organisation, time_machine):
    time_machine.move_to(datetime(2026, 11, 24, 9, 0, tzinfo=AMSTERDAM), tick=False)
    ActivityFactory(organisation=organisation, purposes="")
    processor = Processor.objects.create(organisation=organisation, name="Salarisverwerker")
    ProcessingAgreement.objects.create(processor=processor, signed_on=date(2025, 12, 1), valid_until=date(2026, 12, 1))
    Breach.objects.create(
        organisation=organisation, title="Laptop gestolen", description="...",
        discovered_at=datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM),
        notification_due_at=datetime(2026, 11, 28, 9, 0, tzinfo=AMSTERDAM),
    )  # fmt: skip
    dashboard = officer_client.get(reverse("admin:index")).context["dashboard"]
    assert dashboard.incomplete_activities == 1
    assert [a.processor.name for a in dashboard.agreements_expiring] == ["Salarisverwerker"]
    assert [b.title for b in dashboard.open_breaches] == ["Laptop gestolen"]
    html = officer_client.get(reverse("admin:index")).content.decode()
    assert "Laptop gestolen" in html
    assert "Salarisverwerker" in html


def test_register_as_it_stood_on_a_date(officer_client, organisation, time_machine):
    time_machine.move_to(datetime(2026, 1, 10, 12, 0, tzinfo=AMSTERDAM), tick=False)
    activity = ActivityFactory(organisation=organisation, name="Nieuwsbrief")
    time_machine.move_to(datetime(2026, 6, 1, 12, 0, tzinfo=AMSTERDAM), tick=False)
    activity.name = "Nieuwsbrief en uitnodigingen"
    activity.save()
    ActivityFactory(organisation=organisation, name="Zonnepanelenproject")
    url = reverse("admin:register_processingactivity_as_of")
    then = officer_client.get(url, {"organisation": organisation.pk, "date": "2026-03-01"}).content.decode()
    assert "Nieuwsbrief" in then
    assert "Nieuwsbrief en uitnodigingen" not in then
    assert "Zonnepanelenproject" not in then
    now = officer_client.get(url, {"organisation": organisation.pk, "date": "2026-06-01"}).content.decode()
    assert "Nieuwsbrief en uitnodigingen" in now
    assert "Zonnepanelenproject" in now


def test_history_is_read_only(officer_client, organisation):
    activity = ActivityFactory(organisation=organisation)
    activity.name = "Gewijzigd"
    activity.save()
    history = officer_client.get(reverse("admin:register_processingactivity_history", args=[activity.pk]))
    assert history.status_code == 200
    record = activity.history.earliest()
    revert = reverse("admin:register_processingactivity_simple_history", args=[activity.pk, record.history_id])
    officer_client.post(revert, {"name": "Teruggezet"})
    activity.refresh_from_db()
    assert activity.name == "Gewijzigd"


def test_every_change_is_kept_with_who_and_when(officer_client, organisation):
    activity = ActivityFactory(organisation=organisation, name="Nieuwsbrief")
    url = reverse("admin:register_processingactivity_change", args=[activity.pk])
    form = officer_client.get(url).context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)},
        "organisation": organisation.pk, "name": "Nieuwsbrief en uitnodigingen",
        "subject_categories": [c.pk for c in activity.subject_categories.all()],
        "data_categories": [c.pk for c in activity.data_categories.all()],
        "retention_rules-TOTAL_FORMS": 0, "retention_rules-INITIAL_FORMS": 0,
    }  # fmt: skip
    response = officer_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = activity.history.latest()
    assert latest.name == "Nieuwsbrief en uitnodigingen"
    assert latest.history_user.username.startswith("user")
    assert latest.prev_record.name == "Nieuwsbrief"


def test_the_officer_cannot_change_who_belongs_to_the_organisation(officer_client, organisation):
    page = officer_client.get(reverse("admin:register_organisation_change", args=[organisation.pk]))
    assert "members" not in page.context["adminform"].form.fields


def test_two_saves_in_the_same_instant_show_once_as_of_a_date(officer_client, organisation, time_machine):
    time_machine.move_to(datetime(2026, 1, 10, 12, 0, tzinfo=AMSTERDAM), tick=False)
    activity = ActivityFactory(organisation=organisation, name="Eerste versie")
    activity.name = "Tweede versie"
    activity.save()  # the same frozen instant as the first save
    page = officer_client.get(
        reverse("admin:register_processingactivity_as_of"), {"organisation": organisation.pk, "date": "2026-01-10"}
    )
    assert [a.name for a in page.context["activities"]] == ["Tweede versie"]


def _deficiencies_and_reports(organisation, count: int) -> None:
    from register.models import AnnualReport, Deficiency

    Deficiency.objects.bulk_create(
        Deficiency(organisation=organisation, found_on=date(2025, 1, 1), description=f"Tekort {n}", measure="Doen")
        for n in range(count)
    )
    AnnualReport.objects.bulk_create(
        AnnualReport(
            organisation=organisation, year=2000 + count, version=n + 1, language="nl", sha256=f"{n:064x}",
            generated_at=datetime(2026, 1, 5, tzinfo=UTC), generated_by_name="FG", pdf=b"%PDF-1.7",
        )
        for n in range(count)
    )  # fmt: skip


@pytest.mark.parametrize("model", ["deficiency", "annualreport"])
def test_deficiency_and_report_archive_changelists_keep_their_queries(
    officer_client, organisation, django_assert_max_num_queries, model
):
    url = reverse(f"admin:register_{model}_changelist")
    _deficiencies_and_reports(organisation, 3)
    officer_client.get(url)  # warm the session and content-type caches
    # savepoint and release, session, user, OTP device, permissions, organisation filter choices, the counts,
    # the page (the archive without its PDFs), and the filters' own lists
    with django_assert_max_num_queries(13) as few:
        assert officer_client.get(url).status_code == 200
    _deficiencies_and_reports(organisation, 60)
    with django_assert_max_num_queries(13) as many:
        assert officer_client.get(url).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_dashboard_reminds_the_fg_and_the_board_of_last_years_report(login, organisation, time_machine):
    from register.models import AnnualReport
    from register.roles import BOARD, STAFF

    time_machine.move_to(datetime(2025, 6, 1, 9, 0, tzinfo=AMSTERDAM), tick=False)
    ActivityFactory(organisation=organisation)  # the register existed last year
    time_machine.move_to(datetime(2026, 1, 5, 9, 0, tzinfo=AMSTERDAM), tick=False)
    tiles = {}
    for role in (DPO, BOARD, STAFF):
        page = login(UserFactory(role=role, member_of=[organisation])).get(reverse("admin:index"))
        tiles[role] = {tile.get("key"): tile for tile in page.context["tiles"]}
    tile = tiles[DPO]["yearly_report"]
    assert tile["figure"] == 1 and tile["items"] == [(reverse("board:index"), organisation.name)]
    assert "2025" in tile["title"] and "yearly_report" in tiles[BOARD]
    assert "yearly_report" not in tiles[STAFF]  # the board page is not theirs
    AnnualReport.objects.create(
        organisation=organisation, year=2025, version=1, language="nl", sha256="0" * 64,
        generated_at=datetime(2026, 1, 5, tzinfo=UTC), generated_by_name="FG", pdf=b"%PDF-1.7",
    )  # fmt: skip
    client = login(UserFactory(role=DPO, member_of=[organisation]))
    tiles = {tile.get("key"): tile for tile in client.get(reverse("admin:index")).context["tiles"]}
    assert tiles["yearly_report"]["figure"] == 0
