"""Demo town hall for Musterdorf: three services with opening hours, a few confirmed
appointments in the coming days, and one resident on a waitlist — all through the
services, relative to the day the demo is seeded."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dorf.appointments import selectors, services
from dorf.appointments.models import Bundesland, OpeningRule, Service, TownHall
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

SERVICES = [
    # name, minutes, documents, desk, seats
    (
        "Personalausweis beantragen",
        15,
        ["Alter Ausweis oder Reisepass", "Ein biometrisches Passfoto"],
        "Bürgerbüro, Schalter 1",
        1,
    ),
    (
        "Gewerbeanmeldung",
        30,
        ["Personalausweis", "Bei Handwerk: Eintragung in die Handwerksrolle"],
        "Ordnungsamt, Zimmer 12",
        1,
    ),
    ("Fundbüro", 10, ["Beschreibung des verlorenen Gegenstands"], "Bürgerbüro, Schalter 2", 2),
]


def _local(day: datetime, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date(), time(hour), tzinfo=tz)


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    tz = ZoneInfo(village.timezone)
    TownHall.objects.create(
        village=village,
        name=f"Rathaus {village.name}",
        address="Hauptstraße 1",
        bundesland=Bundesland.NW,
    )
    today = timezone.now().astimezone(tz)
    monday = today - timedelta(days=today.weekday())
    services_ = []
    for name, minutes, documents, desk, seats in SERVICES:
        service = Service.objects.create(
            village=village,
            name=name,
            duration_minutes=minutes,
            documents=documents,
            location=f"Rathaus {village.name}, Hauptstraße 1",
            desk=desk,
            bookable_days=60,
            min_notice_minutes=120,
        )
        # Mornings on weekdays, and the long Thursday afternoon.
        OpeningRule.objects.create(
            service=service,
            starts_at=_local(monday, 8, tz),
            ends_at=_local(monday, 12, tz),
            rrule=WEEKDAYS,
            slot_minutes=minutes,
            seats=seats,
        )
        OpeningRule.objects.create(
            service=service,
            starts_at=_local(monday + timedelta(days=3), 14, tz),
            ends_at=_local(monday + timedelta(days=3), 18, tz),
            rrule="FREQ=WEEKLY;BYDAY=TH",
            slot_minutes=minutes,
            seats=seats,
        )
        services_.append(service)

    # One resident per household, so the household limit never gets in the way here.
    bookers: list[Membership] = []
    households: set[int | None] = set()
    for membership in ctx.memberships:
        if membership.user in ctx.residents and membership.household_id not in households:
            households.add(membership.household_id)
            bookers.append(membership)
    ausweis, gewerbe, _fundbuero = services_
    slots = selectors.availability(
        membership=bookers[0],
        service_id=ausweis.pk,
        first_day=today.date() + timedelta(days=1),
        last_day=today.date() + timedelta(days=14),
    )
    for booker, slot in zip(bookers[:4], slots[::3], strict=False):
        hold = services.appointment_hold(
            membership=booker, service_id=ausweis.pk, starts_at=slot.starts_at
        )
        services.appointment_confirm(membership=booker, appointment_id=hold.pk)
    # The next Gewerbeanmeldung is taken; another resident waits for a cancellation.
    gewerbe_slots = selectors.availability(
        membership=bookers[0],
        service_id=gewerbe.pk,
        first_day=today.date() + timedelta(days=1),
        last_day=today.date() + timedelta(days=7),
    )
    if gewerbe_slots and len(bookers) > 5:
        hold = services.appointment_hold(
            membership=bookers[4], service_id=gewerbe.pk, starts_at=gewerbe_slots[0].starts_at
        )
        services.appointment_confirm(membership=bookers[4], appointment_id=hold.pk)
        services.waitlist_join(membership=bookers[5], service_id=gewerbe.pk)
    ctx.out.write(
        f"Appointments: {len(services_)} town-hall services, 5 booked appointments, 1 waitlisted."
    )
