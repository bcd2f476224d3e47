"""Personal data in the audit log.

A staff member's erasure keeps the record that an action happened (the village needs to
account for its decisions) but drops the link to the person. An entry *about* an erased
person (their membership verified, their report fixed) loses what it said about them:
the object's name and the changed values.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry

from dorf.core.privacy import ERASED
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "actions": [
            {
                "timestamp": entry.timestamp.isoformat(),
                "object": entry.object_repr,
                "verb": (entry.additional_data or {}).get("verb", ""),
                "changes": entry.changes,
            }
            for entry in LogEntry.objects.filter(actor=user).order_by("pk")
        ]
    }


def erase_personal_data(user: User) -> None:
    LogEntry.objects.filter(actor=user).update(actor=None, actor_email=None, remote_addr=None)
    LogEntry.objects.filter(additional_data__subject_user_id=user.pk).update(
        object_repr=ERASED, changes=None, changes_text="", serialized_data=None
    )
