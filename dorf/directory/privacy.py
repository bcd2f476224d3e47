"""GDPR export and erasure for the Branchenverzeichnis (declared in the app registry)."""

from __future__ import annotations

from typing import Any

from dorf.directory import services
from dorf.directory.models import DirectoryEntry, OwnershipClaim
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "owned_entries": [
            {"id": entry.pk, "name": entry.name, "village": entry.village.slug}
            for entry in DirectoryEntry.objects.filter(owner=user).select_related("village")
        ],
        "claims": [
            {
                "entry": claim.entry.name,
                "message": claim.message,
                "state": claim.state,
                "created_at": claim.created_at.isoformat(),
            }
            for claim in OwnershipClaim.objects.filter(claimant=user).select_related("entry")
        ],
    }


def erase_personal_data(user: User) -> None:
    services.erase_user(user)
