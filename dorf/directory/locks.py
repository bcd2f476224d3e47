"""The one place that loads the directory rows a write changes, scoped to the acting
user's villages (another village's id is a 404) and row-locked."""

from __future__ import annotations

from dorf.directory.models import DirectoryEntry, OwnershipClaim
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def entry_for(user: User, entry_id: int) -> DirectoryEntry:
    entries = (
        DirectoryEntry.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(village__in=member_village_ids(user), archived_at__isnull=True)
    )
    return get_scoped_or_404(entries, pk=entry_id)


def claim_for(user: User, claim_id: int) -> OwnershipClaim:
    claims = (
        OwnershipClaim.objects.select_for_update(of=("self",))
        .select_related("entry__village", "claimant")
        .filter(entry__village__in=member_village_ids(user), entry__archived_at__isnull=True)
    )
    return get_scoped_or_404(claims, pk=claim_id)
