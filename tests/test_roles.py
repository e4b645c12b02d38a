"""The three roles exist after migrating, each with exactly its permissions."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from register.roles import BOARD, DPO, STAFF, roles_sync

pytestmark = pytest.mark.django_db


def codenames(role: str) -> set[str]:
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


def test_the_privacy_officer_keeps_the_register():
    assert {"view_organisation", "change_organisation", "view_historicalorganisation"} <= codenames(DPO)


def test_history_is_never_editable():
    for role in (DPO, BOARD, STAFF):
        assert not {c for c in codenames(role) if "historical" in c and not c.startswith("view_")}


def test_the_board_only_reads():
    board = codenames(BOARD)
    assert "view_organisation" in board
    assert all(c.startswith(("view_", "see_")) for c in board)  # see_all_requests: reading every request


def test_staff_read_the_register():
    staff = codenames(STAFF)
    assert "view_organisation" in staff
    assert "change_organisation" not in staff


def test_sync_is_idempotent_and_restores_a_tampered_group():
    Group.objects.get(name=BOARD).permissions.clear()
    roles_sync(apps)
    roles_sync(apps)
    assert Group.objects.filter(name__in=[DPO, BOARD, STAFF]).count() == 3
    assert "view_organisation" in codenames(BOARD)
