"""dorf.core.sql.CompiledQuery: an ORM query compiled once per shape gives the QuerySet's
rows for every parameter value, and the prepared cursor prepares it on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from dorf.core.sql import CompiledQuery, prepared_cursor
from dorf.notifications.models import Notification
from dorf.villages.models import Membership

pytestmark = pytest.mark.django_db

built: list[dict[str, Any]] = []


def _feed(
    *, user_id: int, before: int | None, category: str | None, since: datetime | None, limit: int
) -> QuerySet[Notification, Any]:
    built.append({"user_id": user_id, "before": before, "category": category})
    rows = Notification.objects.filter(user_id=user_id)
    if before is not None:
        rows = rows.filter(id__lt=before)
    if category is not None:
        rows = rows.filter(category=category)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    return rows.order_by("-id").values("id", "title", "created_at", "read_at")[:limit]


FEED = CompiledQuery(
    _feed, params={"user_id": int, "before": int, "category": str, "since": datetime}
)


@pytest.fixture
def feed(member: Membership, moderator: Membership) -> list[Notification]:
    built.clear()
    FEED._plans.clear()
    own = [
        Notification.objects.create(
            user=member.user, category=("news", "chat")[i % 2], title=f"N {i}"
        )
        for i in range(7)
    ]
    Notification.objects.create(user=moderator.user, category="news", title="not yours")
    return own


def _orm(**kwargs: Any) -> list[dict[str, Any]]:
    return list(_feed(**kwargs))


@pytest.mark.parametrize(
    "shape",
    [
        {"before": None, "category": None, "since": None, "limit": 3},
        {"before": "third", "category": None, "since": None, "limit": 3},
        {"before": None, "category": "news", "since": None, "limit": 10},
        {"before": "third", "category": "chat", "since": "old", "limit": 10},
    ],
)
def test_every_shape_gives_the_querysets_rows(
    feed: list[Notification], member: Membership, shape: dict[str, Any]
) -> None:
    # given: the shape with real values (a cursor position, a category, a time)
    values = {
        **shape,
        "before": feed[3].pk if shape["before"] else None,
        "since": datetime(2000, 1, 1, tzinfo=UTC) if shape["since"] else None,
    }
    # when: compiled (first call) and substituted (second call, another user's values too)
    first = FEED.rows(user_id=member.user_id, **values)
    again = FEED.rows(user_id=member.user_id, **values)
    # then: the QuerySet's rows, converted the same way (aware datetimes)
    expected = _orm(user_id=member.user_id, **values)
    assert first == again == expected
    assert expected, "the shape selects something"
    assert all(row["created_at"].tzinfo is not None for row in first)


def test_a_shape_is_built_once_and_then_runs_one_query(
    feed: list[Notification], member: Membership, moderator: Membership
) -> None:
    # given: one call compiled the shape (built twice, with two sets of stand-ins)
    FEED.rows(user_id=member.user_id, before=None, category=None, since=None, limit=5)
    assert len(built) == 2
    # when: that shape for another user, and a new shape (a cursor position)
    with CaptureQueriesContext(connection) as queries:
        mine = FEED.rows(
            user_id=member.user_id, before=feed[2].pk, category=None, since=None, limit=5
        )
        theirs = FEED.rows(
            user_id=moderator.user_id, before=None, category=None, since=None, limit=5
        )
    # then: the new shape's builds only, one query each, each with its own values
    assert len(built) == 4
    assert len(queries) == 2
    assert [row["id"] for row in mine] == [feed[1].pk, feed[0].pk]
    assert [row["title"] for row in theirs] == ["not yours"]


def test_a_value_the_orm_transforms_runs_through_the_orm(
    feed: list[Notification], member: Membership
) -> None:
    # given: a contains lookup (the ORM wraps the value in %...%)
    def search(*, user_id: int, text: str) -> QuerySet[Notification, Any]:
        return Notification.objects.filter(user_id=user_id, title__icontains=text).values("title")

    compiled = CompiledQuery(search, params={"user_id": int, "text": str})
    # when / then: both values give the QuerySet's rows
    assert compiled.rows(user_id=member.user_id, text="N 1") == [{"title": "N 1"}]
    assert compiled.rows(user_id=member.user_id, text="N 2") == [{"title": "N 2"}]


def test_a_shape_with_no_rows_possible_runs_no_query(member: Membership) -> None:
    def nothing(*, user_id: int) -> QuerySet[Notification, Any]:
        return Notification.objects.filter(user_id=user_id, id__in=[]).values("id")

    compiled = CompiledQuery(nothing, params={"user_id": int})
    with CaptureQueriesContext(connection) as queries:
        assert compiled.rows(user_id=member.user_id) == []
    assert len(queries) == 0


def test_a_parameter_of_the_wrong_type_is_refused(member: Membership) -> None:
    with pytest.raises(TypeError, match="user_id must be int"):
        FEED.rows(user_id=str(member.user_id), before=None, category=None, since=None, limit=1)
    with pytest.raises(TypeError, match="user_id must be int"):
        FEED.rows(user_id=True, before=None, category=None, since=None, limit=1)


def test_the_shapes_kept_are_bounded(member: Membership) -> None:
    FEED._plans.clear()
    for limit in range(CompiledQuery.MAX_SHAPES + 10):
        FEED.rows(user_id=member.user_id, before=None, category=None, since=None, limit=limit + 1)
    assert len(FEED._plans) == CompiledQuery.MAX_SHAPES


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_prepares_a_hot_statement_once(
    feed: list[Notification], member: Membership
) -> None:
    # when: the same shape runs more often than psycopg's prepare threshold
    for _ in range(8):
        FEED.rows(
            user_id=member.user_id,
            before=None,
            category=None,
            since=datetime.now(UTC) - timedelta(days=1),
            limit=4,
        )
    # then: this connection holds it as a prepared statement
    with prepared_cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any('"notifications_notification"' in s and "LIMIT 4" in s for s in statements)


def test_a_list_parameter_is_one_shape_per_length(
    feed: list[Notification], member: Membership
) -> None:
    def by_ids(*, ids: list[int], user_id: int) -> QuerySet[Notification, Any]:
        return Notification.objects.filter(user_id=user_id, id__in=ids).order_by("id").values("id")

    compiled = CompiledQuery(by_ids, params={"ids": list, "user_id": int})
    # given / when: two lists of two, one of three, an empty one
    pairs = [
        compiled.rows(ids=[feed[0].pk, feed[1].pk], user_id=member.user_id),
        compiled.rows(ids=[feed[5].pk, feed[2].pk], user_id=member.user_id),
    ]
    three = compiled.rows(ids=[feed[3].pk, feed[4].pk, feed[6].pk], user_id=member.user_id)
    with CaptureQueriesContext(connection) as queries:
        none = compiled.rows(ids=[], user_id=member.user_id)
    # then: each list's own rows; two shapes of a list and the empty one (no query)
    assert [[r["id"] for r in rows] for rows in pairs] == [
        [feed[0].pk, feed[1].pk],
        [feed[2].pk, feed[5].pk],
    ]
    assert [r["id"] for r in three] == [feed[3].pk, feed[4].pk, feed[6].pk]
    assert none == []
    assert len(queries) == 0
    assert len(compiled._plans) == 3
    with pytest.raises(TypeError, match="list of int"):
        compiled.rows(ids=["1"], user_id=member.user_id)


def test_a_date_parameter(feed: list[Notification], member: Membership) -> None:
    def since(*, user_id: int, day: date) -> QuerySet[Notification, Any]:
        return Notification.objects.filter(user_id=user_id, created_at__date__gte=day).values("id")

    compiled = CompiledQuery(since, params={"user_id": int, "day": date})
    today = feed[0].created_at.date()
    assert len(compiled.rows(user_id=member.user_id, day=today - timedelta(days=1))) == 7
    assert compiled.rows(user_id=member.user_id, day=today + timedelta(days=2)) == []
    with pytest.raises(TypeError, match="day must be date"):
        compiled.rows(user_id=member.user_id, day=datetime.now(UTC))


def test_a_value_derived_from_a_parameter_is_not_taken_for_a_constant(
    feed: list[Notification], member: Membership
) -> None:
    # given: a build that filters by a value computed from its parameter (id + 2)
    def after_next(*, user_id: int, after: int) -> QuerySet[Notification, Any]:
        rows = Notification.objects.filter(user_id=user_id, id__gt=after + 2)
        return rows.order_by("id").values("id")

    compiled = CompiledQuery(after_next, params={"user_id": int, "after": int})
    # when: two calls with different values
    first = compiled.rows(user_id=member.user_id, after=feed[0].pk)
    second = compiled.rows(user_id=member.user_id, after=feed[3].pk)
    # then: each the ORM's answer for its own value (never the first's constant)
    assert [r["id"] for r in first] == [n.pk for n in feed[3:]]
    assert [r["id"] for r in second] == [feed[6].pk]
