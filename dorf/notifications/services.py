"""Write use-cases of the notification feed, and the fan-out every app notifies through.

``notify_many`` (one text to many people) and ``notify_each`` (a different notice per
person) store the feed entries with one multi-row insert per batch of 2,000, straight
from the values (``_feed_store``), and announce them with one preferences query and one
broadcast after the transaction commits. Each entry is rendered in its **recipient's**
language (``user.language``), never in the language of the request that caused it:
callers pass lazily translated templates (``gettext_lazy``) and their ``params``, and
the template is translated per recipient.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple, cast, overload

from celery import current_app
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise

from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.realtime import send_each_on_commit
from dorf.core.seeding import is_seeding
from dorf.notifications.categories import policy_of
from dorf.notifications.endpoints import endpoint_problem
from dorf.notifications.models import (
    Category,
    Notification,
    NotificationPreference,
    PushSubscription,
    QuietHours,
    Urgency,
)
from dorf.notifications.quiet_hours import DEFAULT_ENDS, DEFAULT_STARTS
from dorf.users.models import User
from dorf.villages.models import MODERATING_ROLES, Membership, MembershipState, Village

logger = logging.getLogger(__name__)

#: The Celery task that plans push and e-mail of new notifications (dorf.notifications.tasks).
DISPATCH_TASK = "notifications.dispatch"

TITLE_MAX = 200
BODY_MAX = 1000


def notification_payload(notification: Notification) -> dict[str, object]:
    return {
        "id": notification.pk,
        "category": notification.category,
        "title": notification.title,
        "body": notification.body,
        "link_type": notification.link_type,
        "link_id": notification.link_id,
        "created_at": notification.created_at.isoformat(),
    }


@dataclass(frozen=True, eq=False)
class NotificationText:
    """A title and body to translate per recipient.

    ``title`` and ``body`` are lazily translated templates (``gettext_lazy``) or plain
    text (a user's words, a club's name). ``params`` fill the ``%(name)s`` placeholders
    of the lazy templates only and may be lazy themselves (a choice label); plain text is
    stored as it is, so a "%" in someone's words is harmless.
    """

    title: StrOrPromise
    body: StrOrPromise = ""
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, language: str) -> tuple[str, str]:
        with translation.override(language):
            values = {
                key: str(value) if isinstance(value, Promise) else value
                for key, value in self.params.items()
            }
            title, body = (
                str(text) % values if isinstance(text, Promise) and values else str(text)
                for text in (self.title, self.body)
            )
        return title[:TITLE_MAX], body[:BODY_MAX]


@dataclass(frozen=True)
class Notice:
    """One feed entry to create: who gets which text about what."""

    user: User
    category: Category
    text: NotificationText
    village_id: int | None = None
    link_type: str = ""
    link_id: int | None = None
    # Whose name or words the text carries: erasing that person blanks them (privacy.py).
    actor_id: int | None = None
    # Push: None takes the category's urgency; HIGH (severe warnings) also ignores quiet
    # hours. ``topic``: a later push with the same topic replaces an undelivered one.
    # ``expires_at``: when it is pointless (a reminder: the event), the push TTL.
    urgency: Urgency | None = None
    topic: str = ""
    expires_at: datetime | None = None
    # The recipient chose this time inside their own quiet hours (a reminder they set for
    # 05:30): push and e-mail do not wait for the quiet hours to end.
    ignore_quiet_hours: bool = False


def user_language(user: User) -> str:
    """The language a user reads notifications in (German unless they chose otherwise)."""
    return _known_language(user.language)


def _known_language(language: str) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


@transaction.atomic
def notify_each(*, notices: Sequence[Notice]) -> FeedEntries:
    """Store each notice in its recipient's feed; announce them after commit.

    One preferences query, one multi-row insert per ``FANOUT_BATCH`` entries, one
    broadcast, whatever the number. A muted category is still stored (the feed stays
    complete) but not announced live. Texts shared between notices are rendered once per
    language.
    """
    rendered = _Renderer()
    return _feed_store(
        [
            _FeedRow(
                user_id=notice.user.pk,
                village_id=notice.village_id,
                category=notice.category,
                title_body=rendered(notice.text, notice.user.language),
                actor_id=notice.actor_id,
                link_type=notice.link_type,
                link_id=notice.link_id,
                urgency=notice.urgency or policy_of(notice.category).urgency,
                topic=notice.topic,
                expires_at=notice.expires_at,
                ignore_quiet_hours=notice.ignore_quiet_hours,
            )
            for notice in notices
        ]
    )


class _Renderer:
    """Renders each text once per language (a village-wide fan-out has one text)."""

    def __init__(self) -> None:
        # NotificationText compares by identity (eq=False): one entry per text object.
        self._rendered: dict[tuple[NotificationText, str], tuple[str, str]] = {}

    def __call__(self, text: NotificationText, language: str) -> tuple[str, str]:
        key = (text, language)
        if key not in self._rendered:
            self._rendered[key] = text.render(_known_language(language))
        return self._rendered[key]


class _FeedRow(NamedTuple):
    """One feed entry to insert: a ``Notification`` row without id, times and read mark."""

    user_id: int
    village_id: int | None
    category: str
    title_body: tuple[str, str]
    actor_id: int | None
    link_type: str
    link_id: int | None
    urgency: str
    topic: str
    expires_at: datetime | None
    ignore_quiet_hours: bool


#: Feed entries per INSERT statement of a fan-out (PostgreSQL; SQLite takes fewer, as many
#: as its limit of query parameters allows).
FANOUT_BATCH = 2000

# The columns a fan-out writes, in the order of ``_row_values``; ``read_at`` stays NULL.
_FEED_FIELDS = (
    "user",
    "village",
    "category",
    "title",
    "body",
    "actor",
    "link_type",
    "link_id",
    "created_at",
    "urgency",
    "topic",
    "expires_at",
    "ignore_quiet_hours",
)


def _row_values(row: _FeedRow, created_at: datetime) -> tuple[object, ...]:
    title, body = row.title_body
    return (
        row.user_id,
        row.village_id,
        str(row.category),
        title,
        body,
        row.actor_id,
        row.link_type,
        row.link_id,
        created_at,
        str(row.urgency),
        row.topic,
        row.expires_at,
        row.ignore_quiet_hours,
    )


def _feed_store(rows: list[_FeedRow]) -> FeedEntries:
    """Insert the feed entries, announce them on the sockets and hand push and e-mail to
    the background, both after commit. The caller holds the transaction.

    A village-wide fan-out is 5,000 rows: they go in with one multi-row INSERT per
    ``FANOUT_BATCH`` rows straight from the values, without a model instance and Django's
    per-field preparation of each row (through ``bulk_create`` that preparation cost
    several times the database's own time).
    """
    created_at = timezone.now()
    values = [_row_values(row, created_at) for row in rows]
    entries = FeedEntries(_feed_insert(values) if values else [], values)
    if entries and not is_seeding():
        # The demo's history goes to the feeds, not to phones, inboxes and live sockets:
        # it is about last spring, and nobody is signed in as the residents it just made.
        _announce_on_commit(list(entries))
        transaction.on_commit(lambda: _dispatch_after_commit(entries.ids))
    return entries


class FeedEntries(Sequence[Notification]):
    """The notifications a fan-out stored, in the order of its notices.

    Each becomes a ``Notification`` (as a query would load it) only when it is read:
    most callers of a village-wide fan-out only count them.
    """

    _fields = [field.attname for field in Notification._meta.concrete_fields]

    def __init__(self, ids: list[int], values: list[tuple[object, ...]]) -> None:
        self.ids = ids
        self._values = values

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Notification: ...
    @overload
    def __getitem__(self, index: slice) -> list[Notification]: ...
    def __getitem__(self, index: int | slice) -> Notification | list[Notification]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self._values[index]
        # read_at, between created_at and urgency, is NULL
        row = (self.ids[index], *value[:9], None, *value[9:])
        return Notification.from_db(connection.alias, self._fields, row)


def _announce_on_commit(notifications: list[Notification]) -> None:
    """One socket event per entry whose category the recipient did not mute (one query)."""
    socket_choice = {
        (user_id, category): socket
        for user_id, category, socket in NotificationPreference.objects.filter(
            user_id__in={n.user_id for n in notifications},
            category__in={n.category for n in notifications},
        ).values_list("user_id", "category", "socket")
    }
    send_each_on_commit(
        [
            (n.user_id, "notification", notification_payload(n))
            for n in notifications
            if socket_choice.get((n.user_id, n.category), policy_of(n.category).socket)
        ]
    )


def _feed_insert(values: list[tuple[object, ...]]) -> list[int]:
    """INSERT the rows (values in ``_FEED_FIELDS`` order); their ids, in the same order."""
    columns = _feed_columns()
    table = connection.ops.quote_name(Notification._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column.name) for column in columns)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(values), FANOUT_BATCH):
                sql, params = _unnest_insert(
                    table, names, columns, values[start : start + FANOUT_BATCH]
                )
                cursor.execute(sql, params)
                ids.extend(pk for (pk,) in cursor.fetchall())
            return ids
        # SQLite (the demo without services): VALUES rows, as many as its parameters allow.
        limit = connection.features.max_query_params or FANOUT_BATCH * len(columns)
        batch = max(1, min(FANOUT_BATCH, limit // len(columns)))
        row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(values), batch):
            chunk = values[start : start + batch]
            # Only names of the model and placeholders are formatted into the text.
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([row_sql] * len(chunk))}"  # noqa: S608
                ' RETURNING "id"',
                [
                    _sqlite_value(value, column)
                    for row in chunk
                    for column, value in zip(columns, row, strict=True)
                ],
            )
            ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


def _sqlite_value(value: Any, column: _Column) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if column.is_datetime else value


class _Column(NamedTuple):
    name: str
    #: PostgreSQL type without a length: a cast to varchar(200) would cut a longer text
    #: silently, a cast to varchar lets the column refuse it.
    db_type: str
    is_datetime: bool


def _feed_columns() -> list[_Column]:
    columns = []
    for name in _FEED_FIELDS:
        model_field = cast("models.Field[Any, Any]", Notification._meta.get_field(name))
        columns.append(
            _Column(
                name=model_field.column or name,
                db_type=re.sub(r"\(\d+\)", "", model_field.db_type(connection) or ""),
                is_datetime=isinstance(model_field, models.DateTimeField),
            )
        )
    return columns


def _unnest_insert(
    table: str, names: str, columns: list[_Column], rows: list[tuple[object, ...]]
) -> tuple[str, list[Any]]:
    """``INSERT ... SELECT ... FROM UNNEST(arrays)``: one array per column that differs
    between the rows (the recipient always does), one value for a column they share."""
    select: list[str] = []
    select_params: list[Any] = []
    arrays: list[str] = []
    array_names: list[str] = []
    array_params: list[Any] = []
    for index, column in enumerate(columns):
        values = [row[index] for row in rows]
        first = values[0]
        if index and all(value == first for value in values):
            select.append(f"%s::{column.db_type}")
            select_params.append(first)
        else:
            select.append(f"c{index}")
            arrays.append(f"%s::{column.db_type}[]")
            array_names.append(f"c{index}")
            array_params.append(values)
    # Only names of the model, casts and placeholders are formatted into the text.
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(select)} "  # noqa: S608
        f'FROM UNNEST({", ".join(arrays)}) AS r({", ".join(array_names)}) RETURNING "id"'
    )
    return sql, [*select_params, *array_params]


def _dispatch_after_commit(notification_ids: list[int]) -> None:
    """Hand push and e-mail to the background; the action has committed already.

    A broker that is down (or, inline, a failing push service) must not turn a done
    action into an error: the feed entry is stored, the sweeper retries what is due.
    """
    try:
        # By name: the task module imports this one (NotificationsConfig.ready registers it).
        current_app.tasks[DISPATCH_TASK].delay(notification_ids)
    except Exception:
        logger.exception("could not dispatch notifications %s", notification_ids[:10])


@transaction.atomic
def notify_many(
    *,
    recipients: Iterable[User],
    category: Category,
    title: StrOrPromise,
    body: StrOrPromise = "",
    params: Mapping[str, object] | None = None,
    village: Village | None = None,
    link_type: str = "",
    link_id: int | None = None,
    actor: User | None = None,
    urgency: Urgency | None = None,
    topic: str = "",
    expires_at: datetime | None = None,
) -> FeedEntries:
    """Tell every recipient the same thing, each in their own language.

    ``title``/``body`` are ``gettext_lazy`` templates (or plain text), ``params`` fill
    their placeholders. A recipient listed twice is notified once.
    """
    text = NotificationText(title=title, body=body, params=dict(params or {}))
    rendered = _Renderer()
    village_id = village.pk if village is not None else None
    actor_id = actor.pk if actor is not None else None
    urgency = urgency or policy_of(category).urgency
    return _feed_store(
        [
            _FeedRow(
                user_id=user_id,
                village_id=village_id,
                category=category,
                title_body=rendered(text, language),
                actor_id=actor_id,
                link_type=link_type,
                link_id=link_id,
                urgency=urgency,
                topic=topic,
                expires_at=expires_at,
                ignore_quiet_hours=False,
            )
            for user_id, language in _recipients(recipients)
        ]
    )


def _recipients(users: Iterable[User]) -> list[tuple[int, str]]:
    """Each recipient once, as (id, language), in the given order. A QuerySet (all the
    residents of a village) is read as these two columns only, not as 5,000 users with
    every column."""
    if isinstance(users, QuerySet):
        pairs: Iterable[tuple[int, str]] = users.values_list("pk", "language")
    else:
        pairs = ((user.pk, user.language) for user in users)
    return list(dict(pairs).items())


def notify(
    *,
    user: User,
    category: Category,
    title: StrOrPromise,
    body: StrOrPromise = "",
    params: Mapping[str, object] | None = None,
    village: Village | None = None,
    link_type: str = "",
    link_id: int | None = None,
    actor: User | None = None,
    urgency: Urgency | None = None,
    topic: str = "",
    expires_at: datetime | None = None,
) -> Notification:
    """One notification for one person (``notify_many`` with a single recipient)."""
    (notification,) = notify_many(
        recipients=[user],
        category=category,
        title=title,
        body=body,
        params=params,
        village=village,
        link_type=link_type,
        link_id=link_id,
        actor=actor,
        urgency=urgency,
        topic=topic,
        expires_at=expires_at,
    )
    return notification


def moderators_of(*, village_id: int) -> list[User]:
    """The verified moderators and staff of a village: who is told about reports."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            village_id=village_id, role__in=MODERATING_ROLES, state=MembershipState.VERIFIED
        )
        .select_related("user")
        .order_by("user_id")
    ]


def notify_moderators(
    *,
    village_id: int,
    title: StrOrPromise,
    body: StrOrPromise = "",
    params: Mapping[str, object] | None = None,
    link_type: str = "",
    link_id: int | None = None,
    actor: User | None = None,
) -> FeedEntries:
    """Tell a village's moderators that something awaits them (a report)."""
    return notify_many(
        recipients=moderators_of(village_id=village_id),
        category=Category.REPORT,
        title=title,
        body=body,
        params=params,
        village=Village(pk=village_id),
        link_type=link_type,
        link_id=link_id,
        actor=actor,
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread notification read; returns how many changed."""
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())


# --- preferences ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelChoice:
    """One category's channels for one user (the in-app feed is always on)."""

    category: str
    socket: bool
    push: bool
    email: bool


@dataclass(frozen=True)
class QuietHoursChoice:
    enabled: bool
    starts: time
    ends: time


def preferences_get(*, user: User) -> tuple[list[ChannelChoice], QuietHoursChoice]:
    """Every category with the user's channels (their choice, else the default)."""
    stored = {p.category: p for p in NotificationPreference.objects.filter(user=user)}
    choices = []
    for category in Category:
        default = policy_of(category)
        pref = stored.get(category.value)
        choices.append(
            ChannelChoice(
                category=category.value,
                socket=pref.socket if pref else default.socket,
                push=pref.push if pref else default.push,
                email=pref.email if pref else default.email,
            )
        )
    return choices, quiet_hours_of(user=user)


def quiet_hours_of(*, user: User) -> QuietHoursChoice:
    stored = QuietHours.objects.filter(user=user).first()
    if stored is None:
        return QuietHoursChoice(enabled=True, starts=DEFAULT_STARTS, ends=DEFAULT_ENDS)
    return QuietHoursChoice(enabled=stored.enabled, starts=stored.starts, ends=stored.ends)


@transaction.atomic
def preferences_set(
    *,
    user: User,
    channels: Mapping[str, Mapping[str, bool]] | None = None,
    quiet_hours: Mapping[str, Any] | None = None,
) -> tuple[list[ChannelChoice], QuietHoursChoice]:
    """Change some channels of some categories and/or the quiet hours; returns all.

    ``channels``: ``{category: {"socket"|"push"|"email": bool}}``; a channel not named
    keeps its current value. ``quiet_hours``: any of ``enabled``, ``starts``, ``ends``.
    """
    unknown = sorted(set(channels or {}) - set(Category.values))
    if unknown:
        raise ValidationFailed(fields={"categories": [_("Unknown category.")]})
    for category, changes in sorted((channels or {}).items()):
        default = policy_of(category)
        pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user,
            category=category,
            defaults={"socket": default.socket, "push": default.push, "email": default.email},
        )
        for channel in ("socket", "push", "email"):
            if channel in changes:
                setattr(pref, channel, bool(changes[channel]))
        pref.save(update_fields=["socket", "push", "email"])
    if quiet_hours:
        current = quiet_hours_of(user=user)
        QuietHours.objects.update_or_create(
            user=user,
            defaults={
                "enabled": quiet_hours.get("enabled", current.enabled),
                "starts": quiet_hours.get("starts", current.starts),
                "ends": quiet_hours.get("ends", current.ends),
            },
        )
    return preferences_get(user=user)


@transaction.atomic
def email_unsubscribe(*, user_id: int, category: str) -> None:
    """Switch e-mail off for one category (the one-click link in every notification mail)."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or category not in Category.values:
        raise NotFound()
    preferences_set(user=user, channels={category: {"email": False}})


# --- push subscriptions ------------------------------------------------------------------


@transaction.atomic
def push_subscription_save(
    *,
    user: User,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    old_endpoint: str = "",
) -> tuple[PushSubscription, bool]:
    """Store or refresh a device's subscription; returns (subscription, created).

    The endpoint is unique: the same browser signing in as someone else moves to them
    (only that browser holds the keys to read the pushes). ``old_endpoint``: the
    subscription a ``pushsubscriptionchange`` replaced, deleted if it is the user's. Past
    the per-user limit the device not refreshed for longest is dropped.
    """
    problem = endpoint_problem(endpoint)
    if problem:
        raise ValidationFailed(fields={"endpoint": [problem]}, code="endpoint_refused")
    now = timezone.now()
    if old_endpoint and old_endpoint != endpoint:
        PushSubscription.objects.filter(user=user, endpoint=old_endpoint).delete()
    subscription = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    created = subscription is None or subscription.user_id != user.pk
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint)
    subscription.user = user
    subscription.p256dh = p256dh
    subscription.auth = auth
    subscription.user_agent = user_agent[:200]
    subscription.refreshed_at = now
    subscription.save()
    surplus = PushSubscription.objects.filter(user=user).order_by("-refreshed_at", "-id")[
        settings.DORF_PUSH_MAX_SUBSCRIPTIONS :
    ]
    PushSubscription.objects.filter(pk__in=[s.pk for s in surplus]).delete()
    return subscription, created


@transaction.atomic
def push_subscription_delete(*, user: User, endpoint: str) -> None:
    deleted, _details = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    if not deleted:
        raise NotFound()


def push_subscriptions_delete_stale(*, now: datetime | None = None) -> int:
    """Delete subscriptions no app refreshed for DORF_PUSH_STALE_DAYS (silent expiry)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DORF_PUSH_STALE_DAYS)
    deleted, _details = PushSubscription.objects.filter(refreshed_at__lt=cutoff).delete()
    return deleted
