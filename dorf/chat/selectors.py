"""Read use-cases of the chat, scoped to what the viewer may see."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dorf.chat.models import (
    MemberState,
    Message,
    Reaction,
    Report,
    ReportState,
    Room,
    RoomKind,
    RoomMember,
)
from dorf.chat.realtime import message_payload
from dorf.core.exceptions import NotFound
from dorf.core.sql import Columns
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids, blocked_user_ids_sql
from dorf.villages.models import Membership
from dorf.villages.scoping import member_village_ids, member_village_ids_sql, require_moderator

# A reconnecting client gets at most this many missed messages per room; it pages further
# back through the REST history.
REPLAY_LIMIT = 1000


def _active_memberships(user: User) -> QuerySet[RoomMember]:
    return RoomMember.objects.filter(
        user=user, state=MemberState.ACTIVE, room__village_id__in=member_village_ids(user)
    )


def visible_rooms(*, user: User) -> QuerySet[Room]:
    """Rooms of the user's villages the user is in, plus every group (to ask to join)."""
    is_member = RoomMember.objects.filter(room=OuterRef("pk"), user=user, state=MemberState.ACTIVE)
    return Room.objects.filter(village_id__in=member_village_ids(user)).filter(
        Q(Exists(is_member)) | Q(kind=RoomKind.GROUP)
    )


def open_group_list(*, user: User, village_id: int) -> QuerySet[Room]:
    """The open groups of a village the user belongs to, with member counts: residents'
    own groups anyone may join at once (not the rooms other apps own, e.g. clubs')."""
    active = RoomMember.objects.filter(room=OuterRef("pk"), state=MemberState.ACTIVE)
    member_count = active.order_by().values("room").annotate(n=Count("pk")).values("n")
    return (
        Room.objects.filter(
            village_id__in=member_village_ids(user),
            village_id=village_id,
            kind=RoomKind.GROUP,
            is_open=True,
            subject_type="",
        )
        .select_related("village")
        .annotate(
            member_count=Coalesce(Subquery(member_count, output_field=IntegerField()), 0),
            is_member=Exists(active.filter(user=user)),
        )
    )


def room_visible(*, user: User, room_id: int) -> Room:
    room = visible_rooms(user=user).select_related("village").filter(pk=room_id).first()
    if room is None:
        raise NotFound()
    return room


def room_member(*, user: User, room_id: int) -> RoomMember:
    """The user's active membership of the room (in a village they belong to), else 404."""
    member = _active_memberships(user).select_related("room").filter(room_id=room_id).first()
    if member is None:
        raise NotFound()
    return member


def subject_room(*, subject_type: str, subject_id: int) -> Room | None:
    """The room about another app's object (a club), if any. Not scoped to a viewer: for
    the services of the app that owns the object."""
    return Room.objects.filter(subject_type=subject_type, subject_id=subject_id).first()


def active_room_ids(*, user: User) -> set[int]:
    return set(_active_memberships(user).values_list("room_id", flat=True))


_MEMBER = Columns(
    RoomMember,
    "m",
    only=["id", "room_id", "user_id", "role", "state", "last_read_id", "muted_until"],
)
_ROOM = Columns(
    Room,
    "r",
    only=["id", "village_id", "kind", "title", "is_open", "subject_type", "subject_id",
          "last_message_id"],
)  # fmt: skip
_LAST = Columns(Message, "lm")
_SENDER = Columns(User, "s", only=["id", "first_name", "last_name"])


_SOCKET_USER = Columns(
    User,
    "u",
    only=["id", "email", "first_name", "last_name", "language", "is_active", "is_staff"],
)


def socket_state(*, user_id: int) -> tuple[User, set[int], set[int]] | None:
    """What a socket needs before it accepts, in one query: the user (None when there is
    no such active user), the ids of their rooms (``active_room_ids``) and of the users
    hidden from them (``blocked_user_ids``).

    The user's row (the columns a socket uses; any other loads on access) is left-joined
    to one row per room and per hidden user. Hand-written (dorf.core.sql): the three ORM
    queries cost most of a socket's opening CPU (docs/benchmarks.md, "Opening a
    WebSocket"); a test compares the answer with the ORM selectors.
    """
    quote = connection.ops.quote_name
    villages_sql, villages_params = member_village_ids_sql(user_id)
    hidden_sql, hidden_params = blocked_user_ids_sql(user_id)
    user_table = quote(User._meta.db_table)
    sql = f"""
        SELECT {_SOCKET_USER.select()}, ids.kind, ids.id
        FROM {_SOCKET_USER.table}
        LEFT JOIN (
            SELECT 'room' AS kind, m.room_id AS id
            FROM {_MEMBER.table} JOIN {_ROOM.table} ON r.id = m.room_id
            WHERE m.user_id = %s AND m.state = %s AND r.village_id IN ({villages_sql})
            UNION ALL
            SELECT 'hidden', x.id FROM {user_table} x WHERE x.id IN ({hidden_sql})
        ) ids ON 1 = 1
        WHERE u.id = %s AND u.is_active = %s
    """  # noqa: S608 - names from the models' _meta, values as parameters
    params = [user_id, MemberState.ACTIVE.value, *villages_params, *hidden_params, user_id, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    user = _SOCKET_USER.instance(rows[0][: len(_SOCKET_USER)])
    room_ids: set[int] = set()
    hidden_ids: set[int] = set()
    for row in rows:
        kind, object_id = row[len(_SOCKET_USER) :]
        if kind == "room":
            room_ids.add(object_id)
        elif kind == "hidden":
            hidden_ids.add(object_id)
    return user, room_ids, hidden_ids


def my_rooms(*, user: User) -> list[RoomMember]:
    """The user's rooms (active, in villages where the user is a verified member), most
    recent activity first, each with ``unread_count`` and its room's last message and
    sender loaded: one query.

    The unread count is the messages after the member's read marker that are neither
    deleted, nor the user's own, nor from a user hidden by a block; it reads the
    ``(room_id, id)`` index from the marker on, so it costs what is unread, not the
    room's history.

    Hand-written (dorf.core.sql): every app start asks, and the ORM compiled this
    query with its subquery and three joins anew on each request, three quarters of the
    request's CPU (docs/benchmarks.md, "REST reads").
    """
    quote = connection.ops.quote_name
    villages_sql, villages_params = member_village_ids_sql(user.pk)
    hidden_sql, hidden_params = blocked_user_ids_sql(user.pk)
    message_table = quote(Message._meta.db_table)
    sql = f"""
        SELECT {_MEMBER.select()}, {_ROOM.select()}, {_LAST.select()}, {_SENDER.select()},
            (SELECT COUNT(*) FROM {message_table} x
              WHERE x.room_id = m.room_id AND x.id > m.last_read_id AND x.deleted_at IS NULL
                AND x.sender_id <> %s AND x.sender_id NOT IN ({hidden_sql}))
        FROM {_MEMBER.table}
        JOIN {_ROOM.table} ON r.id = m.room_id
        LEFT JOIN {_LAST.table} ON lm.id = r.last_message_id
        LEFT JOIN {_SENDER.table} ON s.id = lm.sender_id
        WHERE m.user_id = %s AND m.state = %s AND r.village_id IN ({villages_sql})
        ORDER BY r.last_message_id DESC, r.id DESC
    """  # noqa: S608 - names from the models' _meta, values as parameters
    params = [user.pk, *hidden_params, user.pk, MemberState.ACTIVE.value, *villages_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    members = []
    room_end = len(_MEMBER) + len(_ROOM)
    last_end = room_end + len(_LAST)
    for row in rows:
        member = _MEMBER.instance(row[: len(_MEMBER)])
        room = _ROOM.instance(row[len(_MEMBER) : room_end])
        if row[room_end] is not None:  # the last message's id
            message = _LAST.instance(row[room_end:last_end])
            message.sender = _SENDER.instance(row[last_end:-1])
            room.last_message = message
        else:
            room.last_message = None
        member.room = room
        member.unread_count = row[-1]  # type: ignore[attr-defined]
        members.append(member)
    return members


_MESSAGE = Columns(Message, "msg")
_MESSAGE_SENDER = Columns(User, "s", only=["id", "first_name", "last_name"])


def _room_member_sql(*, user: User, room_id: int) -> tuple[str, list[Any]]:
    """``room_member``'s rule (an active member, in a village where the user is a verified
    member) as SQL that selects a row when it holds."""
    villages_sql, villages_params = member_village_ids_sql(user.pk)
    sql = f"""
        SELECT 1 FROM {_MEMBER.table} JOIN {_ROOM.table} ON r.id = m.room_id
        WHERE m.room_id = %s AND m.user_id = %s AND m.state = %s
          AND r.village_id IN ({villages_sql})
    """  # noqa: S608 - names from the models' _meta, values as parameters
    return sql, [room_id, user.pk, MemberState.ACTIVE.value, *villages_params]


def _require_room_member(*, user: User, room_id: int) -> None:
    """404 unless ``room_member``'s rule holds (one hand-written query)."""
    sql, params = _room_member_sql(user=user, room_id=room_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.fetchone() is None:
            raise NotFound()


def _with_reactions(messages: list[Message]) -> list[Message]:
    """Attach each message's reactions as ``reaction_rows`` [(emoji, user_id), …] in the
    order they were given, with one query for the whole page.

    Not ``prefetch_related``: it builds a QuerySet per message to hold the result, which
    cost about a quarter of a history request's CPU even with no reactions at all
    (docs/benchmarks.md, "REST reads").
    """
    rows: dict[int, list[tuple[str, int]]] = {message.pk: [] for message in messages}
    if rows:
        table = connection.ops.quote_name(Reaction._meta.db_table)
        placeholders = ", ".join(["%s"] * len(rows))
        sql = (
            f"SELECT message_id, emoji, user_id FROM {table} "  # noqa: S608
            f"WHERE message_id IN ({placeholders}) ORDER BY id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, list(rows))
            for message_id, emoji, user_id in cursor.fetchall():
                rows[message_id].append((emoji, user_id))
    for message in messages:
        message.reaction_rows = rows[message.pk]
    return messages


def message_history(
    *,
    user: User,
    room_id: int,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[Message]:
    """A page of a room's messages, oldest first, without blocked users' messages, each
    with its sender and ``reaction_rows``; 404 unless the user is an active member
    (checked in the page's query).

    ``before``: the page just older than that id; ``after``: the page just newer; neither:
    the newest page.

    Hand-written (dorf.core.sql) like ``my_rooms``: the room's history on every app start.
    The block list is a subquery of the page's query.
    """
    hidden_sql, hidden_params = blocked_user_ids_sql(user.pk)
    where = "msg.room_id = %s AND msg.sender_id NOT IN (" + hidden_sql + ")"
    params: list[Any] = [room_id, *hidden_params]
    if after is not None:
        where += " AND msg.id > %s"
        params.append(after)
        order = "ASC"
    else:
        if before is not None:
            where += " AND msg.id < %s"
            params.append(before)
        order = "DESC"
    # The member check is part of the page's query; only an empty page asks it alone,
    # to tell a 404 from an empty room or page.
    member_sql, member_params = _room_member_sql(user=user, room_id=room_id)
    sql = f"""
        SELECT {_MESSAGE.select()}, {_MESSAGE_SENDER.select()}
        FROM {_MESSAGE.table} JOIN {_MESSAGE_SENDER.table} ON s.id = msg.sender_id
        WHERE {where} AND EXISTS ({member_sql}) ORDER BY msg.id {order} LIMIT %s
    """  # noqa: S608 - names from the models' _meta, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *member_params, limit])
        rows = cursor.fetchall()
    if not rows:
        _require_room_member(user=user, room_id=room_id)
        return []
    messages = []
    senders: dict[int, User] = {}  # a page has few senders: one instance each
    width = len(_MESSAGE)
    for row in rows:
        message = _MESSAGE.instance(row[:width])
        sender = senders.get(message.sender_id)
        if sender is None:
            sender = senders[message.sender_id] = _MESSAGE_SENDER.instance(row[width:])
        message.sender = sender
        messages.append(message)
    if order == "DESC":
        messages.reverse()
    return _with_reactions(messages)


def messages_missed(*, user: User, last_seen: dict[int, int]) -> list[dict[str, Any]]:
    """Everything after each room's last seen id, per room in id order (rooms the user is in)."""
    allowed = active_room_ids(user=user)
    hidden = blocked_user_ids(user)
    payloads: list[dict[str, Any]] = []
    for room_id in sorted(set(last_seen) & allowed):
        messages = (
            Message.objects.filter(room_id=room_id, pk__gt=last_seen[room_id])
            .exclude(sender_id__in=hidden)
            .select_related("sender")
            .order_by("pk")[:REPLAY_LIMIT]
        )
        payloads.extend(message_payload(message) for message in messages)
    return payloads


def room_tips(*, room_ids: set[int]) -> dict[int, int]:
    """The newest message id of each room (0 for an empty room)."""
    tips = dict.fromkeys(room_ids, 0)
    if not room_ids:
        return tips
    # Hand-written: every socket's sync reads it, and building the ORM query cost more
    # CPU than the rest of the sync (docs/benchmarks.md, "Opening a WebSocket").
    table = connection.ops.quote_name(Room._meta.db_table)
    placeholders = ", ".join(["%s"] * len(room_ids))
    sql = f"SELECT id, last_message_id FROM {table} WHERE id IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(room_ids))
        for room_id, last_id in cursor.fetchall():
            tips[room_id] = last_id or 0
    return tips


def socket_resume(
    *, user: User, room_ids: set[int], last_seen: dict[int, int]
) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """What a socket's sync frame reads, in one trip to the database thread: the newest
    message id of each of the socket's rooms (``room_tips``), then what the client missed
    in them (``messages_missed``).

    A room whose last seen id is already its newest needs no query: a client that is
    caught up costs one query, however many rooms it has. Rooms the socket is not in
    are not replayed (the socket would drop their messages anyway).
    """
    tips = room_tips(room_ids=room_ids)
    behind = {
        room_id: seen
        for room_id, seen in last_seen.items()
        # A tip of 0 is an empty room or one whose last message is gone: ask the table.
        if room_id in tips and (seen < tips[room_id] or tips[room_id] == 0)
    }
    missed = messages_missed(user=user, last_seen=behind) if behind else []
    return tips, missed


# A word (letters, digits, inner hyphens or apostrophes) or a "quoted phrase", each
# optionally negated with one leading "-". Everything else (runs of operators, dashes,
# brackets) is dropped: PostgreSQL's websearch parser fails on 40 dashes in a row
# ("tsquery stack too small").
SEARCH_TERM = re.compile(r"""-?"[^"]*\w[^"]*"|-?\w+(?:['-]\w+)*""")
MAX_SEARCH_TERMS = 16


def search_terms(query: str) -> list[str]:
    """The usable terms of a search query, at most MAX_SEARCH_TERMS."""
    return SEARCH_TERM.findall(query)[:MAX_SEARCH_TERMS]


def message_search(*, user: User, query: str, limit: int = 50) -> QuerySet[Message]:
    """Full-text search (German stemming on PostgreSQL) in the user's rooms."""
    room_ids = _active_memberships(user).values("room_id")
    queryset = (
        Message.objects.filter(room_id__in=room_ids, deleted_at=None, hidden_at=None)
        .exclude(sender_id__in=blocked_user_ids(user))
        .select_related("sender")
    )
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        queryset = queryset.annotate(search=SearchVector("text", config="german")).filter(
            search=SearchQuery(" ".join(terms), config="german", search_type="websearch")
        )
    else:
        queryset = queryset.filter(text__icontains=query)
    return queryset.order_by("-pk")[:limit]


def report_queue(*, membership: Membership, state: str = ReportState.OPEN) -> QuerySet[Report]:
    """Reports of the moderator's village."""
    require_moderator(membership)
    return (
        Report.objects.filter(village_id=membership.village_id, state=state)
        .select_related("reporter", "reported_user", "message", "message__sender")
        .order_by("id")
    )


def is_room_member(*, user: User, room_id: int) -> bool:
    return _active_memberships(user).filter(room_id=room_id).exists()


def message_for_moderation(*, user: User, message_id: int) -> Message:
    """A message of one of the user's villages (moderators act on any room there)."""
    message = (
        Message.objects.select_related("room__village")
        .filter(pk=message_id, room__village_id__in=member_village_ids(user))
        .first()
    )
    if message is None:
        raise NotFound()
    return message
