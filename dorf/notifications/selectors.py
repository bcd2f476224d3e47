from __future__ import annotations

from django.db.models import QuerySet

from dorf.notifications.models import Notification, PushSubscription
from dorf.users.models import User


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own feed (newest first via the paginator)."""
    queryset = Notification.objects.filter(user=user)
    if unread_only:
        queryset = queryset.filter(read_at=None)
    return queryset


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def push_subscription_list(*, user: User) -> QuerySet[PushSubscription]:
    """The user's own devices."""
    return PushSubscription.objects.filter(user=user)
