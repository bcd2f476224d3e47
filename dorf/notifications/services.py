"""Write use-cases of the notification feed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dorf.core.exceptions import NotFound
from dorf.core.realtime import send_to_users_on_commit
from dorf.notifications.models import Category, Notification, NotificationPreference
from dorf.users.models import User
from dorf.villages.models import Village


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


@transaction.atomic
def notify(
    *,
    user: User,
    category: Category,
    title: str,
    body: str = "",
    village: Village | None = None,
    link_type: str = "",
    link_id: int | None = None,
    actor: User | None = None,
) -> Notification:
    """Store a notification in the user's feed and push it to their socket after commit.

    A category the user muted is still stored (the feed stays complete) but not pushed.
    ``actor``: the person whose name or words title and body carry (their erasure blanks
    them).
    """
    notification = Notification.objects.create(
        user=user,
        actor=actor,
        village=village,
        category=category,
        title=title[:200],
        body=body[:1000],
        link_type=link_type,
        link_id=link_id,
    )
    muted = NotificationPreference.objects.filter(user=user, category=category, muted=True).exists()
    if not muted:
        send_to_users_on_commit([user.pk], "notification", notification_payload(notification))
    return notification


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
