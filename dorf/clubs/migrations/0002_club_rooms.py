"""Every existing club gets its chat room ("club", club id) with its active members.

New clubs get their room in ``club_create``; this catches up the clubs made before.
Reverse is a no-op on purpose: the rooms may hold messages by then, and code from before
this migration simply ignores them.
"""

from typing import Any

from django.db import migrations


def club_rooms_create(apps: Any, schema_editor: Any) -> None:
    Club = apps.get_model("clubs", "Club")
    ClubMembership = apps.get_model("clubs", "ClubMembership")
    Room = apps.get_model("chat", "Room")
    RoomMember = apps.get_model("chat", "RoomMember")
    for club in Club.objects.order_by("pk").iterator(chunk_size=500):
        room, _created = Room.objects.get_or_create(
            village_id=club.village_id,
            subject_type="club",
            subject_id=club.pk,
            defaults={"kind": "club", "title": club.name[:120], "is_open": False},
        )
        active = ClubMembership.objects.filter(club=club, state="active")
        for user_id in active.order_by("user_id").values_list("user_id", flat=True):
            RoomMember.objects.get_or_create(room=room, user_id=user_id)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_chat"),
        ("clubs", "0001_clubs_events_shifts"),
    ]

    operations = [
        migrations.RunPython(club_rooms_create, migrations.RunPython.noop),
    ]
