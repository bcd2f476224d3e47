"""Write use-cases of the notification feed, and the fan-out every app notifies through.

``notify_many`` (one text to many people) and ``notify_each`` (a different notice per
person) store the feed entries with one preferences query and one bulk insert, and
announce them with one broadcast after the transaction commits. Each entry is rendered
in its **recipient's** language (``user.language``), never in the language of the
request that caused it: callers pass lazily translated templates (``gettext_lazy``) and
their ``params``, and the template is translated per recipient.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django_stubs_ext import StrOrPromise

from dorf.core.exceptions import NotFound
from dorf.core.realtime import send_each_on_commit
from dorf.notifications.models import Category, Notification, NotificationPreference
from dorf.users.models import User
from dorf.villages.models import MODERATING_ROLES, Membership, MembershipState, Village

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


def user_language(user: User) -> str:
    """The language a user reads notifications in (German unless they chose otherwise)."""
    known = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in known else settings.LANGUAGE_CODE


@transaction.atomic
def notify_each(*, notices: Sequence[Notice]) -> list[Notification]:
    """Store each notice in its recipient's feed; announce them after commit.

    One preferences query, one bulk insert, one broadcast, whatever the number. A muted
    category is still stored (the feed stays complete) but not announced live. Texts
    shared between notices are rendered once per language.
    """
    if not notices:
        return []
    rendered: dict[tuple[int, str], tuple[str, str]] = {}
    notifications: list[Notification] = []
    for notice in notices:
        language = user_language(notice.user)
        key = (id(notice.text), language)
        if key not in rendered:
            rendered[key] = notice.text.render(language)
        title, body = rendered[key]
        notifications.append(
            Notification(
                user=notice.user,
                category=notice.category,
                title=title,
                body=body,
                village_id=notice.village_id,
                link_type=notice.link_type,
                link_id=notice.link_id,
                actor_id=notice.actor_id,
            )
        )
    muted = set(
        NotificationPreference.objects.filter(
            user_id__in={notice.user.pk for notice in notices},
            category__in={notice.category for notice in notices},
            muted=True,
        ).values_list("user_id", "category")
    )
    Notification.objects.bulk_create(notifications)
    send_each_on_commit(
        [
            (n.user_id, "notification", notification_payload(n))
            for n in notifications
            if (n.user_id, n.category) not in muted
        ]
    )
    return notifications


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
) -> list[Notification]:
    """Tell every recipient the same thing, each in their own language.

    ``title``/``body`` are ``gettext_lazy`` templates (or plain text), ``params`` fill
    their placeholders. A recipient listed twice is notified once.
    """
    text = NotificationText(title=title, body=body, params=dict(params or {}))
    unique = {user.pk: user for user in recipients}
    return notify_each(
        notices=[
            Notice(
                user=user,
                category=category,
                text=text,
                village_id=village.pk if village is not None else None,
                link_type=link_type,
                link_id=link_id,
                actor_id=actor.pk if actor is not None else None,
            )
            for user in unique.values()
        ]
    )


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
) -> list[Notification]:
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


@transaction.atomic
def preferences_set(*, user: User, muted: dict[str, bool]) -> dict[str, bool]:
    """Mute or unmute categories (keys are Category values); returns the full map."""
    for category, is_muted in sorted(muted.items()):
        NotificationPreference.objects.update_or_create(
            user=user, category=category, defaults={"muted": is_muted}
        )
    return preferences_get(user=user)


def preferences_get(*, user: User) -> dict[str, bool]:
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("category", "muted"))
    return {category.value: stored.get(category.value, False) for category in Category}
