from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dorf.appointments import selectors, services
from dorf.appointments.invitations import invitation
from dorf.appointments.models import (
    Appointment,
    AppointmentStatus,
    Closure,
    OpeningRule,
    WaitlistEntry,
    WaitlistState,
    hash_token,
)
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Notification
from dorf.villages.models import MembershipState, Role
from tests.appointments.conftest import BERLIN, berlin
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type,misc]


# --- availability ---------------------------------------------------------------------------


def test_availability_follows_local_opening_hours_and_skips_public_holidays(
    clock, service, resident
) -> None:
    # given: NW holidays Karfreitag 3 April and Ostermontag 6 April 2026
    # when
    slots = selectors.availability(
        membership=resident,
        service_id=service.pk,
        first_day=date(2026, 4, 1),
        last_day=date(2026, 4, 7),
    )
    # then: Wed 1, Thu 2 and Tue 7 April, 16 slots each, 08:00 CEST = 06:00 UTC
    days = sorted({s.starts_at.astimezone(berlin(2026, 4, 1).tzinfo).date() for s in slots})
    assert days == [date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 7)]
    assert len(slots) == 3 * 16
    assert slots[0].starts_at == utc(2026, 4, 1, 6, 0)
    assert slots[-1].starts_at == utc(2026, 4, 7, 9, 45)
    assert all(s.free == 1 and s.seats == 1 for s in slots)


def test_availability_stays_at_eight_local_across_the_autumn_clock_change(
    clock, service, resident
) -> None:
    # given: the clock is in October, the change is on Sunday 25 October 2026
    clock.set(berlin(2026, 10, 20, 7, 0))
    # when
    slots = selectors.availability(
        membership=resident,
        service_id=service.pk,
        first_day=date(2026, 10, 23),
        last_day=date(2026, 10, 26),
    )
    # then: Friday 08:00 CEST = 06:00 UTC, Monday 08:00 CET = 07:00 UTC
    firsts = [s.starts_at for s in slots if s.starts_at.astimezone(UTC).minute == 0][::4]
    assert slots[0].starts_at == utc(2026, 10, 23, 6, 0)
    assert utc(2026, 10, 26, 7, 0) in firsts
    assert utc(2026, 10, 26, 6, 0) not in {s.starts_at for s in slots}


def test_availability_leaves_out_manual_closures_taken_seats_and_days_past_the_window(
    clock, service, resident, make_resident
) -> None:
    # given: a staff outing on 1 April, one seat on 2 April taken
    Closure.objects.create(
        village=service.village,
        first_day=date(2026, 4, 1),
        last_day=date(2026, 4, 1),
        reason="Betriebsausflug",
    )
    services.appointment_hold(
        membership=make_resident(), service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    # when
    april = selectors.availability(
        membership=resident,
        service_id=service.pk,
        first_day=date(2026, 4, 1),
        last_day=date(2026, 4, 2),
    )
    far = selectors.availability(
        membership=resident,
        service_id=service.pk,
        first_day=date(2026, 5, 28),
        last_day=date(2026, 6, 5),
    )
    # then
    assert {s.starts_at.date() for s in april} == {date(2026, 4, 2)}
    assert utc(2026, 4, 2, 6, 0) not in {s.starts_at for s in april}
    assert len(april) == 15
    # 60 days after 30 March is 29 May: nothing after that day
    assert max(s.starts_at for s in far).date() == date(2026, 5, 29)


def test_availability_of_sixty_days_costs_five_queries(
    clock, service, resident, django_assert_num_queries
) -> None:
    # The time it takes is measured by a benchmark, not asserted here: a timed unit test
    # fails on a loaded machine and proves nothing on a quiet one.
    # when
    with django_assert_num_queries(5):  # service, rules, town hall, closures, taken seats
        slots = selectors.availability(
            membership=resident,
            service_id=service.pk,
            first_day=date(2026, 3, 30),
            last_day=date(2026, 5, 28),
        )
    # then
    assert len(slots) > 600


# --- holds, confirmation, fairness -----------------------------------------------------------


def test_a_hold_keeps_the_seat_for_ten_minutes_and_confirming_returns_a_256_bit_token(
    clock, service, resident
) -> None:
    # given
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    assert hold.status == AppointmentStatus.HELD
    assert hold.hold_expires_at == clock.now + timedelta(minutes=10)
    # when
    confirmation = services.appointment_confirm(membership=resident, appointment_id=hold.pk)
    # then
    appointment = confirmation.appointment
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert len(confirmation.cancel_token) >= 43  # 32 bytes base64url: 256 bits
    assert appointment.cancel_token_hash == hash_token(confirmation.cancel_token)
    assert confirmation.cancel_token not in appointment.cancel_token_hash


def test_a_second_hold_on_a_one_seat_slot_is_a_conflict_and_writes_nothing(
    clock, service, resident, make_resident
) -> None:
    # given
    services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    # when
    with pytest.raises(Conflict) as caught:
        services.appointment_hold(
            membership=make_resident(), service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
        )
    # then
    assert caught.value.code == "slot_full"
    assert Appointment.objects.count() == 1


def test_a_slot_with_two_seats_takes_two_holds_on_seats_one_and_two(
    clock, village, town_hall, make_resident
) -> None:
    from tests.appointments.conftest import make_service

    service = make_service(village, seats=2, name="Gewerbeanmeldung")
    start = utc(2026, 4, 2, 6, 0)
    first = services.appointment_hold(
        membership=make_resident(), service_id=service.pk, starts_at=start
    )
    second = services.appointment_hold(
        membership=make_resident(), service_id=service.pk, starts_at=start
    )
    with pytest.raises(Conflict):
        services.appointment_hold(
            membership=make_resident(), service_id=service.pk, starts_at=start
        )
    assert (first.seat, second.seat) == (1, 2)


def test_a_third_open_booking_of_a_household_is_refused(
    clock, service, resident, make_resident
) -> None:
    # given: a housemate holds one, the resident another
    housemate = make_resident(household=resident.household)
    services.appointment_hold(
        membership=housemate, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 15)
    )
    # when
    with pytest.raises(Conflict) as caught:
        services.appointment_hold(
            membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 30)
        )
    # then
    assert caught.value.code == "household_limit"
    assert Appointment.objects.count() == 2


def test_an_expired_hold_no_longer_counts_towards_the_household_limit(
    clock, service, resident
) -> None:
    for minute in (0, 15):
        services.appointment_hold(
            membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, minute)
        )
    clock.set(clock.now + timedelta(minutes=11))
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 30)
    )
    assert hold.status == AppointmentStatus.HELD


@pytest.mark.parametrize(
    ("starts_at", "code"),
    [
        (utc(2026, 4, 2, 6, 5), "outside_hours"),  # not on the 15-minute grid
        (utc(2026, 4, 2, 11, 0), "outside_hours"),  # 13:00 local
        (utc(2026, 4, 4, 6, 0), "outside_hours"),  # a Saturday
        (utc(2026, 4, 3, 6, 0), "closed"),  # Karfreitag
        (utc(2026, 6, 2, 6, 0), "beyond_window"),
        (utc(2026, 3, 30, 6, 30), "too_soon"),  # 08:30 local, now is 08:00
    ],
)
def test_a_hold_outside_the_bookable_slots_is_refused_with_the_reason(
    clock, service, resident, starts_at, code
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.appointment_hold(membership=resident, service_id=service.pk, starts_at=starts_at)
    assert caught.value.code == code
    assert not Appointment.objects.exists()


def test_only_verified_residents_book_and_another_villages_service_is_not_found(
    clock, service, village, outsider
) -> None:
    pending = MembershipFactory(village=village, state=MembershipState.PENDING)
    with pytest.raises(Forbidden):
        services.appointment_hold(
            membership=pending, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
        )
    with pytest.raises(NotFound):
        services.appointment_hold(
            membership=outsider, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
        )
    assert not Appointment.objects.exists()


# --- expiry and the waitlist ------------------------------------------------------------------


def test_an_expired_hold_frees_its_seat_and_cannot_be_confirmed(clock, service, resident) -> None:
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    clock.set(clock.now + timedelta(minutes=10, seconds=1))
    assert services.holds_expire() == 1
    hold.refresh_from_db()
    assert hold.status == AppointmentStatus.EXPIRED
    with pytest.raises(Conflict):
        services.appointment_confirm(membership=resident, appointment_id=hold.pk)
    assert services.holds_expire() == 0


def test_a_freed_seat_goes_first_to_the_waitlist_for_fifteen_minutes_then_to_the_next(
    clock, service, resident, make_resident, django_capture_on_commit_callbacks
) -> None:
    # given: the slot is booked, two residents wait
    start = utc(2026, 4, 2, 6, 0)
    hold = services.appointment_hold(membership=resident, service_id=service.pk, starts_at=start)
    services.appointment_confirm(membership=resident, appointment_id=hold.pk)
    first, second, other = make_resident(), make_resident(), make_resident()
    services.waitlist_join(membership=first, service_id=service.pk)
    services.waitlist_join(membership=second, service_id=service.pk)
    # when: the booking is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(membership=resident, appointment_id=hold.pk)
    # then: the first waiting resident holds the seat, notified, 15 minutes to claim
    offer = Appointment.objects.get(membership=first)
    assert offer.from_waitlist
    assert offer.status == AppointmentStatus.HELD
    assert offer.hold_expires_at == clock.now + timedelta(minutes=15)
    assert Notification.objects.filter(user=first.user, link_id=offer.pk).exists()
    with pytest.raises(Conflict):  # nobody else gets it meanwhile
        services.appointment_hold(membership=other, service_id=service.pk, starts_at=start)
    # when: the offer lapses
    clock.set(clock.now + timedelta(minutes=16))
    services.holds_expire()
    # then: the second in line holds it
    assert WaitlistEntry.objects.get(membership=first).state == WaitlistState.LAPSED
    second_offer = Appointment.objects.get(membership=second)
    assert second_offer.status == AppointmentStatus.HELD
    services.appointment_confirm(membership=second, appointment_id=second_offer.pk)
    assert WaitlistEntry.objects.get(membership=second).state == WaitlistState.CLAIMED


def test_a_freed_seat_with_nobody_waiting_is_free_for_everyone(
    clock, service, resident, make_resident
) -> None:
    start = utc(2026, 4, 2, 6, 0)
    hold = services.appointment_hold(membership=resident, service_id=service.pk, starts_at=start)
    services.appointment_cancel(membership=resident, appointment_id=hold.pk)
    again = services.appointment_hold(
        membership=make_resident(), service_id=service.pk, starts_at=start
    )
    assert again.seat == 1


# --- cancel link and invitation --------------------------------------------------------------


def test_the_cancel_link_cancels_once_and_an_unknown_token_is_404_with_the_same_queries(
    clock, service, resident
) -> None:
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    token = services.appointment_confirm(membership=resident, appointment_id=hold.pk).cancel_token
    with CaptureQueriesContext(connection) as unknown_queries, pytest.raises(NotFound):
        services.appointment_cancel_by_token(token="x" * len(token))
    # when
    with CaptureQueriesContext(connection) as known_queries:
        cancelled = services.appointment_cancel_by_token(token=token)
    # then
    assert cancelled.status == AppointmentStatus.CANCELLED
    lookup = [q for q in known_queries.captured_queries if '"cancel_token_hash" =' in q["sql"]]
    unknown = [q for q in unknown_queries.captured_queries if '"cancel_token_hash" =' in q["sql"]]
    assert len(lookup) == len(unknown) == 1
    with pytest.raises(NotFound):
        services.appointment_cancel_by_token(token=token)


def test_the_invitation_is_a_request_and_becomes_a_cancel_with_a_higher_sequence(
    clock, service, resident
) -> None:
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    appointment = services.appointment_confirm(
        membership=resident, appointment_id=hold.pk
    ).appointment
    request = invitation(appointment).decode()
    cancelled = services.appointment_cancel(membership=resident, appointment_id=hold.pk)
    cancel = invitation(cancelled).decode()
    assert "METHOD:REQUEST" in request
    assert "SEQUENCE:0" in request
    assert "METHOD:CANCEL" in cancel
    assert "SEQUENCE:1" in cancel
    assert "STATUS:CANCELLED" in cancel
    uid_line = next(line for line in request.splitlines() if line.startswith("UID:"))
    assert uid_line in cancel
    # local wall time with the zone's VTIMEZONE, as every dorf calendar writes it
    assert "DTSTART;TZID=Europe/Berlin:20260402T080000" in request
    assert "BEGIN:VTIMEZONE" in request
    parsed = icalendar.Calendar.from_ical(request)
    (event,) = parsed.walk("VEVENT")
    assert event.decoded("DTSTART") == utc(2026, 4, 2, 6, 0)
    assert str(event["ORGANIZER"]).startswith("mailto:rathaus@")
    assert str(event["ATTENDEE"]) == f"mailto:{resident.user.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


# --- reminders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slot_local",
    [
        (2026, 3, 29, 10, 0),  # the Sunday of the spring change: 24 h before is 09:00 CET
        (2026, 10, 25, 10, 0),  # the Sunday of the autumn change: 24 h before is 11:00 CEST
    ],
)
def test_reminders_go_out_24_and_2_hours_before_exactly_once_across_the_clock_change(
    clock, service, resident, slot_local, django_capture_on_commit_callbacks
) -> None:
    # given: a Sunday opening (e.g. before an election), booked on the Thursday before
    OpeningRule.objects.create(
        service=service,
        starts_at=berlin(2026, 1, 4, 10, 0),
        ends_at=berlin(2026, 1, 4, 12, 0),
        rrule="FREQ=WEEKLY;BYDAY=SU",
        slot_minutes=15,
    )
    slot_start = berlin(*slot_local).astimezone(UTC)
    clock.set(slot_start - timedelta(days=3))
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=slot_start
    )
    services.appointment_confirm(membership=resident, appointment_id=hold.pk)
    # when: the periodic task runs through the weekend, every 5 minutes near the due times
    moment = clock.now
    near = [slot_start - timedelta(hours=h) for h in (24, 2)]
    while moment < slot_start:
        clock.set(moment)
        with django_capture_on_commit_callbacks(execute=True):
            services.reminders_send()
        close = any(abs(moment - due) <= timedelta(minutes=30) for due in near)
        moment += timedelta(minutes=5 if close else 30)
    # then: exactly one of each, at the right moments (24 h is absolute, across the change)
    appointment = Appointment.objects.get(pk=hold.pk)
    assert appointment.reminded_24h_at is not None
    assert appointment.reminded_2h_at is not None
    assert slot_start - timedelta(hours=24) <= appointment.reminded_24h_at
    assert appointment.reminded_24h_at < slot_start - timedelta(hours=24) + timedelta(minutes=5)
    # 24 h are real hours: the day before, the wall clock shows 09:00 (spring) or 11:00
    expected_hour = 9 if slot_local[1] == 3 else 11
    assert appointment.reminded_24h_at.astimezone(BERLIN).hour == expected_hour
    assert slot_start - timedelta(hours=2) <= appointment.reminded_2h_at
    assert appointment.reminded_2h_at < slot_start - timedelta(hours=2) + timedelta(minutes=5)
    titles = sorted(
        Notification.objects.filter(user=resident.user, link_id=hold.pk).values_list(
            "title", flat=True
        )
    )
    assert titles == [
        "In zwei Stunden: Personalausweis",
        "Morgen: Personalausweis",
        "Termin bestätigt: Personalausweis",
    ]


def test_staff_mark_done_and_no_show_residents_cannot(clock, service, resident, village) -> None:
    hold = services.appointment_hold(
        membership=resident, service_id=service.pk, starts_at=utc(2026, 4, 2, 6, 0)
    )
    services.appointment_confirm(membership=resident, appointment_id=hold.pk)
    staff = MembershipFactory(village=village, role=Role.STAFF)
    with pytest.raises(Conflict):  # not begun yet
        services.appointment_mark(staff=staff, appointment_id=hold.pk, outcome="done")
    clock.set(utc(2026, 4, 2, 6, 5))
    with pytest.raises(Forbidden):
        services.appointment_mark(staff=resident, appointment_id=hold.pk, outcome="done")
    marked = services.appointment_mark(staff=staff, appointment_id=hold.pk, outcome="no_show")
    assert marked.status == AppointmentStatus.NO_SHOW
    day = list(selectors.day_list(staff=staff, day=date(2026, 4, 2)))
    assert [a.pk for a in day] == [hold.pk]


def test_an_opening_rule_the_calendar_cannot_expand_is_refused_by_the_admin_form(
    service,
) -> None:
    from django.core.exceptions import ValidationError

    rule = OpeningRule(
        service=service,
        starts_at=berlin(2026, 1, 5, 8, 0),
        ends_at=berlin(2026, 1, 5, 12, 0),
        rrule="FREQ=MINUTELY",
        slot_minutes=15,
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert "rrule" in caught.value.message_dict
