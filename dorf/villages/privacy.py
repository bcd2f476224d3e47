from __future__ import annotations

from typing import Any

from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState
from dorf.villages.services import household_delete_if_empty


def export_personal_data(user: User) -> dict[str, Any]:
    memberships = Membership.objects.filter(user=user).select_related("village", "household")
    return {
        "memberships": [
            {
                "village": m.village.name,
                "role": m.role,
                "state": m.state,
                "request_message": m.request_message,
                "joined_at": m.created_at.isoformat(),
                "verified_at": m.verified_at.isoformat() if m.verified_at else None,
                "household": (
                    {
                        "street": m.household.street,
                        "house_number": m.household.house_number,
                        "postcode": m.household.postcode,
                        "latitude": m.household.latitude,
                        "longitude": m.household.longitude,
                    }
                    if m.household
                    else None
                ),
            }
            for m in memberships
        ]
    }


def erase_personal_data(user: User) -> None:
    for membership in Membership.objects.filter(user=user).exclude(household=None):
        household_id = membership.household_id
        Membership.objects.filter(pk=membership.pk).update(household=None, request_message="")
        assert household_id is not None
        household_delete_if_empty(household_id=household_id)
    # The erased person leaves every village: no longer verified, not counted as a member,
    # invisible to village scoping (the row stays: the ledger's accounts point to it).
    Membership.objects.filter(user=user).update(
        request_message="", ban_reason="", state=MembershipState.LEFT
    )
