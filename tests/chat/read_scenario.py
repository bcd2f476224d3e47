"""A village whose chat has every kind of message the read endpoints show: replies,
edits, tombstones (deleted, hidden), reactions by several people, text that JSON must
escape, blocks both ways, a muted member, an empty room and a room one only asked to
join. Tests of the rooms list and the history compare their answers on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from dorf.chat import services
from dorf.chat.models import Message, Room, RoomMember
from dorf.villages.models import Membership, Village
from dorf.villages.services import block_create
from tests.factories import MembershipFactory


@dataclass
class ReadScenario:
    square: Room
    group: Room
    empty_group: Room
    closed_group: Room
    direct: Room
    viewers: list[Membership]
    square_ids: list[int] = field(default_factory=list)

    def urls(self) -> list[str]:
        """The rooms list and history pages (forward, back, empty, 404) to ask for."""
        first, middle, last = self.square_ids[0], self.square_ids[4], self.square_ids[-1]
        square = f"/api/v1/chat/rooms/{self.square.pk}/messages/"
        return [
            "/api/v1/chat/rooms/",
            square,
            f"{square}?limit=3",
            f"{square}?limit=0",
            f"{square}?limit=500",
            f"{square}?before={middle}&limit=2",
            f"{square}?after={first}&limit=3",
            f"{square}?after={middle}",
            f"{square}?after={last}",
            f"{square}?before={first}",
            f"/api/v1/chat/rooms/{self.group.pk}/messages/",
            f"/api/v1/chat/rooms/{self.empty_group.pk}/messages/",
            f"/api/v1/chat/rooms/{self.closed_group.pk}/messages/",
            f"/api/v1/chat/rooms/{self.direct.pk}/messages/?limit=1",
            f"/api/v1/chat/rooms/{self.direct.pk + 10_000}/messages/",
        ]


def _member(village: Village, first_name: str, last_name: str, **extra: str) -> Membership:
    membership = MembershipFactory(
        village=village, user__first_name=first_name, user__last_name=last_name, **extra
    )
    services.village_member_verified(membership=membership)
    return membership


def read_scenario(village: Village) -> ReadScenario:
    square = services.square_for_village(village=village)
    alice = _member(village, "Alice", "Ärmel")
    bob = _member(village, "Bob", "")
    mod = _member(village, "Mona", "Moser", role="moderator")
    carol = _member(village, "Carol", "Che")

    def send(who: Membership, room: Room, text: str, reply_to_id: int | None = None) -> Message:
        message, _created = services.message_send(
            user=who.user,
            room_id=room.pk,
            text=text,
            client_msg_id=f"c{Message.objects.count()}",
            reply_to_id=reply_to_id,
        )
        return message

    first = send(alice, square, "Moin ☕ Grüße aus dem Dorf")
    send(bob, square, 'Zitat "a\\b"\nzweite Zeile\t<b>&</b>', reply_to_id=first.pk)
    edited = send(alice, square, "vorher")
    services.message_edit(user=alice.user, message_id=edited.pk, text="nachher 🙂")
    deleted = send(bob, square, "gleich weg")
    services.reaction_add(user=carol.user, message_id=deleted.pk, emoji="😮")
    services.message_delete(user=bob.user, message_id=deleted.pk)
    hidden = send(carol, square, "unfreundlich")
    services.message_hide(actor=mod, message_id=hidden.pk)
    send(carol, square, "Carol schreibt")
    for who, emoji in [(bob, "👍"), (alice, "👍"), (mod, "🎉"), (bob, "🎉"), (carol, "👍")]:
        services.reaction_add(user=who.user, message_id=first.pk, emoji=emoji)
    services.reaction_add(user=alice.user, message_id=edited.pk, emoji="❤️")
    for i in range(4):
        send(mod if i % 2 else alice, square, f"Nachricht {i}")

    group = services.group_create(membership=alice, title="Gartenfreunde", is_open=True)
    services.group_join(user=bob.user, room_id=group.pk)
    services.group_join(user=carol.user, room_id=group.pk)
    send(alice, group, "Gießen?")
    send(carol, group, "Ja")
    empty_group = services.group_create(membership=bob, title="Leer", is_open=True)
    closed_group = services.group_create(membership=mod, title="Vorstand", is_open=False)
    services.group_join(user=bob.user, room_id=closed_group.pk)  # pending
    direct = services.direct_open(membership=alice, other_user_id=bob.user.pk)
    send(bob, direct, "Hallo Alice")

    services.member_mute(actor=mod, room_id=square.pk, user_id=carol.user.pk, minutes=30)
    block_create(blocker=bob.user, blocked_id=carol.user.pk)
    ids = list(Message.objects.filter(room=square).order_by("pk").values_list("pk", flat=True))
    RoomMember.objects.filter(room=square, user=alice.user).update(last_read_id=ids[2])
    return ReadScenario(
        square=square,
        group=group,
        empty_group=empty_group,
        closed_group=closed_group,
        direct=direct,
        viewers=[alice, bob, mod, carol],
        square_ids=ids,
    )
