import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.db import connection
from django.urls import reverse

from register.models import DataSubject, Relation
from register.roles import DPO
from tests.factories import ActivityFactory, DataSubjectFactory, OrganisationFactory, RelationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:register_datasubject_changelist")


@pytest.fixture
def fg(organisation):
    return UserFactory(role=DPO, member_of=[organisation])


@pytest.fixture
def subject(organisation):
    subject = DataSubjectFactory(organisation=organisation, name="Jan Jansen", email="jan@voorbeeld.nl")
    RelationFactory(subject=subject)
    return subject


@pytest.fixture
def stranger():
    """A subject of an organisation the FG is not a member of."""
    return DataSubjectFactory(name="Jan Vreemd", email="vreemd@voorbeeld.nl")


def names(response) -> list[str]:
    return [subject.name for subject in response.context["cl"].result_list]


def test_the_fg_opens_changelist_add_change_and_history(login, fg, subject):
    client = login(fg)
    change = reverse("admin:register_datasubject_change", args=[subject.pk])
    for url in (
        CHANGELIST,
        reverse("admin:register_datasubject_add"),
        change,
        reverse("admin:register_datasubject_history", args=[subject.pk]),
        reverse("admin:register_datasubject_delete", args=[subject.pk]),
    ):
        assert client.get(url).status_code == 200, url
    assert "Jan Jansen" in client.get(CHANGELIST).content.decode()


def test_search_finds_an_exact_address_and_the_start_of_a_name(login, fg, subject, organisation):
    DataSubjectFactory(organisation=organisation, name="Piet Pieters", email="piet@voorbeeld.nl")
    client = login(fg)
    assert names(client.get(CHANGELIST, {"q": "JAN@voorbeeld.nl"})) == ["Jan Jansen"]
    assert names(client.get(CHANGELIST, {"q": "jan@voorbeeld"})) == []  # a whole address, not part of one
    assert names(client.get(CHANGELIST, {"q": " jan  JANSEN "})) == ["Jan Jansen"]
    assert names(client.get(CHANGELIST, {"q": "jan j"})) == ["Jan Jansen"]
    # Anywhere in the name where a trigram index serves it (PostgreSQL); only the start elsewhere.
    anywhere = connection.vendor == "postgresql"
    assert names(client.get(CHANGELIST, {"q": "jansen"})) == (["Jan Jansen"] if anywhere else [])


def test_another_organisations_subject_is_not_found(login, fg, subject, stranger):
    client = login(fg)
    for view in ("change", "history", "delete"):
        assert client.get(reverse(f"admin:register_datasubject_{view}", args=[stranger.pk])).status_code == 404
    assert names(client.get(CHANGELIST)) == ["Jan Jansen"]
    assert names(client.get(CHANGELIST, {"q": "vreemd@voorbeeld.nl"})) == []


def relation_form(subject: DataSubject, activity) -> dict:
    return {
        "organisation": subject.organisation_id,
        "name": subject.name,
        "email": subject.email,
        "attributes": "{}",
        "relations-TOTAL_FORMS": "1",
        "relations-INITIAL_FORMS": "0",
        "relations-0-activity": activity.pk,
        "relations-0-started_on": "2025-01-01",
    }


def test_a_relation_links_only_to_an_activity_of_the_subjects_organisation(login, organisation, subject):
    other = OrganisationFactory()
    fg = UserFactory(role=DPO, member_of=[organisation, other])
    url = reverse("admin:register_datasubject_change", args=[subject.pk])
    client = login(fg)

    response = client.post(url, relation_form(subject, ActivityFactory(organisation=other)))
    assert response.status_code == 200
    assert "activity" in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert subject.relations.count() == 1

    own = ActivityFactory(organisation=organisation)
    assert client.post(url, relation_form(subject, own)).status_code == 302
    assert subject.relations.filter(activity=own).exists()


def test_a_relation_to_an_activity_the_user_cannot_see_is_refused(login, fg, subject):
    response = login(fg).post(
        reverse("admin:register_datasubject_change", args=[subject.pk]), relation_form(subject, ActivityFactory())
    )
    assert response.status_code == 200
    assert "activity" in response.context["inline_admin_formsets"][0].formset.errors[0]
    assert subject.relations.count() == 1


def test_the_activity_autocomplete_offers_only_the_users_activities(login, fg, subject):
    ActivityFactory(name="Verwerking van een ander")
    response = login(fg).get(
        reverse("admin:autocomplete"),
        {"app_label": "register", "model_name": "relation", "field_name": "activity", "term": "Verwerking"},
    )
    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == [str(subject.relations.get().activity)]


def test_deleting_in_the_admin_erases_history_too(login, fg, subject):
    subject.phone = "06-12345678"
    subject.save()
    client = login(fg)
    response = client.post(reverse("admin:register_datasubject_delete", args=[subject.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not DataSubject.history.model.objects.filter(id=subject.pk).exists()
    assert not Relation.history.model.objects.filter(subject_id=subject.pk).exists()
    assert not LogEntry.objects.filter(object_repr__contains="Jan Jansen").exists()
    assert LogEntry.objects.get(object_id=str(subject.pk)).action_flag == DELETION  # who, when; not whom


def test_deleting_selected_subjects_erases_them(login, fg, subject, organisation):
    other = DataSubjectFactory(organisation=organisation)
    response = login(fg).post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [subject.pk, other.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not DataSubject.objects.exists()
    assert not DataSubject.history.model.objects.exists()


def test_a_search_costs_the_same_queries_for_50_and_5000_subjects(
    login, fg, organisation, django_assert_max_num_queries
):
    DataSubject.objects.bulk_create(
        DataSubject(organisation=organisation, name=f"Lid {n:05d}", email=f"lid{n}@voorbeeld.nl") for n in range(50)
    )
    client = login(fg)
    search = {"q": "Lid 0"}
    client.get(CHANGELIST, search)  # warm the caches: content types, permissions, the session
    # 1 savepoint of the atomic request, 2 session, 3 user, 4 OTP device, 5 the user's permissions and 6 their
    # groups' (the admin checks them per request), 7 the user's organisations for the filter, 8 COUNT of the
    # search, 9 the page of subjects joined with their organisation, 10 release. None per subject.
    with django_assert_max_num_queries(10) as small:
        assert len(names(client.get(CHANGELIST, search))) == 50
    DataSubject.objects.bulk_create(
        DataSubject(organisation=organisation, name=f"Lid {n:05d}", email=f"lid{n}@voorbeeld.nl")
        for n in range(50, 5_000)
    )
    with django_assert_max_num_queries(10) as large:
        assert len(names(client.get(CHANGELIST, search))) == 100
    assert len(large) == len(small)
