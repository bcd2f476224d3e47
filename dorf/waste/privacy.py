"""GDPR export and erasure for the Müllkalender (declared in the app registry).

A member's reminder setting and what was sent are personal; collections are not.
"""

from __future__ import annotations

from typing import Any

from dorf.users.models import User
from dorf.waste import services
from dorf.waste.models import ReminderSetting


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "reminders": [
            {
                "village": setting.membership.village.slug,
                "types": sorted(t.code for t in setting.waste_types.all()),
                "days_before": setting.days_before,
                "time": setting.time_local.strftime("%H:%M"),
                "enabled": setting.enabled,
            }
            for setting in ReminderSetting.objects.filter(membership__user=user)
            .select_related("membership__village")
            .prefetch_related("waste_types")
        ]
    }


def erase_personal_data(user: User) -> None:
    services.reminders_erase(user=user)
