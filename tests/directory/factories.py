from __future__ import annotations

from typing import Any

from dorf.directory import services
from dorf.directory.models import DirectoryEntry, EntryCategory, OwnershipClaim
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory


def staff_of(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


def entry_in(village: Village, *, staff: Membership | None = None, **fields: Any) -> DirectoryEntry:
    values: dict[str, Any] = {
        "name": f"Bäckerei {DirectoryEntry.objects.count() + 1}",
        "category": EntryCategory.SHOP,
        "opening_hours": "Mo-Fr 08:00-18:00; PH off",
        "latitude": village.centre_lat,
        "longitude": village.centre_lon,
    }
    values.update(fields)
    staff = staff or staff_of(village)
    return services.entry_create(actor=staff.user, village_id=village.pk, **values)


def claim_on(entry: DirectoryEntry, claimant: Membership | None = None) -> OwnershipClaim:
    claimant = claimant or MembershipFactory(village=entry.village)
    return services.claim_create(user=claimant.user, entry_id=entry.pk, message="Meins")
