"""GDPR export and erasure for the Fundbüro (declared in the app registry)."""

from __future__ import annotations

from typing import Any

from dorf.lostfound import services
from dorf.lostfound.models import Claim, FoundItem, LostReport
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "finds": [
            {
                "number": item.number,
                "description": item.description,
                "secret_features": item.secret_features,
                "found_at": item.found_at.isoformat(),
                "found_place": item.found_place,
                "state": item.state,
            }
            for item in FoundItem.objects.filter(finder=user)
        ],
        "lost_reports": [
            {
                "description": report.description,
                "lost_from": report.lost_from.isoformat(),
                "lost_until": report.lost_until.isoformat(),
                "lost_place": report.lost_place,
            }
            for report in LostReport.objects.filter(reporter=user)
        ],
        "claims": [
            {
                "found_item": claim.found_item.number,
                "features": claim.features,
                "state": claim.state,
            }
            for claim in Claim.objects.filter(claimant=user).select_related("found_item")
        ],
    }


def erase_personal_data(user: User) -> None:
    services.erase_user(user)
