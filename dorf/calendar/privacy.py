"""GDPR for the calendar module: which feed URLs a user has; erasure revokes them all."""

from __future__ import annotations

from typing import Any

from dorf.calendar import services
from dorf.calendar.models import FeedToken
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "feeds": [
            {"scope": token.scope, "created_at": token.created_at.isoformat()}
            for token in FeedToken.objects.filter(user=user).order_by("scope")
        ]
    }


def erase_personal_data(user: User) -> None:
    services.feed_token_revoke(user=user)
