from __future__ import annotations

from typing import Any

from dorf.core.privacy import ERASED as ERASED_TEXT
from dorf.notifications.models import (
    Notification,
    NotificationPreference,
    PushSubscription,
    QuietHours,
)
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    quiet = QuietHours.objects.filter(user=user).first()
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
        "channel_preferences": [
            {"category": p.category, "socket": p.socket, "push": p.push, "email": p.email}
            for p in NotificationPreference.objects.filter(user=user).order_by("category")
        ],
        "quiet_hours": (
            {
                "enabled": quiet.enabled,
                "starts": quiet.starts.isoformat(),
                "ends": quiet.ends.isoformat(),
            }
            if quiet
            else None
        ),
        "push_subscriptions": [
            {
                "endpoint": s.endpoint,
                "user_agent": s.user_agent,
                "created_at": s.created_at.isoformat(),
                "refreshed_at": s.refreshed_at.isoformat(),
            }
            for s in PushSubscription.objects.filter(user=user).order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    Notification.objects.filter(user=user).delete()
    # Other people's notifications that carry the erased person's name or words.
    Notification.objects.filter(actor=user).update(title=ERASED_TEXT, body="", actor=None)
    NotificationPreference.objects.filter(user=user).delete()
    QuietHours.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
