from __future__ import annotations

from typing import Any

from dorf.core.privacy import ERASED as ERASED_TEXT
from dorf.notifications.models import Notification, NotificationPreference
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "notifications": [
            {
                "category": n.category,
                "title": n.title,
                "body": n.body,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in Notification.objects.filter(user=user).order_by("id")
        ],
        "muted_categories": list(
            NotificationPreference.objects.filter(user=user, muted=True)
            .order_by("category")
            .values_list("category", flat=True)
        ),
    }


def erase_personal_data(user: User) -> None:
    Notification.objects.filter(user=user).delete()
    # Other people's notifications that carry the erased person's name or words.
    Notification.objects.filter(actor=user).update(title=ERASED_TEXT, body="", actor=None)
    NotificationPreference.objects.filter(user=user).delete()
