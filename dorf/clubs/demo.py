"""Demo clubs for Musterdorf: four clubs with board and members (each club's chat room
with its members, the announcements posted there too), announcements, a weekly
choir rehearsal with one cancelled occurrence, full events with a waitlist, volunteer
shifts (one already paid from the club's account), all through the services."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dorf.chat.services import room_member_add
from dorf.clubs import services
from dorf.clubs.models import (
    Club,
    ClubMembership,
    MembershipPolicy,
    Shift,
    ShiftSignup,
    Visibility,
)
from dorf.ledger.services import club_grant
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership

CLUBS = [
    (
        "Sportverein Musterdorf 1921 e.V.",
        "Fußball, Turnen und Lauftreff für alle Generationen.",
        MembershipPolicy.OPEN,
    ),
    (
        "Feuerwehr-Förderverein",
        "Wir unterstützen unsere Freiwillige Feuerwehr.",
        MembershipPolicy.OPEN,
    ),
    (
        "Heimatverein",
        "Dorfgeschichte, Wanderungen und das Backhausfest.",
        MembershipPolicy.APPROVAL,
    ),
    (
        "Kirchenchor St. Martin",
        "Wir proben jeden Dienstag und freuen uns über neue Stimmen.",
        MembershipPolicy.APPROVAL,
    ),
]


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    tz = day.tzinfo
    assert isinstance(tz, ZoneInfo), "days of the demo are the village's local time"
    return datetime.combine(day.date(), time(hour, minute), tzinfo=tz)


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    members = [m for m in ctx.memberships if m.user.is_active]
    moderator: Membership = next(m for m in ctx.memberships if m.user in ctx.moderators)
    # The village's local day: at 23:30 UTC on a Monday it is already Tuesday in Berlin, and
    # "next Tuesday" must be a Tuesday there, where the weekly rule is evaluated.
    today = timezone.now().astimezone(ZoneInfo(ctx.village.timezone))
    clubs = []
    for index, (name, description, policy) in enumerate(CLUBS):
        founder = members[(index * 7 + 3) % len(members)]
        club = services.club_create(
            membership=founder, name=name, description=description, membership_policy=policy
        )
        assert club.account is not None
        club_grant(
            actor=moderator,
            account_id=club.account.pk,
            minutes=1200,
            memo="Jahreszuschuss der Gemeinde",
            idempotency_key=f"demo-club-{club.pk}",
        )
        joined = [
            m for m in rng.sample(members, min(25, len(members))) if m.user_id != founder.user_id
        ]
        ClubMembership.objects.bulk_create(ClubMembership(club=club, user=m.user) for m in joined)
        # Inserted in bulk (no service ran for them): they join the club's chat room here.
        room = services.club_room(club)
        for m in joined:
            room_member_add(room=room, user=m.user)
        clubs.append((club, founder))
    sport, feuerwehr, heimat, chor = clubs

    # Announcements (one pinned per club).
    for club, founder in clubs:
        services.announcement_create(
            user=founder.user,
            club_id=club.pk,
            title="Willkommen auf unserer Vereinsseite!",
            text="Hier findet ihr Termine, Helferschichten und Neuigkeiten.",
            pinned=True,
        )
    services.announcement_create(
        user=sport[1].user,
        club_id=sport[0].pk,
        title="Neue Trikots sind da",
        text="Abholung beim Training.",
    )

    # Weekly choir rehearsal, Tuesdays 19:30, one cancelled (choir trip).
    next_tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    rehearsal = services.event_create(
        user=chor[1].user,
        club_id=chor[0].pk,
        title="Chorprobe",
        description="Gäste sind herzlich willkommen.",
        place="Pfarrheim, Kirchstraße 2",
        latitude=ctx.village.centre_lat + 0.001,
        longitude=ctx.village.centre_lon - 0.0015,
        starts_at=_at(next_tuesday, 19, 30),
        ends_at=_at(next_tuesday, 21, 30),
        rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=40",
    )
    services.occurrence_override_set(
        user=chor[1].user,
        event_id=rehearsal.pk,
        original_start=_at(next_tuesday + timedelta(days=14), 19, 30),
        cancelled=True,
        note="Chorfahrt nach Köln",
    )

    # Full events with a waitlist.
    full_events = [
        (heimat, "Backhausfest: Brotbackkurs", 10, 12, 14, 8),
        (sport, "Erste-Hilfe-Kurs im Vereinsheim", 17, 9, 16, 12),
    ]
    for (club, founder), title, days, start_h, end_h, capacity in full_events:
        day = today + timedelta(days=days)
        event = services.event_create(
            user=founder.user,
            club_id=club.pk,
            title=title,
            place="Dorfplatz",
            starts_at=_at(day, start_h),
            ends_at=_at(day, end_h),
            capacity=capacity,
        )
        for m in rng.sample(members, capacity + 4):
            services.rsvp_set(user=m.user, event_id=event.pk, response="going")

    # The summer festival with volunteer shifts.
    fest_day = today + timedelta(days=24)
    fest = services.event_create(
        user=feuerwehr[1].user,
        club_id=feuerwehr[0].pk,
        title="Feuerwehrfest",
        description="Mit Fahrzeugschau, Hüpfburg und Grill.",
        place="Feuerwehrhaus",
        starts_at=_at(fest_day, 11),
        ends_at=_at(fest_day, 22),
        visibility=Visibility.PUBLIC,
    )
    for title, start_h, end_h, needed in [
        ("Aufbau", 8, 11, 6),
        ("Grill", 11, 15, 3),
        ("Abbau", 21, 23, 6),
    ]:
        shift = services.shift_create(
            user=feuerwehr[1].user,
            event_id=fest.pk,
            title=title,
            starts_at=_at(fest_day, start_h),
            ends_at=_at(fest_day, end_h),
            helpers_needed=needed,
            minutes=(end_h - start_h) * 60,
        )
        for m in rng.sample(members, needed - 1):
            services.shift_signup(user=m.user, shift_id=shift.pk)

    # A members-only meeting and last week's village clean-up, whose helpers were paid.
    services.event_create(
        user=sport[1].user,
        club_id=sport[0].pk,
        title="Mitgliederversammlung",
        place="Vereinsheim",
        starts_at=_at(today + timedelta(days=30), 19),
        ends_at=_at(today + timedelta(days=30), 21),
        visibility=Visibility.MEMBERS,
    )
    _paid_cleanup(ctx, heimat, members)
    ctx.out.write(f"Clubs: {len(clubs)} clubs with chat rooms, events, waitlists and shifts.")


def _paid_cleanup(
    ctx: DemoContext, heimat: tuple[Club, Membership], members: list[Membership]
) -> None:
    """Last week's village clean-up: its shift was staffed and the helpers were paid.

    The shift and its signups are inserted directly because the services (rightly)
    refuse a shift that starts in the past and signing up for one that is over; the
    payment goes through the service.
    """
    club, founder = heimat
    day = timezone.now().astimezone(ZoneInfo(ctx.village.timezone)) - timedelta(days=6)
    event = services.event_create(
        user=founder.user,
        club_id=club.pk,
        title="Dorfputz",
        place="Treffpunkt Dorfplatz",
        starts_at=_at(day, 9),
        ends_at=_at(day, 13),
    )
    shift = Shift.objects.create(
        event=event,
        occurrence_start=event.starts_at,
        title="Müll sammeln",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        helpers_needed=6,
        minutes=180,
    )
    helpers = ctx.rng.sample(members, 6)
    ShiftSignup.objects.bulk_create(ShiftSignup(shift=shift, user=m.user) for m in helpers)
    services.shift_confirm_attendance(
        user=founder.user, shift_id=shift.pk, attended_user_ids=[m.user_id for m in helpers[:5]]
    )
