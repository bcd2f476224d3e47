"""The data migration that gives every existing club its chat room."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE = [("clubs", "0001_clubs_events_shifts")]
AFTER = [("clubs", "0002_club_rooms")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_clubs_get_a_room_with_their_active_members() -> None:
    # given: a club from before, with a board member, a member and a pending request
    apps = _migrate(BEFORE).loader.project_state(BEFORE).apps
    User = apps.get_model("users", "User")
    Village = apps.get_model("villages", "Village")
    Club = apps.get_model("clubs", "Club")
    ClubMembership = apps.get_model("clubs", "ClubMembership")
    village = Village.objects.create(
        name="Altdorf", slug="altdorf", centre_lat=50.79, centre_lon=7.87, invite_code="alt"
    )
    club = Club.objects.create(village=village, name="Schützenverein")
    board, member, pending = (
        User.objects.create(email=f"{name}@example.org", first_name=name)
        for name in ("Bea", "Max", "Pia")
    )
    ClubMembership.objects.create(club=club, user=board, role="board")
    ClubMembership.objects.create(club=club, user=member)
    ClubMembership.objects.create(club=club, user=pending, state="pending")
    try:
        # when
        apps = _migrate(AFTER).loader.project_state(AFTER).apps
        # then
        room = apps.get_model("chat", "Room").objects.get(subject_type="club", subject_id=club.pk)
        assert (room.kind, room.title, room.village_id) == ("club", "Schützenverein", village.pk)
        members = apps.get_model("chat", "RoomMember").objects.filter(room=room)
        assert sorted(members.values_list("user_id", flat=True)) == sorted([board.pk, member.pk])
    finally:
        _migrate_to_latest()
