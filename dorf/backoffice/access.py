"""Who may enter the backoffice, and which villages each queue shows them.

The backoffice is a second admin site for the people who run a village: verified
municipality staff, verified moderators (members' requests and reported content) and the
editors and publishers of the village's news. Each screen asks this module for the
villages (or news publishers) it may show, so one person's view is the union of their
roles and never more. Operators (``user.is_staff``, the people who run the deployment)
see every village; they act through the services like everybody else, so a change still
needs a staff membership of that village.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from dorf.news.models import PublisherRole
from dorf.users.models import User
from dorf.villages.models import MODERATING_ROLES, Membership, MembershipState, Role


@dataclass(frozen=True)
class Access:
    """What one user may see in the backoffice (computed once per request)."""

    operator: bool = False
    staff_village_ids: frozenset[int] = frozenset()
    moderator_village_ids: frozenset[int] = frozenset()
    publisher_ids: frozenset[int] = frozenset()
    # Villages where the user writes or publishes for one of the news publishers.
    news_village_ids: frozenset[int] = frozenset()
    memberships: dict[int, Membership] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return (
            self.operator
            or bool(self.staff_village_ids)
            or bool(self.moderator_village_ids)
            or bool(self.publisher_ids)
        )

    @property
    def village_ids(self) -> frozenset[int]:
        """Every village the user works for in any role."""
        return self.staff_village_ids | self.moderator_village_ids | self.news_village_ids

    def membership(self, village_id: int) -> Membership | None:
        """The user's verified membership in ``village_id`` (the actor of a service)."""
        return self.memberships.get(village_id)


def compute_access(user: User | AnonymousUser) -> Access:
    if not user.is_authenticated or not user.is_active:
        return Access()
    memberships = {
        m.village_id: m
        for m in Membership.objects.filter(user=user, state=MembershipState.VERIFIED)
        .select_related("village", "user")
        .order_by("village__name")
    }
    roles = list(
        PublisherRole.objects.filter(
            user=user, publisher__village_id__in=list(memberships)
        ).values_list("publisher_id", "publisher__village_id")
    )
    return Access(
        operator=user.is_staff,
        staff_village_ids=frozenset(vid for vid, m in memberships.items() if m.role == Role.STAFF),
        moderator_village_ids=frozenset(
            vid for vid, m in memberships.items() if m.role in MODERATING_ROLES
        ),
        publisher_ids=frozenset(pid for pid, _vid in roles),
        memberships=memberships,
        news_village_ids=frozenset(vid for _pid, vid in roles),
    )


def access_of(request: HttpRequest) -> Access:
    """The request's access, computed on first use."""
    cached: Access | None = getattr(request, "_backoffice_access", None)
    if cached is None:
        cached = compute_access(request.user)
        request._backoffice_access = cached  # type: ignore[attr-defined]
    return cached
