"""Demo rooms and desks for Musterdorf: the Dorfgemeinschaftshaus (approval, price in
time credits, buffer), two co-working desks with check-in, the Heimatverein's beer-table
set, a few bookings (one approved and paid through the ledger) and the choir's weekly
series with one date skipped because the hall is taken — all through the services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dorf.bookings import services
from dorf.bookings.models import AvailabilityRule, OwnerKind, Resource, ResourceKind
from dorf.ledger.services import community_account
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership


def _local(day: datetime, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(hour), tzinfo=tz)


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    tz = ZoneInfo(village.timezone)
    today = timezone.now().astimezone(tz)
    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    residents: list[Membership] = [m for m in ctx.memberships if m.user in ctx.residents]
    hall = Resource.objects.create(
        village=village,
        kind=ResourceKind.ROOM,
        name="Dorfgemeinschaftshaus",
        description="Saal mit 120 Plätzen, Küche und Bühne.",
        location="Am Anger 3",
        owner_kind=OwnerKind.MUNICIPALITY,
        owner_name=f"Gemeinde {village.name}",
        owner_account=community_account(village),
        capacity=120,
        min_minutes=60,
        max_minutes=12 * 60,
        notice_minutes=24 * 60,
        max_advance_days=365,
        buffer_minutes=60,
        approval_required=True,
        price_minutes_per_hour=20,
        refund_until_hours=72,
    )
    AvailabilityRule.objects.create(
        resource=hall,
        starts_at=_local(today, 8, tz),
        ends_at=_local(today, 23, tz),
        rrule="FREQ=DAILY",
    )
    desks = [
        Resource.objects.create(
            village=village,
            kind=ResourceKind.DESK,
            name=f"Co-Working-Arbeitsplatz {n}",
            location="Alte Schule, 1. Stock",
            owner_kind=OwnerKind.MUNICIPALITY,
            owner_name=f"Gemeinde {village.name}",
            min_minutes=60,
            max_minutes=10 * 60,
            max_advance_days=30,
            check_in_required=True,
        )
        for n in (1, 2)
    ]
    Resource.objects.create(
        village=village,
        kind=ResourceKind.EQUIPMENT,
        name="Bierzeltgarnituren (10 Sets)",
        owner_kind=OwnerKind.CLUB,
        owner_name="Heimatverein",
        min_minutes=4 * 60,
        max_minutes=3 * 24 * 60,
        notice_minutes=48 * 60,
    )

    # The hall: a birthday party approved (paid 4 h x 20 min), a club evening requested.
    in_two_weeks = today + timedelta(days=14)
    party = services.booking_create(
        membership=residents[1],
        resource_id=hall.pk,
        starts_at=_local(in_two_weeks, 18, tz),
        ends_at=_local(in_two_weeks, 22, tz),
        title="Geburtstagsfeier",
    )
    services.booking_decide(manager=staff, booking_id=party.pk, approve=True, note="Viel Spaß!")
    services.booking_create(
        membership=residents[2],
        resource_id=hall.pk,
        starts_at=_local(today + timedelta(days=10), 19, tz),
        ends_at=_local(today + timedelta(days=10), 22, tz),
        title="Jahreshauptversammlung Sportverein",
    )
    # The choir's weekly rehearsal on the party's weekday: that date is skipped.
    first = in_two_weeks - timedelta(days=7)
    result = services.series_create(
        membership=residents[3],
        resource_id=hall.pk,
        starts_at=_local(first, 18, tz),
        ends_at=_local(first, 20, tz),
        rrule="FREQ=WEEKLY;COUNT=8",
        on_conflict="skip",
        title="Chorprobe Kirchenchor",
    )
    # Desks: tomorrow morning and afternoon.
    tomorrow = today + timedelta(days=1)
    for desk, member in zip(desks, residents[4:6], strict=True):
        services.booking_create(
            membership=member,
            resource_id=desk.pk,
            starts_at=_local(tomorrow, 9, tz),
            ends_at=_local(tomorrow, 13, tz),
        )
    services.booking_create(
        membership=residents[6],
        resource_id=desks[0].pk,
        starts_at=_local(tomorrow, 14, tz),
        ends_at=_local(tomorrow, 18, tz),
    )
    ctx.out.write(
        f"Bookings: Dorfgemeinschaftshaus, {len(desks)} desks and beer tables; choir series "
        f"{len(result.created)} dates, {len(result.skipped)} skipped."
    )
