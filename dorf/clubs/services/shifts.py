"""Volunteer shifts at a club's event: creating, signing up, withdrawing, confirming.

Lock order: a shift row before its signups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.calendar.recurrence import Occurrence
from dorf.clubs import locks, payments
from dorf.clubs.models import (
    Shift,
    ShiftSignup,
    SignupStatus,
)
from dorf.clubs.services._common import (
    _require_may_attend,
    _resolve_occurrence,
    _validate_times,
)
from dorf.clubs.services.clubs import require_board
from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState


@transaction.atomic
def shift_create(
    *,
    user: User,
    event_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    helpers_needed: int,
    minutes: int,
    occurrence_start: datetime | None = None,
) -> Shift:
    event = locks.event_for(user, event_id)
    require_board(user, event.club)
    _validate_times(starts_at, ends_at)
    occurrence = _resolve_occurrence(event, occurrence_start)
    _require_within_event_days(
        starts_at, ends_at, occurrence=occurrence, time_zone=event.village.timezone
    )
    if starts_at <= timezone.now():
        # A shift entered after it began could be confirmed and paid minutes later,
        # without anyone having been able to sign up for it.
        raise ValidationFailed(
            fields={"starts_at": [_("A shift cannot start in the past.")]}, code="past"
        )
    if minutes > event.village.max_transfer_minutes:
        raise ValidationFailed(fields={"minutes": [_("More minutes than one transfer may move.")]})
    return Shift.objects.create(
        event=event,
        occurrence_start=occurrence.original_start,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        helpers_needed=helpers_needed,
        minutes=minutes,
    )


def _require_within_event_days(
    starts_at: datetime, ends_at: datetime, *, occurrence: Occurrence, time_zone: str
) -> None:
    """A shift lies within the calendar day(s) of its occurrence, in the village's zone:
    setting up in the morning and clearing away at night belong to the event, a shift
    on another day does not."""
    tz = ZoneInfo(time_zone)
    first_day = occurrence.starts_at.astimezone(tz).date()
    last_day = (occurrence.ends_at - timedelta(microseconds=1)).astimezone(tz).date()
    day_starts = datetime.combine(first_day, time(0), tzinfo=tz)
    day_ends = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    if starts_at < day_starts or ends_at > day_ends:
        raise ValidationFailed(
            fields={"starts_at": [_("A shift must lie within its event's day.")]},
            code="outside_event_day",
        )


@transaction.atomic
def shift_signup(*, user: User, shift_id: int) -> ShiftSignup:
    shift = locks.shift_for(user, shift_id)
    _require_may_attend(user, shift.event)
    if shift.attendance_confirmed_at is not None or shift.ends_at <= timezone.now():
        raise Conflict(_("This shift is over."), code="past")
    if ShiftSignup.objects.filter(shift=shift, user=user).exists():
        raise Conflict(_("You are signed up already."), code="already_signed_up")
    if ShiftSignup.objects.filter(shift=shift).count() >= shift.helpers_needed:
        raise Conflict(_("This shift has enough helpers."), code="shift_full")
    return ShiftSignup.objects.create(shift=shift, user=user)


@transaction.atomic
def shift_withdraw(*, user: User, shift_id: int) -> None:
    shift = locks.shift_for(user, shift_id)
    if shift.attendance_confirmed_at is not None:
        raise Conflict(_("The attendance is confirmed already."), code="confirmed")
    deleted, _details = ShiftSignup.objects.filter(shift=shift, user=user).delete()
    if not deleted:
        raise NotFound()


@transaction.atomic
def shift_confirm_attendance(
    *, user: User, shift_id: int, attended_user_ids: Sequence[int]
) -> Shift:
    """After the shift a board member says who came; the club's account pays each of
    them the shift's minutes in ONE transfer. Confirming twice pays once."""
    shift = locks.shift_for(user, shift_id)
    event = shift.event
    require_board(user, event.club)
    attended = set(attended_user_ids)
    if shift.attendance_confirmed_at is not None:
        already = set(
            ShiftSignup.objects.filter(shift=shift, status=SignupStatus.ATTENDED).values_list(
                "user_id", flat=True
            )
        )
        if already == attended:
            return shift
        raise Conflict(_("The attendance is confirmed already."), code="confirmed")
    if shift.ends_at > timezone.now():
        raise Conflict(_("The shift is not over yet."), code="not_over")
    signups = list(ShiftSignup.objects.filter(shift=shift).select_related("user"))
    signed_up = {s.user_id for s in signups}
    if not attended <= signed_up:
        raise ValidationFailed(
            fields={"attended_user_ids": [_("Only people who signed up can be confirmed.")]}
        )
    helpers = [s.user for s in signups if s.user_id in attended]
    verified = set(
        Membership.objects.filter(
            village=event.village, user__in=helpers, state=MembershipState.VERIFIED
        ).values_list("user_id", flat=True)
    )
    if verified != attended:
        raise ValidationFailed(
            fields={"attended_user_ids": [_("Every helper must be a verified resident.")]}
        )
    now = timezone.now()
    for signup in signups:
        signup.status = (
            SignupStatus.ATTENDED if signup.user_id in attended else SignupStatus.NO_SHOW
        )
    ShiftSignup.objects.bulk_update(signups, ["status"])
    shift.attendance_confirmed_at = now
    if helpers:
        club = event.club
        if club.account is None:
            raise Conflict(_("The club has no time-credit account."), code="no_account")
        shift.transfer_id = payments.pay_shift(
            village=event.village,
            club_account=club.account,
            helpers=helpers,
            minutes=shift.minutes,
            shift_id=shift.pk,
            memo=f"{club.name}: {shift.title}",
            created_by=user,
        )
    shift.save(update_fields=["attendance_confirmed_at", "transfer_id", "updated_at"])
    for helper in helpers:
        notify(
            user=helper,
            category=Category.LEDGER,
            title=_("Thank you! %(minutes)d minutes for %(shift)s")
            % {"minutes": shift.minutes, "shift": shift.title},
            village=event.village,
            link_type="shift",
            link_id=shift.pk,
        )
    return shift
