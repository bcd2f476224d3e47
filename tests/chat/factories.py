from __future__ import annotations

import factory

from dorf.chat.models import Message, Room, RoomKind, RoomMember
from tests.factories import UserFactory, VillageFactory


class RoomFactory(factory.django.DjangoModelFactory[Room]):
    class Meta:
        model = Room

    village = factory.SubFactory(VillageFactory)
    kind = RoomKind.GROUP
    title = factory.Sequence(lambda n: f"Gruppe {n}")


class RoomMemberFactory(factory.django.DjangoModelFactory[RoomMember]):
    class Meta:
        model = RoomMember

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    room = factory.SubFactory(RoomFactory)
    sender = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Nachricht {n}")
    client_msg_id = factory.Sequence(lambda n: f"c{n}")
