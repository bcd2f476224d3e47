"""Demo of the village calendar for Musterdorf: the municipality's events (a weekly
office hour with one week left out, a monthly afternoon for seniors, the Christmas market,
the New Year's reception) and the parish's calendar imported from a recorded ICS file,
without network. With the clubs' events the demo shows one merged calendar and its public
feed (``/api/v1/villages/musterdorf/calendar.ics``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from dorf.calendar.sources import CalendarCategory
from dorf.events import services
from dorf.villages.demo_context import DemoContext
from dorf.villages.publishers import directory

RECORDED_CHURCH = Path(__file__).parent / "demo_data" / "kirche-st-martin.ics"


def _next_weekday(day: datetime, weekday: int) -> datetime:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    staff = ctx.staff[0]
    tz = ZoneInfo(village.timezone)
    municipality = next(
        (
            p
            for p in directory().publishers_of(user=staff, village_id=village.pk)
            if p.kind == "municipality"
        ),
        None,
    )
    if municipality is None:  # the news app is not installed: no publisher to speak for
        ctx.out.write("Village calendar: no municipality publisher, no events")
        return
    today = timezone.now().astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)

    def at(day: datetime, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day.date(), time(hour, minute), tzinfo=tz)

    tuesday = _next_weekday(today, 1)
    services.event_create(
        actor=staff,
        village_id=village.pk,
        publisher_id=municipality.id,
        title="Bürgersprechstunde",
        description="Die Bürgermeisterin hört zu: ohne Termin, ohne Anmeldung.",
        place="Rathaus, Zimmer 1",
        starts_at=at(tuesday, 17),
        ends_at=at(tuesday, 19),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        # the third week is the council's budget meeting: no office hour
        exdates=[at(tuesday + timedelta(weeks=2), 17)],
    )
    first_wednesday = _next_weekday(today.replace(day=1), 2)
    services.event_create(
        actor=staff,
        village_id=village.pk,
        publisher_id=municipality.id,
        title="Seniorennachmittag",
        description="Kaffee, Kuchen und ein Vortrag über die Dorfgeschichte.",
        place="Bürgerhaus",
        starts_at=at(first_wednesday, 15),
        ends_at=at(first_wednesday, 17),
        rrule="FREQ=MONTHLY;BYDAY=1WE",
        capacity=60,
        category=CalendarCategory.MUNICIPALITY,
    )
    saturday = _next_weekday(today + timedelta(days=7), 5)
    services.event_create(
        actor=staff,
        village_id=village.pk,
        publisher_id=municipality.id,
        title="Weihnachtsmarkt",
        description="Glühwein, Waffeln und der Posaunenchor.",
        place="Dorfplatz",
        starts_at=at(saturday, 14),
        ends_at=at(saturday + timedelta(days=1), 20),
        category=CalendarCategory.MARKET,
    )
    reception = datetime(today.year + 1, 1, 10, 11, tzinfo=tz)
    services.event_create(
        actor=staff,
        village_id=village.pk,
        publisher_id=municipality.id,
        title="Neujahrsempfang",
        place="Bürgerhaus",
        starts_at=reception,
        ends_at=reception + timedelta(hours=3),
        capacity=120,
        category=CalendarCategory.CULTURE,
    )
    church = services.external_calendar_create(
        actor=staff,
        village_id=village.pk,
        name="Pfarrei St. Martin",
        url="https://st-martin-musterdorf.example/kalender.ics",
        category=CalendarCategory.CHURCH,
        tag_filter=["Gottesdienst", "Gemeindeleben"],
        recording=RECORDED_CHURCH.read_bytes(),
    )
    ctx.out.write(
        f"Village calendar: 4 municipal events, {church.events.count()} events imported from "
        f"{church.name} (a recording, paused); public feed "
        f"/api/v1/villages/{village.slug}/calendar.ics"
    )
