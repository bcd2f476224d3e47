"""Read use-cases of bookings, already scoped to what the viewer may see."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from dorf.bookings.feeds import PAST_HORIZON
from dorf.bookings.models import LIVE_STATES, Booking, Resource
from dorf.core.exceptions import NotFound
from dorf.users.models import User
from dorf.villages.models import Membership
from dorf.villages.scoping import member_village_ids


def resource_list(*, membership: Membership) -> QuerySet[Resource]:
    return Resource.objects.filter(village_id=membership.village_id, active=True).order_by(
        "name", "pk"
    )


def resource_get(*, membership: Membership, resource_id: int) -> Resource:
    resource = (
        Resource.objects.select_related("village")
        .filter(pk=resource_id, village_id=membership.village_id, active=True)
        .first()
    )
    if resource is None:
        raise NotFound()
    return resource


def busy_bookings(*, resource: Resource, days: int = 180) -> QuerySet[Booking]:
    """Live bookings of the resource from a month ago on (times only are shown)."""
    now = timezone.now()
    return Booking.objects.filter(
        resource=resource,
        status__in=LIVE_STATES,
        ends_at__gte=now - PAST_HORIZON,
        starts_at__lt=now + timedelta(days=days),
    ).order_by("starts_at")


def my_bookings(*, membership: Membership) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(membership=membership)
        .select_related("resource")
        .order_by("-starts_at", "-pk")
    )


def requests_to_decide(*, manager: Membership) -> QuerySet[Booking]:
    """Requested bookings of resources the member manages (staff: every resource)."""
    bookings = Booking.objects.filter(village_id=manager.village_id, status="requested")
    if not manager.is_staff:
        bookings = bookings.filter(resource__managers=manager)
    return bookings.select_related("resource", "membership__user").order_by("starts_at", "pk")


def feed_bookings(*, user: User) -> QuerySet[Booking]:
    """The user's live bookings in their villages, for the personal feed."""
    return (
        Booking.objects.filter(
            membership__user=user,
            village_id__in=member_village_ids(user),
            status__in=LIVE_STATES,
            ends_at__gte=timezone.now() - PAST_HORIZON,
        )
        .select_related("resource")
        .order_by("starts_at")
    )
