"""What bookers and managers are told, stored with the change and broadcast on commit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from dorf.bookings.models import Booking, BookingStatus
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.users.models import User
from dorf.villages.models import Membership, Role

LINK_TYPE = "resource_booking"


def _tell(
    booking: Booking,
    recipients: list[User],
    title: StrOrPromise,
    body: StrOrPromise,
    **params: object,
) -> None:
    resource = booking.resource
    local = booking.starts_at.astimezone(ZoneInfo(resource.village.timezone))
    notify_many(
        recipients=recipients,
        category=Category.VILLAGE,
        title=title,
        body=body,
        params={"resource": resource.name, "when": local.strftime("%d.%m.%Y %H:%M"), **params},
        village=resource.village,
        link_type=LINK_TYPE,
        link_id=booking.pk,
    )


def requested(booking: Booking, *, count: int = 1) -> None:
    """Tell the resource's managers (or, without managers, the village's staff)."""
    managers = list(booking.resource.managers.select_related("user"))
    if not managers:
        managers = list(
            Membership.objects.verified()
            .filter(village_id=booking.village_id, role=Role.STAFF)
            .select_related("user")
        )
    recipients = [m.user for m in managers if m.pk != booking.membership_id]
    if not recipients:
        return
    _tell(
        booking,
        recipients,
        _("Booking request: %(resource)s"),
        _("%(when)s (%(count)d dates) waits for your decision."),
        count=count,
    )


def decided(booking: Booking) -> None:
    if booking.status == BookingStatus.APPROVED:
        title = _("Booking approved: %(resource)s")
    else:
        title = _("Booking rejected: %(resource)s")
    _tell(
        booking,
        [booking.membership.user],
        title,
        _("%(when)s. %(note)s"),
        note=booking.decision_note,
    )


def released(booking: Booking) -> None:
    _tell(
        booking,
        [booking.membership.user],
        _("Desk released: %(resource)s"),
        _("Nobody checked in within 15 minutes of %(when)s, so the desk is free again."),
    )
