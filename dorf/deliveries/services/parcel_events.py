"""A parcel's status changes as events, and telling its household about them.

Shared by the parcel, planning and route use-cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.utils import timezone

from dorf.core.realtime import send_to_users_on_commit
from dorf.deliveries.models import Parcel, ParcelEvent
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState


def parcel_status_record(
    parcels: Sequence[Parcel], to_status: str, *, actor: User | None, note: str = ""
) -> None:
    """Move ``parcels`` (already locked) to ``to_status`` in memory and write one event each.

    The caller saves the parcels: it knows which other fields changed with the status.
    """
    now = timezone.now()
    events = [
        ParcelEvent(
            parcel=parcel,
            from_status=parcel.status,
            to_status=to_status,
            at=now,
            actor=actor,
            note=note[:300],
        )
        for parcel in parcels
        if parcel.status != to_status
    ]
    ParcelEvent.objects.bulk_create(events)
    for parcel in parcels:
        parcel.status = to_status


def _recipients(household_ids: Iterable[int]) -> dict[int, list[int]]:
    """household id -> user ids of its verified members."""
    members: dict[int, list[int]] = defaultdict(list)
    rows = Membership.objects.filter(
        household_id__in=set(household_ids), state=MembershipState.VERIFIED
    ).values_list("household_id", "user_id")
    for household_id, user_id in rows:
        members[household_id].append(user_id)
    return members


def parcels_announce(parcels: Sequence[Parcel], etas: Mapping[int, dt.datetime | None]) -> None:
    """Tell each recipient household what changed about its parcel, after commit."""
    members = _recipients(p.household_id for p in parcels if p.household_id is not None)
    for parcel in parcels:
        users = members.get(parcel.household_id or 0, [])
        if not users:
            continue
        eta = etas.get(parcel.pk)
        send_to_users_on_commit(
            users,
            "delivery.eta",
            {
                "parcel_id": parcel.pk,
                "status": parcel.status,
                "eta": eta.isoformat() if eta else None,
            },
        )
