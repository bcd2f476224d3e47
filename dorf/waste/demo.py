"""Demo Müllkalender for Musterdorf: five waste types, tours over the demo streets, a year
of collections imported as CSV through the staff's service (those falling on a public
holiday of North Rhine-Westphalia moved to the next working day, as collection companies
do), reminders for several residents and their subscribable feed."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from dorf.calendar.services import feed_token_get
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership
from dorf.waste import services
from dorf.waste.models import Bundesland

TYPES = [
    ("rest", "Restmüll", "#5f6368"),
    ("bio", "Biotonne", "#8d6e63"),
    ("papier", "Papier", "#1e88e5"),
    ("gelb", "Gelber Sack", "#fdd835"),
    ("sperr", "Sperrmüll", "#6d4c41"),
]
# (tour, type, first weekday Monday=0, every n weeks, half of the streets: 0, 1 or None)
TOURS = [
    ("Restmüll Nord", "rest", 1, 2, 0),
    ("Restmüll Süd", "rest", 2, 2, 1),
    ("Bio Nord", "bio", 1, 2, 0),
    ("Bio Süd", "bio", 2, 2, 1),
    ("Papier", "papier", 3, 4, None),
    ("Gelber Sack", "gelb", 4, 2, None),
    ("Sperrmüll", "sperr", 0, 13, None),
]


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    streets = sorted({h.street for h in ctx.households})
    types = {
        code: services.waste_type_create(village=village, code=code, label=label, colour=colour)
        for code, label, colour in TYPES
    }
    for name, code, _weekday, _weeks, half in TOURS:
        mine = streets if half is None else streets[half::2]
        services.tour_create(
            village=village,
            name=name,
            waste_type=types[code],
            streets=[(s, None, None, "all") for s in mine],
        )

    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    today = timezone.localdate(timezone=ZoneInfo(village.timezone))
    services.collections_import(
        user=staff.user,
        village_id=village.pk,
        fmt=services.ImportFormat.CSV,
        content=plan_csv(first=today - timedelta(days=14), days=365),
        bundesland=Bundesland.NW,
    )

    residents = [
        m
        for m in ctx.memberships
        if m.household_id is not None and m.user in ctx.residents and m.user not in ctx.staff
    ][:6]
    choices: list[tuple[list[str], int, time]] = [
        ([], 1, time(19, 0)),
        (["rest", "bio"], 1, time(20, 30)),
        (["papier"], 0, time(6, 30)),
        (["gelb"], 2, time(18, 0)),
        ([], 1, time(19, 0)),
        (["sperr"], 3, time(9, 0)),
    ]
    for membership, (codes, days_before, at) in zip(residents, choices, strict=False):
        services.reminder_setting_set(
            user=membership.user,
            village_id=village.pk,
            type_codes=codes,
            days_before=days_before,
            time_local=at,
            push=True,
            email=days_before >= 2,
        )
        feed_token_get(user=membership.user, scope=f"waste:{village.pk}")
    _report(ctx, residents)


def plan_csv(*, first: date, days: int) -> bytes:
    """A year of collections; those on a public holiday move to the next working day."""
    closed = holidays.country_holidays("DE", subdiv="NW", years=[first.year, first.year + 1])
    lines = ["tour;type;date;original_date;reason"]
    for name, code, weekday, weeks, _half in TOURS:
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        while day < first + timedelta(days=days):
            moved = day
            while moved in closed or moved.weekday() >= 5:
                moved += timedelta(days=1)
            if moved != day:
                lines.append(f"{name};{code};{moved};{day};Feiertag: {closed.get(day)}")
            else:
                lines.append(f"{name};{code};{day};;")
            day += timedelta(weeks=weeks)
    return "\n".join(lines).encode()


def _report(ctx: DemoContext, residents: list[Membership]) -> None:
    names = ", ".join(m.user.email for m in residents)
    ctx.out.write(f"  waste: a year of collections, reminders for {names}\n")
