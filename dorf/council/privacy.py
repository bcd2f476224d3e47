"""GDPR export and erasure for the council import: only a person's follows are theirs."""

from __future__ import annotations

from typing import Any

from dorf.council.models import Follow
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "follows": [
            {
                "organization": follow.organization.name if follow.organization else None,
                "paper": follow.paper.name if follow.paper else None,
                "since": follow.created_at.isoformat(),
            }
            for follow in Follow.objects.filter(user=user).select_related("organization", "paper")
        ]
    }


def erase_personal_data(user: User) -> None:
    Follow.objects.filter(user=user).delete()
