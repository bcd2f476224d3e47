from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from auditlog.models import LogEntry

from dorf.bookings import locks, services
from dorf.bookings.models import (
    AvailabilityRule,
    Blackout,
    Booking,
    BookingSeries,
    BookingStatus,
    Resource,
    ResourceKind,
)
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.ledger.audit import audit_village
from dorf.ledger.models import Account, Transfer, TransferKind
from dorf.ledger.services import account_for_membership
from dorf.notifications.models import Notification
from dorf.villages.models import Membership, Role
from tests.bookings.conftest import berlin, make_room
from tests.factories import MembershipFactory
from tests.ledger.factories import fund

pytestmark = pytest.mark.django_db


def book(
    member: Membership, resource: Resource, start: datetime, hours: float = 2, **kwargs: str
) -> Booking:
    return services.booking_create(
        membership=member,
        resource_id=resource.pk,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        **kwargs,
    )


# --- overlap and buffer --------------------------------------------------------------------


def test_an_overlapping_booking_is_a_conflict_and_writes_nothing(clock, room, booker) -> None:
    book(booker, room, berlin(2026, 3, 10, 18, 0))
    with pytest.raises(Conflict) as caught:
        book(MembershipFactory(village=room.village), room, berlin(2026, 3, 10, 19, 0))
    assert caught.value.code == "overlap"
    assert Booking.objects.count() == 1


def test_the_buffer_keeps_the_next_booking_away_but_not_one_after_it(clock, room, booker) -> None:
    # given: 18-20 with a 30-minute buffer blocks until 20:30
    book(booker, room, berlin(2026, 3, 10, 18, 0))
    # then
    with pytest.raises(Conflict):
        book(booker, room, berlin(2026, 3, 10, 20, 15))
    later = book(booker, room, berlin(2026, 3, 10, 20, 30))
    assert later.status == BookingStatus.APPROVED
    # and one that would end inside the earlier booking's range is refused as well
    with pytest.raises(Conflict):
        book(booker, room, berlin(2026, 3, 10, 16, 0), hours=2.25)


@pytest.mark.parametrize(
    "database_decides", [pytest.param(True, marks=pytest.mark.postgres), False]
)
def test_both_overlap_guards_refuse_overlaps_and_admit_what_fits(
    clock, room, booker, monkeypatch, database_decides
) -> None:
    # given: the guard of this run. PostgreSQL's exclusion constraint decides there; the
    # write-locked read-then-insert decides on SQLite. Forcing the second on PostgreSQL
    # would let a missed overlap hit the constraint as an IntegrityError, so this test
    # fails on both databases if the application's own check lets one through.
    if not database_decides:
        monkeypatch.setattr(locks, "database_enforces_no_overlap", lambda: False)
    book(booker, room, berlin(2026, 3, 10, 18, 0))  # 18-20, blocked until 20:30
    # then: inside, across either edge and inside the buffer are refused, the rest fits
    for hour, minute, hours in ((18, 30, 1.0), (17, 0, 1.5), (19, 30, 2.0), (20, 15, 1.0)):
        with pytest.raises(Conflict):
            book(booker, room, berlin(2026, 3, 10, hour, minute), hours=hours)
    assert book(booker, room, berlin(2026, 3, 10, 15, 0), hours=2.5).status == "approved"
    assert book(booker, room, berlin(2026, 3, 10, 20, 30)).status == "approved"
    assert Booking.objects.count() == 3


def test_a_cancelled_booking_frees_its_time(clock, room, booker) -> None:
    first = book(booker, room, berlin(2026, 3, 10, 18, 0))
    services.booking_cancel(membership=booker, booking_id=first.pk)
    again = book(MembershipFactory(village=room.village), room, berlin(2026, 3, 10, 18, 0))
    assert again.status == BookingStatus.APPROVED


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "code"),
    [
        (berlin(2026, 3, 10, 18, 0), -1, "end_before_start"),
        (berlin(2026, 3, 10, 18, 0), 0.5, "too_short"),
        (berlin(2026, 3, 10, 8, 0), 9, "too_long"),
        (berlin(2026, 3, 2, 9, 30), 2, "too_soon"),
        (berlin(2026, 9, 10, 18, 0), 2, "beyond_window"),
    ],
)
def test_bookings_breaking_the_resources_rules_are_refused(
    clock, room, booker, start, hours, code
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        book(booker, room, start, hours=hours)
    assert caught.value.code == code
    assert not Booking.objects.exists()


def test_availability_rules_and_blackouts_are_respected_in_local_time(clock, room, booker) -> None:
    # given: open Mondays to Fridays 08:00-22:00, closed for the fair on 13 March
    AvailabilityRule.objects.create(
        resource=room,
        starts_at=berlin(2026, 1, 5, 8, 0),
        ends_at=berlin(2026, 1, 5, 22, 0),
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    )
    Blackout.objects.create(
        resource=room,
        starts_at=berlin(2026, 3, 13, 0, 0),
        ends_at=berlin(2026, 3, 14, 0, 0),
        reason="Kirmes",
    )
    # then: in summer time 20:00-22:00 fits, 21:00-23:00 does not; Saturday never
    assert book(booker, room, berlin(2026, 4, 8, 20, 0)).status == BookingStatus.APPROVED
    for start, code in [
        (berlin(2026, 4, 9, 21, 0), "outside_availability"),
        (berlin(2026, 3, 14, 10, 0), "outside_availability"),
        (berlin(2026, 3, 13, 10, 0), "blackout"),
    ]:
        with pytest.raises(ValidationFailed) as caught:
            book(booker, room, start)
        assert caught.value.code == code


def test_another_villages_resource_is_not_found_and_pending_members_cannot_book(
    clock, room, outsider, village
) -> None:
    with pytest.raises(NotFound):
        book(outsider, room, berlin(2026, 3, 10, 18, 0))
    pending = MembershipFactory(village=village, state="pending")
    with pytest.raises(Forbidden):
        book(pending, room, berlin(2026, 3, 10, 18, 0))
    assert not Booking.objects.exists()


# --- approval and payment -------------------------------------------------------------------


def test_approval_pays_the_owner_through_the_ledger_and_tells_the_requester(
    clock, priced_room, booker, village, django_capture_on_commit_callbacks
) -> None:
    # given: 3 hours at 30 minutes per hour = 90 minutes
    fund(account_for_membership(booker), 120)
    request = book(booker, priced_room, berlin(2026, 3, 20, 17, 0), hours=3)
    assert request.status == BookingStatus.REQUESTED
    assert request.price_minutes == 90
    assert request.payment_transfer_id is None
    staff = MembershipFactory(village=village, role=Role.STAFF)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        approved = services.booking_decide(manager=staff, booking_id=request.pk, approve=True)
    # then
    payment = Transfer.objects.get(pk=approved.payment_transfer_id or 0)
    assert payment.kind == TransferKind.PAYMENT
    assert Account.objects.get(membership=booker).balance_minutes == 30
    assert Notification.objects.filter(user=booker.user, link_id=request.pk).exists()
    assert audit_village(village).ok
    with pytest.raises(Conflict):
        services.booking_decide(manager=staff, booking_id=request.pk, approve=True)


def test_too_few_credits_is_a_400_and_nothing_is_written(clock, priced_room, booker) -> None:
    fund(account_for_membership(booker), 10)
    booker.village.credit_limit_minutes = 0
    booker.village.save()
    with pytest.raises(ValidationFailed) as caught:
        book(booker, priced_room, berlin(2026, 3, 20, 17, 0), hours=3)
    assert caught.value.code == "insufficient_credits"
    assert not Booking.objects.exists()


def test_a_rejection_tells_the_requester_and_only_managers_decide(
    clock, priced_room, booker, village
) -> None:
    request = book(booker, priced_room, berlin(2026, 3, 20, 17, 0))
    with pytest.raises(Forbidden):
        services.booking_decide(
            manager=MembershipFactory(village=village), booking_id=request.pk, approve=True
        )
    manager = MembershipFactory(village=village)
    priced_room.managers.add(manager)
    rejected = services.booking_decide(
        manager=manager, booking_id=request.pk, approve=False, note="Belegt durch Gemeinderat"
    )
    assert rejected.status == BookingStatus.REJECTED
    notice = Notification.objects.get(user=booker.user, link_id=request.pk)
    assert notice.title == "Buchung abgelehnt: Saal mit Küche"


def test_a_staff_decision_is_audited_once_and_the_bookers_own_request_not_at_all(
    clock, priced_room, booker, village
) -> None:
    # given: the booker's own request writes no audit entry
    request = book(booker, priced_room, berlin(2026, 3, 20, 17, 0))
    assert not LogEntry.objects.exists()
    staff = MembershipFactory(village=village, role=Role.STAFF)
    # when
    services.booking_decide(manager=staff, booking_id=request.pk, approve=False, note="Belegt")
    # then
    entry = LogEntry.objects.get()
    assert entry.actor == staff.user
    assert entry.additional_data["verb"] == "booking_reject"
    assert entry.additional_data["reason"] == "Belegt"
    assert entry.additional_data["subject_user_id"] == booker.user_id
    assert entry.changes["status"] == [BookingStatus.REQUESTED, BookingStatus.REJECTED]


def test_cancelling_in_time_refunds_by_a_reversal_and_late_cancelling_does_not(
    clock, priced_room, booker, village
) -> None:
    fund(account_for_membership(booker), 300)
    staff = MembershipFactory(village=village, role=Role.STAFF)
    early = book(booker, priced_room, berlin(2026, 3, 20, 17, 0))
    late = book(booker, priced_room, berlin(2026, 3, 3, 17, 0))
    for booking in (early, late):
        services.booking_decide(manager=staff, booking_id=booking.pk, approve=True)
    assert Account.objects.get(membership=booker).balance_minutes == 300 - 2 * 60
    # when
    early = services.booking_cancel(membership=booker, booking_id=early.pk)
    late = services.booking_cancel(membership=booker, booking_id=late.pk)
    # then
    refund = Transfer.objects.get(pk=early.refund_transfer_id or 0)
    assert refund.kind == TransferKind.REVERSAL
    assert refund.reverses_id == early.payment_transfer_id
    assert late.refund_transfer_id is None
    assert Account.objects.get(membership=booker).balance_minutes == 300 - 60
    assert audit_village(village).ok


# --- series ---------------------------------------------------------------------------------


def test_a_weekly_1800_series_stays_at_1800_local_across_the_clock_change_and_skips_conflicts(
    clock, room, booker
) -> None:
    # given: someone has the room on 24 March
    other = MembershipFactory(village=room.village)
    book(other, room, berlin(2026, 3, 24, 17, 0), hours=2)
    # when: Tuesdays 18:00-20:00, six times, from 10 March (CET) into April (CEST)
    result = services.series_create(
        membership=booker,
        resource_id=room.pk,
        starts_at=berlin(2026, 3, 10, 18, 0),
        ends_at=berlin(2026, 3, 10, 20, 0),
        rrule="FREQ=WEEKLY;COUNT=6",
        on_conflict="skip",
        title="Chorprobe",
    )
    # then
    created = [b.starts_at.astimezone(berlin(2026, 1, 1).tzinfo) for b in result.created]
    assert [d.day for d in created] == [10, 17, 31, 7, 14]
    assert {(d.hour, d.minute) for d in created} == {(18, 0)}
    utc_hours = {b.starts_at.astimezone(UTC).hour for b in result.created}
    assert utc_hours == {17, 16}  # CET then CEST
    assert [(s.starts_at, s.code) for s in result.skipped] == [
        (berlin(2026, 3, 24, 18, 0).astimezone(UTC), "overlap")
    ]
    # and a skipped date can be booked again later once it is free
    assert Booking.objects.filter(series=result.series).count() == 5


def test_a_series_with_on_conflict_fail_books_nothing_and_lists_the_conflicts(
    clock, room, booker
) -> None:
    book(MembershipFactory(village=room.village), room, berlin(2026, 3, 24, 18, 0))
    with pytest.raises(Conflict) as caught:
        services.series_create(
            membership=booker,
            resource_id=room.pk,
            starts_at=berlin(2026, 3, 10, 18, 0),
            ends_at=berlin(2026, 3, 10, 20, 0),
            rrule="FREQ=WEEKLY;COUNT=4",
            on_conflict="fail",
        )
    assert caught.value.code == "series_conflict"
    assert len(caught.value.fields["skipped"]) == 1  # type: ignore[index]
    assert Booking.objects.filter(membership=booker).count() == 0
    assert not BookingSeries.objects.exists()


# --- desks ----------------------------------------------------------------------------------


def test_a_desk_not_checked_in_within_15_minutes_is_released(
    clock, village, booker, django_capture_on_commit_callbacks
) -> None:
    desk = make_room(
        village,
        kind=ResourceKind.DESK,
        name="Schreibtisch 1",
        check_in_required=True,
        buffer_minutes=0,
        notice_minutes=0,
    )
    kept = book(booker, desk, berlin(2026, 3, 3, 9, 0), hours=4)
    lost = book(MembershipFactory(village=village), desk, berlin(2026, 3, 4, 9, 0), hours=4)
    # when: the holder of the first checks in at 09:10, nobody comes to the second
    clock.set(berlin(2026, 3, 3, 9, 10))
    services.booking_check_in(membership=booker, booking_id=kept.pk)
    clock.set(berlin(2026, 3, 4, 9, 14))
    assert services.unchecked_release() == 0
    clock.set(berlin(2026, 3, 4, 9, 15))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unchecked_release() == 1
    # then
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert kept.status == BookingStatus.APPROVED
    assert lost.status == BookingStatus.RELEASED
    walk_in = book(booker, desk, berlin(2026, 3, 4, 10, 0), hours=2)
    assert walk_in.status == BookingStatus.APPROVED
    clock.set(berlin(2026, 3, 4, 10, 20))
    with pytest.raises(Conflict):
        services.booking_check_in(membership=booker, booking_id=walk_in.pk)
