"""Staff see only their own organisations; superusers see all; nobody else sees any."""

import pytest
from django.urls import reverse

from register.access import organisations_for
from register.roles import DPO
from tests.factories import OrganisationFactory, UserFactory

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


def test_admin_list_shows_only_own_organisation(client, two_organisations):
    mine, other = two_organisations
    client.force_login(UserFactory(role=DPO, member_of=[mine]))
    response = client.get(reverse("admin:register_organisation_changelist"))
    assert response.status_code == 200
    assert mine.name in response.content.decode()
    assert other.name not in response.content.decode()


def test_admin_change_page_of_another_organisation_is_not_found(client, two_organisations):
    mine, other = two_organisations
    client.force_login(UserFactory(role=DPO, member_of=[mine]))
    response = client.get(reverse("admin:register_organisation_change", args=[other.pk]))
    # The admin redirects to its index with "does not exist": the same answer as for an unknown id.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(reverse("admin:register_organisation_change", args=[mine.pk])).status_code == 200


def test_only_a_superuser_adds_organisations(client, organisation):
    client.force_login(UserFactory(role=DPO, member_of=[organisation]))
    assert client.get(reverse("admin:register_organisation_add")).status_code == 403
