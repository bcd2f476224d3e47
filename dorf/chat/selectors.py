"""Read use-cases of the chat, scoped to what the viewer may see."""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

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
from dorf.chat.realtime import MESSAGE_ROW_FIELDS, message_payload, message_row_payload
from dorf.core.exceptions import NotFound
from dorf.core.sql import Columns, prepared_cursor
from dorf.users.models import User, display_name
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


# The user's rooms (``my_rooms``); their tables also serve ``socket_state`` and the
# member check of the history.
_ROOMS_MEMBER = Columns(RoomMember, "m", only=["role", "last_read_id", "muted_until"])
_ROOMS_ROOM = Columns(
    Room, "r", only=["id", "village_id", "kind", "title", "subject_type", "subject_id"]
)
_ROOMS_LAST = Columns(Message, "lm", only=MESSAGE_ROW_FIELDS)
_ROOMS_SENDER = Columns(User, "s", only=["first_name", "last_name"])

_SOCKET_USER = Columns(
    User,
    "u",
    only=["id", "email", "first_name", "last_name", "language", "is_active", "is_staff"],
)


@functools.cache
def _socket_state_sql(vendor: str) -> str:
    """``socket_state``'s SQL, made once per database backend."""
    villages_sql, _params = member_village_ids_sql(0)
    hidden_sql, _params = blocked_user_ids_sql(0)
    user_table = connection.ops.quote_name(User._meta.db_table)
    return f"""
        SELECT {_SOCKET_USER.select()}, ids.kind, ids.id
        FROM {_SOCKET_USER.table}
        LEFT JOIN (
            SELECT 'room' AS kind, m.room_id AS id
            FROM {_ROOMS_MEMBER.table} JOIN {_ROOMS_ROOM.table} ON r.id = m.room_id
            WHERE m.user_id = %s AND m.state = %s AND r.village_id IN ({villages_sql})
            UNION ALL
            SELECT 'hidden', x.id FROM {user_table} x WHERE x.id IN ({hidden_sql})
        ) ids ON 1 = 1
        WHERE u.id = %s AND u.is_active = %s
    """  # noqa: S608 - names from the models' _meta, values as parameters


def socket_state(*, user_id: int) -> tuple[User, set[int], set[int]] | None:
    """What a socket needs before it accepts, in one query: the user (None when there is
    no such active user), the ids of their rooms (``active_room_ids``) and of the users
    hidden from them (``blocked_user_ids``).

    The user's row (the columns a socket uses; any other loads on access) is left-joined
    to one row per room and per hidden user. Hand-written (dorf.core.sql), prepared once
    per connection: the three ORM queries cost most of a socket's opening CPU
    (docs/benchmarks.md, "Opening a WebSocket"); a test compares the answer with the ORM
    selectors.
    """
    _villages_sql, villages_params = member_village_ids_sql(user_id)
    _hidden_sql, hidden_params = blocked_user_ids_sql(user_id)
    params = [user_id, MemberState.ACTIVE.value, *villages_params, *hidden_params, user_id, True]
    with prepared_cursor() as cursor:
        cursor.execute(_socket_state_sql(connection.vendor), params)
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


@functools.cache
def _my_rooms_sql(vendor: str) -> str:
    """``my_rooms``' SQL, made once per database backend (the quoting is the backend's)."""
    villages_sql, _params = member_village_ids_sql(0)
    hidden_sql, _params = blocked_user_ids_sql(0)
    message_table = connection.ops.quote_name(Message._meta.db_table)
    return f"""
        SELECT {_ROOMS_MEMBER.select()}, {_ROOMS_ROOM.select()}, {_ROOMS_LAST.select()},
            {_ROOMS_SENDER.select()},
            (SELECT COUNT(*) FROM {message_table} x
              WHERE x.room_id = m.room_id AND x.id > m.last_read_id AND x.deleted_at IS NULL
                AND x.sender_id <> %s AND x.sender_id NOT IN ({hidden_sql}))
        FROM {_ROOMS_MEMBER.table}
        JOIN {_ROOMS_ROOM.table} ON r.id = m.room_id
        LEFT JOIN {_ROOMS_LAST.table} ON lm.id = r.last_message_id
        LEFT JOIN {_ROOMS_SENDER.table} ON s.id = lm.sender_id
        WHERE m.user_id = %s AND m.state = %s AND r.village_id IN ({villages_sql})
        ORDER BY r.last_message_id DESC, r.id DESC
    """  # noqa: S608 - names from the models' _meta, values as parameters


def my_rooms(*, user: User) -> list[dict[str, Any]]:
    """The user's rooms (active, in villages where the user is a verified member), most
    recent activity first: one query, one row each with the room's ``id``, ``village_id``,
    ``kind``, ``title``, ``subject_type`` and ``subject_id``, the member's ``role``,
    ``last_read_id`` and ``muted_until``, the ``unread_count`` and ``last_message`` (its
    ``message_payload``, or None).

    The unread count is the messages after the member's read marker that are neither
    deleted, nor the user's own, nor from a user hidden by a block; it reads the
    ``(room_id, id)`` index from the marker on, so it costs what is unread, not the
    room's history.

    Hand-written (dorf.core.sql), its SQL made once and prepared by PostgreSQL once per
    connection: every app start asks, and the ORM compiled this query with its subquery
    and three joins anew on each request, three quarters of the request's CPU
    (docs/benchmarks.md, "REST reads"). Rows, not model instances: building four
    instances per room cost more than the query.
    """
    _villages_sql, villages_params = member_village_ids_sql(user.pk)
    _hidden_sql, hidden_params = blocked_user_ids_sql(user.pk)
    params = [user.pk, *hidden_params, user.pk, MemberState.ACTIVE.value, *villages_params]
    with prepared_cursor() as cursor:
        cursor.execute(_my_rooms_sql(connection.vendor), params)
        rows = cursor.fetchall()
    member_end = len(_ROOMS_MEMBER)
    room_end = member_end + len(_ROOMS_ROOM)
    last_end = room_end + len(_ROOMS_LAST)
    rooms = []
    for row in rows:
        room = _ROOMS_ROOM.values(row[member_end:room_end])
        room.update(_ROOMS_MEMBER.values(row[:member_end]))
        room["unread_count"] = row[-1]
        if row[room_end] is None:  # no last message
            room["last_message"] = None
        else:
            first_name, last_name = row[last_end:-1]
            room["last_message"] = message_row_payload(
                _ROOMS_LAST.convert(row[room_end:last_end]), display_name(first_name, last_name)
            )
        rooms.append(room)
    return rooms


def _room_member_sql(*, user_id: int, room_id: int) -> tuple[str, list[Any]]:
    """``room_member``'s rule (an active member, in a village where the user is a verified
    member) as SQL that selects a row when it holds."""
    villages_sql, villages_params = member_village_ids_sql(user_id)
    sql = f"""
        SELECT 1 FROM {_ROOMS_MEMBER.table} JOIN {_ROOMS_ROOM.table} ON r.id = m.room_id
        WHERE m.room_id = %s AND m.user_id = %s AND m.state = %s
          AND r.village_id IN ({villages_sql})
    """  # noqa: S608 - names from the models' _meta, values as parameters
    return sql, [room_id, user_id, MemberState.ACTIVE.value, *villages_params]


class HistoryMessage(NamedTuple):
    """A message of a history page: its ``message_payload`` and its reactions as
    (emoji, user id) pairs, oldest first."""

    payload: dict[str, Any]
    reactions: list[tuple[str, int]]


# Columns lists fields in the model's order, which is MESSAGE_ROW_FIELDS' order (the
# answers are compared with the ORM's in tests/chat/test_read_answers.py).
_PAGE_MESSAGE = Columns(Message, "msg", only=MESSAGE_ROW_FIELDS)
_PAGE_SENDER = Columns(User, "s", only=["first_name", "last_name"])
# The page's columns as the outer query reads them from the subquery ``p``.
_PAGE = Columns(Message, "p", only=MESSAGE_ROW_FIELDS)
_PAGE_NAMES = Columns(User, "p", only=["first_name", "last_name"])
_REACTION = Columns(Reaction, "rx", only=["emoji", "user_id"])


@functools.lru_cache(maxsize=64)
def _history_sql(vendor: str, direction: str, limit: int) -> str:
    """The history page's SQL for ``direction`` "newest", "before" or "after".

    The page size is part of the SQL, not a parameter: a prepared statement's generic
    plan cannot know a LIMIT parameter, so PostgreSQL planned the page anew on every
    request; with the number written out it keeps one plan per page size (clients use
    one or two).
    """
    member_sql, _params = _room_member_sql(user_id=0, room_id=0)
    hidden_sql, _params = blocked_user_ids_sql(0)
    where = "msg.room_id = %s AND msg.sender_id NOT IN (" + hidden_sql + ")"
    if direction == "after":
        where += " AND msg.id > %s"
    elif direction == "before":
        where += " AND msg.id < %s"
    order = "ASC" if direction == "after" else "DESC"
    # ``gate`` has one row when the user may read the room, none otherwise: no row at
    # all is a 404, a row without a message an empty page. A message's reactions join
    # to it (one row per reaction), so the page, the member check and the reactions are
    # one query.
    return f"""
        SELECT {_PAGE.select()}, {_PAGE_NAMES.select()}, {_REACTION.select()}
        FROM (SELECT 1 AS allowed WHERE EXISTS ({member_sql})) gate
        LEFT JOIN (
            SELECT {_PAGE_MESSAGE.select()}, {_PAGE_SENDER.select()}
            FROM {_PAGE_MESSAGE.table} JOIN {_PAGE_SENDER.table} ON s.id = msg.sender_id
            WHERE {where} ORDER BY msg.id {order} LIMIT {int(limit)}
        ) p ON 1 = 1
        LEFT JOIN {_REACTION.table} ON rx.message_id = p.id
        ORDER BY p.id, rx.id
    """  # noqa: S608 - names from the models' _meta, values as parameters


def message_history(
    *,
    user: User,
    room_id: int,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[HistoryMessage]:
    """A page of a room's messages, oldest first, without blocked users' messages, each
    with its reactions; 404 unless the user is an active member (``room_member``'s rule).

    ``before``: the page just older than that id; ``after``: the page just newer; neither:
    the newest page.

    Hand-written (dorf.core.sql) like ``my_rooms``, one query: the room's history on
    every app start. The member check, the block list and the reactions are part of it.
    """
    _member_sql, member_params = _room_member_sql(user_id=user.pk, room_id=room_id)
    _hidden_sql, hidden_params = blocked_user_ids_sql(user.pk)
    params: list[Any] = [*member_params, room_id, *hidden_params]
    if after is not None:
        direction = "after"
        params.append(after)
    elif before is not None:
        direction = "before"
        params.append(before)
    else:
        direction = "newest"
    with prepared_cursor() as cursor:
        cursor.execute(_history_sql(connection.vendor, direction, limit), params)
        rows = cursor.fetchall()
    if not rows:
        raise NotFound()
    width = len(_PAGE)
    names_end = width + len(_PAGE_NAMES)
    messages: list[HistoryMessage] = []
    reactions: list[tuple[str, int]] = []
    last_id = None
    for row in rows:
        if row[0] is None:  # the gate's row alone: an empty page
            break
        if row[0] != last_id:
            last_id = row[0]
            first_name, last_name = row[width:names_end]
            payload = message_row_payload(
                _PAGE.convert(row[:width]), display_name(first_name, last_name)
            )
            reactions = []
            messages.append(HistoryMessage(payload, reactions))
        reaction_user_id, emoji = row[names_end:]  # the model's order: user, emoji
        if emoji is not None:
            reactions.append((emoji, reaction_user_id))
    return messages


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
