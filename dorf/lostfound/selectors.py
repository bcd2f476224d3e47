"""Read use-cases of the Fundbüro, scoped to the viewer's villages."""

from __future__ import annotations

from django.db.models import QuerySet

from dorf.lostfound.models import OPEN_STATES, Claim, FoundItem, LostReport
from dorf.users.models import User
from dorf.villages.models import Membership, Role


def found_item_list(
    *, membership: Membership, category: str | None = None, open_only: bool = True
) -> QuerySet[FoundItem]:
    items = FoundItem.objects.filter(village_id=membership.village_id)
    if open_only:
        items = items.filter(state__in=OPEN_STATES)
    if category:
        items = items.filter(category=category)
    return items.select_related("finder").prefetch_related("photos")


def found_item_get(*, membership: Membership, found_item_id: int) -> FoundItem | None:
    return (
        FoundItem.objects.filter(village_id=membership.village_id, pk=found_item_id)
        .select_related("finder", "village")
        .prefetch_related("photos")
        .first()
    )


def claim_list(*, membership: Membership, found_item: FoundItem) -> QuerySet[Claim]:
    """Staff see every claim of the find; anyone else only their own."""
    claims = Claim.objects.filter(found_item=found_item).select_related("claimant")
    if membership.role != Role.STAFF:
        claims = claims.filter(claimant_id=membership.user_id)
    return claims


def lost_report_list(*, user: User, membership: Membership) -> QuerySet[LostReport]:
    return LostReport.objects.filter(village_id=membership.village_id, reporter=user)


def matches_for(*, user: User, membership: Membership, report_id: int) -> QuerySet[FoundItem]:
    return (
        FoundItem.objects.filter(
            village_id=membership.village_id,
            matches__lost_report_id=report_id,
            matches__lost_report__reporter=user,
            state__in=OPEN_STATES,
        )
        .select_related("finder")
        .prefetch_related("photos")
    )


def may_see_secrets(membership: Membership, item: FoundItem) -> bool:
    """The secret features are for the town hall and the finder, never for claimants."""
    return membership.role == Role.STAFF or item.finder_id == membership.user_id
