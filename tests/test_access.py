"""Staff see only their own organisations' records, everywhere; another organisation's record is a 404."""

import pytest
from django.contrib import admin
from django.urls import reverse

from register.access import organisations_for, visible_to
from register.models import ProcessingActivity
from register.roles import BOARD, DPO, STAFF
from tests.factories import ActivityFactory, DataCategoryFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_organisations():
    return OrganisationFactory(), OrganisationFactory()


def test_a_member_sees_only_their_organisation(two_organisations):
    mine, other = two_organisations
    user = UserFactory(member_of=[mine])
    assert list(organisations_for(user)) == [mine]


def test_a_superuser_sees_every_organisation(two_organisations):
    assert set(organisations_for(UserFactory(is_superuser=True))) == set(two_organisations)


@pytest.mark.parametrize("flags", [{"is_staff": False}, {"is_active": False}])
def test_non_staff_and_inactive_users_see_nothing(two_organisations, flags):
    user = UserFactory(member_of=list(two_organisations), **flags)
    assert not organisations_for(user).exists()
    assert not visible_to(user, ProcessingActivity.objects.all()).exists()


def test_visible_to_follows_a_path_to_the_organisation(two_organisations):
    mine, other = two_organisations
    ActivityFactory(organisation=mine, reference="1.1")
    ActivityFactory(organisation=other, reference="9.9")
    user = UserFactory(member_of=[mine])
    assert [a.reference for a in visible_to(user, ProcessingActivity.objects.all())] == ["1.1"]


@pytest.mark.parametrize("role", [DPO, BOARD, STAFF])
def test_every_role_lists_only_its_own_organisation(login, two_organisations, role):
    mine, other = two_organisations
    ActivityFactory(organisation=mine, name="Ledenadministratie")
    ActivityFactory(organisation=other, name="Huurdersdossier")
    client = login(UserFactory(role=role, member_of=[mine]))
    html = client.get(reverse("admin:register_processingactivity_changelist")).content.decode()
    assert "Ledenadministratie" in html
    assert "Huurdersdossier" not in html


@pytest.mark.parametrize(
    "url_name", ["admin:register_processingactivity_change", "admin:register_processingactivity_history"]
)
def test_another_organisations_activity_is_not_found(login, two_organisations, url_name):
    mine, other = two_organisations
    theirs = ActivityFactory(organisation=other)
    client = login(UserFactory(role=DPO, member_of=[mine]))
    assert client.get(reverse(url_name, args=[theirs.pk])).status_code == 404
    assert client.get(reverse(url_name, args=[ActivityFactory(organisation=mine).pk])).status_code == 200


def test_another_organisation_is_not_found(login, two_organisations):
    mine, other = two_organisations
    client = login(UserFactory(role=DPO, member_of=[mine]))
    assert client.get(reverse("admin:register_organisation_change", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:register_organisation_change", args=[mine.pk])).status_code == 200


def test_autocomplete_offers_only_own_reference_lists(login, two_organisations):
    mine, other = two_organisations
    DataCategoryFactory(organisation=mine, name="E-mailadres")
    DataCategoryFactory(organisation=other, name="E-mailadres klant")
    client = login(UserFactory(role=DPO, member_of=[mine]))
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "mail", "app_label": "register", "model_name": "processingactivity", "field_name": "data_categories"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["E-mailadres"]


def test_an_activity_cannot_link_another_organisations_category(rf, two_organisations):
    mine, other = two_organisations
    theirs = DataCategoryFactory(organisation=other)
    activity = ActivityFactory(organisation=mine)
    request = rf.get("/")
    request.user = UserFactory(role=DPO, member_of=[mine, other])
    form_class = admin.site._registry[ProcessingActivity].get_form(request, activity)
    data = {"organisation": mine.pk, "reference": "1.1", "name": "Leden", "role": "controller", "status": "active"}
    form = form_class(data={**data, "data_categories": [theirs.pk]}, instance=activity)
    assert not form.is_valid()
    assert "data_categories" in form.errors
    assert form_class(data=data, instance=activity).is_valid()


def test_the_board_and_staff_cannot_change_the_register(login, organisation):
    activity = ActivityFactory(organisation=organisation)
    for role in (BOARD, STAFF):
        client = login(UserFactory(role=role, member_of=[organisation]))
        response = client.post(reverse("admin:register_processingactivity_change", args=[activity.pk]), {})
        assert response.status_code == 403
        assert client.get(reverse("admin:register_processingactivity_add")).status_code == 403


def test_only_a_superuser_adds_organisations(login, organisation):
    client = login(UserFactory(role=DPO, member_of=[organisation]))
    assert client.get(reverse("admin:register_organisation_add")).status_code == 403
    assert login(UserFactory(is_superuser=True)).get(reverse("admin:register_organisation_add")).status_code == 200
