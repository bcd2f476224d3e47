"""The one place that loads the Fundbüro rows a write changes, scoped to the acting
user's villages (another village's id is a 404) and row-locked for status changes."""

from __future__ import annotations

from dorf.lostfound.models import Claim, FoundItem, LostReport
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def found_item_for(user: User, found_item_id: int, *, lock: bool = True) -> FoundItem:
    items = FoundItem.objects.select_related("village").filter(village__in=member_village_ids(user))
    return get_scoped_or_404(
        items.select_for_update(of=("self",)) if lock else items, pk=found_item_id
    )


def claim_for(user: User, claim_id: int) -> Claim:
    claims = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("found_item__village", "claimant")
        .filter(found_item__village__in=member_village_ids(user))
    )
    return get_scoped_or_404(claims, pk=claim_id)


def lost_report_for(user: User, report_id: int) -> LostReport:
    reports = LostReport.objects.select_for_update(of=("self",)).filter(
        village__in=member_village_ids(user)
    )
    return get_scoped_or_404(reports, pk=report_id)
