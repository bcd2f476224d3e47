"""A resident's check-ins after warnings: exported, and erased with the account."""

from __future__ import annotations

from typing import Any

from dorf.users.models import User
from dorf.warnings.models import CheckIn


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "warning_checkins": [
            {
                "warning": checkin.warning.headline,
                "answer": checkin.answer,
                "note": checkin.note,
                "created_at": checkin.created_at.isoformat(),
            }
            for checkin in CheckIn.objects.filter(user=user).select_related("warning")
        ]
    }


def erase_personal_data(user: User) -> None:
    CheckIn.objects.filter(user=user).delete()
