"""Demo chat: the village square with every member, a few groups, direct conversations
and a few hundred German messages, bulk-created (the village seeder fires no signals)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from dorf.chat.models import MemberRole, Message, Room, RoomKind, RoomMember
from dorf.users.models import User
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import MembershipState

SQUARE_LINES = [
    "Moin zusammen! Weiß jemand, wann der Glascontainer wieder geleert wird?",
    "Donnerstag, steht im Abfallkalender.",
    "Danke dir!",
    "Hat jemand eine Leiter, die ich mir am Samstag leihen kann?",
    "Ich hab eine Stehleiter, kannst du dir abholen.",
    "Am Backes gibt es Sonntag wieder frisches Brot, ab 10 Uhr.",
    "Super, ich bring Zwiebelkuchen mit!",
    "Die Straßenlaterne in der Kirchstraße ist seit Tagen aus. Hat das schon wer gemeldet?",
    "Ja, die Gemeinde weiß Bescheid.",
    "Wer fährt morgen nach Betzdorf? Ich bräuchte was aus der Apotheke.",
    "Ich fahre gegen 9, schreib mir einfach.",
    "Schwarze Katze am Mühlbach zugelaufen, gehört die jemandem?",
    "Das ist Mimi von Familie Krämer, die wohnt am Lindenweg.",
    "Danke fürs Schneeschippen heute früh, wer auch immer das war!",
    "Kinderflohmarkt am Sportplatz ist verschoben auf nächste Woche.",
    "Kann mir jemand beim Tragen eines Schranks helfen? Dauert ca. 30 Minuten.",
    "Bin in einer Stunde da.",
    "Die Bücherzelle ist wieder voll, schaut mal rein.",
    "Gibt es noch Plätze beim Erste-Hilfe-Kurs?",
    "Ja, noch drei. Anmeldung im Rathaus.",
    "Frohe Ostern euch allen!",
    "Achtung: Wasser wird am Dienstag zwischen 8 und 12 Uhr abgestellt.",
    "Wer hat Lust auf eine Wanderung zum Steinbruch am Sonntag?",
    "Bin dabei! Treffpunkt Dorfplatz?",
    "Um 14 Uhr am Dorfplatz, ich bring Kaffee mit.",
]
GROUPS = [
    (
        "Gartenfreunde",
        True,
        [
            "Die Tomaten sind dieses Jahr spät dran.",
            "Hat jemand Ableger von Minze?",
            "Ich hab zu viele Zucchini, wer will welche?",
            "Kompost gibt es am Wertstoffhof.",
        ],
    ),
    (
        "Laufgruppe Siegtal",
        True,
        [
            "Morgen 7 Uhr an der Brücke?",
            "Ich bin dabei.",
            "Heute nur die kleine Runde, es regnet.",
            "Schöne Strecke heute!",
        ],
    ),
    (
        "Elternrat Grundschule",
        False,
        [
            "Nächstes Treffen Mittwoch 19:30.",
            "Wer macht das Protokoll?",
            "Ich übernehme.",
            "Kuchenliste fürs Sommerfest hängt aus.",
        ],
    ),
]
DIRECT_LINES = [
    "Hallo! Ist die Leiter noch frei?",
    "Ja, komm gern vorbei.",
    "Passt es dir um 17 Uhr?",
    "Klar, bis dann!",
    "Danke nochmal für die Hilfe gestern.",
    "Gern geschehen!",
]


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    now = timezone.now()
    verified = [m for m in ctx.memberships if m.state == MembershipState.VERIFIED]
    users: list[User] = [m.user for m in verified]
    if len(users) < 2:
        return
    rng = ctx.rng

    square = Room.objects.create(village=village, kind=RoomKind.SQUARE, title=village.name)
    members = [RoomMember(room=square, user=u) for u in users]
    rooms_messages: list[tuple[Room, list[Message]]] = []

    square_messages = [
        Message(
            room=square,
            sender=rng.choice(users),
            text=SQUARE_LINES[i % len(SQUARE_LINES)],
            client_msg_id=f"demo-sq-{i}",
        )
        for i in range(240)
    ]
    rooms_messages.append((square, square_messages))

    for g, (title, is_open, lines) in enumerate(GROUPS):
        room = Room.objects.create(
            village=village,
            kind=RoomKind.GROUP,
            title=title,
            is_open=is_open,
            created_by=users[g % len(users)],
        )
        group_users = rng.sample(users, min(len(users), 8))
        members.extend(
            RoomMember(room=room, user=u, role=MemberRole.ADMIN if i == 0 else MemberRole.MEMBER)
            for i, u in enumerate(group_users)
        )
        rooms_messages.append(
            (
                room,
                [
                    Message(
                        room=room,
                        sender=rng.choice(group_users),
                        text=lines[i % len(lines)],
                        client_msg_id=f"demo-g{g}-{i}",
                    )
                    for i in range(20)
                ],
            )
        )

    for d in range(min(5, len(users) // 2)):
        first, second = users[2 * d], users[2 * d + 1]
        low, high = sorted((first.pk, second.pk))
        room = Room.objects.create(
            village=village, kind=RoomKind.DIRECT, direct_key=f"{low}:{high}"
        )
        members.extend([RoomMember(room=room, user=first), RoomMember(room=room, user=second)])
        rooms_messages.append(
            (
                room,
                [
                    Message(
                        room=room,
                        sender=(first, second)[i % 2],
                        text=line,
                        client_msg_id=f"demo-d{d}-{i}",
                    )
                    for i, line in enumerate(DIRECT_LINES)
                ],
            )
        )

    RoomMember.objects.bulk_create(members)
    created: list[Message] = []
    for room, messages in rooms_messages:
        # Spread over the last days, oldest first, so ids and times agree.
        start = now - timedelta(days=6)
        step = timedelta(days=6) / max(len(messages), 1)
        stored = Message.objects.bulk_create(messages)
        for i, message in enumerate(stored):
            message.created_at = start + step * i
        created.extend(stored)
        Room.objects.filter(pk=room.pk).update(last_message=stored[-1])
    Message.objects.bulk_update(created, ["created_at"], batch_size=500)
    # Everyone has read everything but the last few messages of the square.
    last_read = square_messages[-5].pk if len(square_messages) > 5 else 0
    RoomMember.objects.filter(room=square).update(last_read_id=last_read)
    ctx.out.write(f"Chat: {len(rooms_messages)} rooms, {len(created)} messages.")
