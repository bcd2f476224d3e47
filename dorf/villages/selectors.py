from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from dorf.users.models import User
from dorf.villages.models import AddressEntry, Membership, MembershipState, Village


def village_list(*, user: User) -> QuerySet[Village]:
    """All villages (their public profile), with the viewer's own membership prefetched."""
    return (
        Village.objects.order_by("name")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__state=MembershipState.VERIFIED))
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(user=user),
                to_attr="viewer_memberships",
            )
        )
    )


def member_list(*, viewer: Membership, state: str | None = None) -> QuerySet[Membership]:
    """Members of the viewer's village. Only moderators see pending and banned ones."""
    members = Membership.objects.filter(village_id=viewer.village_id).select_related("user")
    if viewer.is_moderator and state:
        return members.filter(state=state)
    return members.filter(state=MembershipState.VERIFIED)


def address_search(*, village: Village, query: str) -> QuerySet[AddressEntry]:
    return AddressEntry.objects.filter(village=village, street__icontains=query.strip())


def distance_origin(
    membership: Membership, point: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Where a member's distances are measured from: the point asked for, else their
    household, else the village centre."""
    if point is not None:
        return point
    household = membership.household
    if household is not None:
        return (household.latitude, household.longitude)
    return (membership.village.centre_lat, membership.village.centre_lon)
