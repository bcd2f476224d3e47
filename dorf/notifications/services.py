"""Write use-cases of the notification feed."""

from __future__ import annotations

from django.db import transaction

from dorf.core.realtime import send_to_users_on_commit
from dorf.notifications.models import Category, Notification
from dorf.users.models import User
from dorf.villages.models import Village


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
) -> Notification:
    """Store a notification in the user's feed and push it to their socket after commit."""
    notification = Notification.objects.create(
        user=user,
        village=village,
        category=category,
        title=title[:200],
        body=body[:1000],
        link_type=link_type,
        link_id=link_id,
    )
    send_to_users_on_commit(
        [user.pk],
        "notification",
        {
            "id": notification.pk,
            "category": category.value,
            "title": notification.title,
            "body": notification.body,
            "link_type": link_type,
            "link_id": link_id,
            "created_at": notification.created_at.isoformat(),
        },
    )
    return notification
