"""Write use-cases of clubs: membership, announcements, events, RSVPs, shifts, feeds.

Lock order: an event row before its RSVPs; a shift row before its signups. Every RSVP
change locks its event (``select_for_update``), which serialises the capacity check
and the waitlist per event on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.chat import services as chat_services
from dorf.chat.models import MAX_MESSAGE_CHARS, Room
from dorf.clubs import payments, recurrence
from dorf.clubs.models import (
    CLUB_SUBJECT,
    Announcement,
    CalendarToken,
    Club,
    ClubEvent,
    ClubMembership,
    ClubMemberState,
    ClubRole,
    MembershipPolicy,
    OccurrenceOverride,
    Rsvp,
    RsvpResponse,
    Shift,
    ShiftSignup,
    SignupStatus,
    Visibility,
)
from dorf.core.exceptions import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState

# --- clubs and membership --------------------------------------------------------------


def club_room(club: Club) -> Room:
    """The club's chat room (created with the club; made here for a club that has none)."""
    return chat_services.room_for_subject(
        village=club.village,
        subject_type=CLUB_SUBJECT,
        subject_id=club.pk,
        title=club.name,
        members=(),
    )


def _room_join(club: Club, user: User) -> None:
    chat_services.room_member_add(room=club_room(club), user=user)


def _room_leave(club: Club, user: User) -> None:
    # The socket stops receiving the room at once (room_member_remove announces it).
    chat_services.room_member_remove(room=club_room(club), user=user)


def club_membership_of(user: User, club: Club) -> ClubMembership | None:
    return ClubMembership.objects.filter(club=club, user=user, state=ClubMemberState.ACTIVE).first()


def require_board(user: User, club: Club) -> ClubMembership:
    membership = club_membership_of(user, club)
    if membership is None or membership.role != ClubRole.BOARD:
        raise Forbidden(_("Only the club's board can do this."), code="not_board")
    return membership


@transaction.atomic
def club_create(
    *,
    membership: Membership,
    name: str,
    description: str = "",
    contact: str = "",
    membership_policy: str = MembershipPolicy.OPEN,
) -> Club:
    """A new club with its founder on the board and its own time-credit account."""
    village = membership.village
    if Club.objects.filter(village=village, name__iexact=name.strip()).exists():
        raise ValidationFailed(fields={"name": [_("A club with this name exists already.")]})
    account = payments.open_club_account(village=village, name=name)
    club = Club.objects.create(
        village=village,
        name=name.strip(),
        description=description,
        contact=contact,
        membership_policy=membership_policy,
        account=account,
    )
    ClubMembership.objects.create(club=club, user=membership.user, role=ClubRole.BOARD)
    chat_services.room_for_subject(
        village=village,
        subject_type=CLUB_SUBJECT,
        subject_id=club.pk,
        title=club.name,
        members=[membership.user],
    )
    return club


@transaction.atomic
def club_update(*, user: User, club_id: int, **fields: Any) -> Club:
    club = Club.objects.select_for_update().get(pk=club_id)
    require_board(user, club)
    old_name = club.name
    for name, value in fields.items():
        setattr(club, name, value)
    club.save()
    if club.name != old_name:
        chat_services.rooms_retitle(
            subject_type=CLUB_SUBJECT, subject_ids=[club.pk], title=club.name
        )
    return club


@transaction.atomic
def club_join(*, user: User, club_id: int) -> ClubMembership:
    """Join at once (open club) or ask the board (approval needed)."""
    club = Club.objects.get(pk=club_id)
    state = (
        ClubMemberState.ACTIVE
        if club.membership_policy == MembershipPolicy.OPEN
        else ClubMemberState.PENDING
    )
    try:
        with transaction.atomic():
            membership = ClubMembership.objects.create(club=club, user=user, state=state)
    except IntegrityError as exc:
        raise Conflict(_("You are already a member or have asked."), code="already_member") from exc
    if state == ClubMemberState.ACTIVE:
        _room_join(club, user)
    if state == ClubMemberState.PENDING:
        for board in ClubMembership.objects.filter(
            club=club, role=ClubRole.BOARD, state=ClubMemberState.ACTIVE
        ).select_related("user"):
            notify(
                user=board.user,
                category=Category.CLUB,
                title=_("%(name)s asks to join %(club)s")
                % {"name": user.display_name, "club": club.name},
                village=club.village,
                link_type="club",
                link_id=club.pk,
                actor=user,
            )
    return membership


@transaction.atomic
def club_leave(*, user: User, club_id: int) -> None:
    club = Club.objects.select_for_update().get(pk=club_id)
    membership = ClubMembership.objects.filter(club=club, user=user).first()
    if membership is None:
        raise NotFound()
    if membership.is_board and (
        ClubMembership.objects.filter(
            club=club, role=ClubRole.BOARD, state=ClubMemberState.ACTIVE
        ).count()
        == 1
    ):
        raise Conflict(_("Name another board member before you leave."), code="last_board")
    membership.delete()
    _room_leave(club, user)


@transaction.atomic
def club_member_remove(*, actor: User, club_membership_id: int) -> None:
    """The board removes a member (or turns down a request to join); a removed member
    leaves the club's chat room at once."""
    target = (
        ClubMembership.objects.select_for_update()
        .select_related("club__village", "user")
        .get(pk=club_membership_id)
    )
    club = target.club
    require_board(actor, club)
    if target.is_board and (
        ClubMembership.objects.filter(
            club=club, role=ClubRole.BOARD, state=ClubMemberState.ACTIVE
        ).count()
        == 1
    ):
        raise Conflict(_("A club needs at least one board member."), code="last_board")
    target.delete()
    _room_leave(club, target.user)


@transaction.atomic
def club_member_update(
    *, actor: User, club_membership_id: int, approve: bool = False, role: str | None = None
) -> ClubMembership:
    """The board approves a pending member and/or changes a member's role."""
    target = (
        ClubMembership.objects.select_for_update()
        .select_related("club__village", "user")
        .get(pk=club_membership_id)
    )
    require_board(actor, target.club)
    if approve and target.state == ClubMemberState.PENDING:
        target.state = ClubMemberState.ACTIVE
        _room_join(target.club, target.user)
        notify(
            user=target.user,
            category=Category.CLUB,
            title=_("Welcome to %(club)s") % {"club": target.club.name},
            village=target.club.village,
            link_type="club",
            link_id=target.club_id,
        )
    if role is not None and role != target.role:
        if target.state != ClubMemberState.ACTIVE:
            raise Conflict(_("Approve the member first."), code="pending")
        if role == ClubRole.MEMBER and (
            ClubMembership.objects.filter(
                club=target.club, role=ClubRole.BOARD, state=ClubMemberState.ACTIVE
            ).count()
            == 1
        ):
            raise Conflict(_("A club needs at least one board member."), code="last_board")
        target.role = role
    target.save()
    return target


@transaction.atomic
def announcement_create(
    *, user: User, club_id: int, title: str, text: str = "", pinned: bool = False
) -> Announcement:
    """A board post; every active member (except the author) is notified, and the post
    also appears in the club's chat room."""
    club = Club.objects.select_related("village").get(pk=club_id)
    require_board(user, club)
    announcement = Announcement.objects.create(
        club=club, author=user, title=title, text=text, pinned=pinned
    )
    members = (
        ClubMembership.objects.filter(club=club, state=ClubMemberState.ACTIVE)
        .exclude(user=user)
        .select_related("user")
    )
    for member in members:
        notify(
            user=member.user,
            category=Category.CLUB,
            title=f"{club.name}: {title}",
            body=text[:200],
            village=club.village,
            link_type="club_announcement",
            link_id=announcement.pk,
            actor=user,
        )
    _announce_in_room(club, announcement)
    return announcement


def _announce_in_room(club: Club, announcement: Announcement) -> None:
    # A courtesy copy: the announcement stands on its own, so a board member the chat
    # refuses (muted in the room, sending too fast) still gets it published.
    text = f"{announcement.title}\n\n{announcement.text}".strip()[:MAX_MESSAGE_CHARS]
    try:
        with transaction.atomic():
            chat_services.message_send(
                user=announcement.author,
                room_id=club_room(club).pk,
                text=text,
                client_msg_id=f"club-announcement-{announcement.pk}",
            )
    except DomainError:
        return


# --- events --------------------------------------------------------------------------------


def event_tz(event: ClubEvent) -> ZoneInfo:
    return ZoneInfo(event.village.timezone)


def overrides_of(event: ClubEvent) -> dict[datetime, recurrence.OverrideData]:
    return {
        o.original_start: recurrence.OverrideData(o.cancelled, o.starts_at, o.ends_at)
        for o in event.overrides.all()
    }


def _validate_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})


def _validate_geo(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(fields={"longitude": [_("Give both coordinates or none.")]})


def _going_counts(event: ClubEvent) -> dict[datetime, int]:
    counts: dict[datetime, int] = {}
    for start in Rsvp.objects.filter(event=event, response=RsvpResponse.GOING).values_list(
        "occurrence_start", flat=True
    ):
        counts[start] = counts.get(start, 0) + 1
    return counts


@transaction.atomic
def event_create(
    *,
    user: User,
    club_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    place: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    visibility: str = Visibility.PUBLIC,
    capacity: int | None = None,
    rrule: str = "",
) -> ClubEvent:
    club = Club.objects.select_related("village").get(pk=club_id)
    require_board(user, club)
    _validate_times(starts_at, ends_at)
    _validate_geo(latitude, longitude)
    rule = recurrence.normalise_rule(rrule, starts_at=starts_at, tz=ZoneInfo(club.village.timezone))
    return ClubEvent.objects.create(
        club=club,
        village=club.village,
        title=title,
        description=description,
        place=place,
        latitude=latitude,
        longitude=longitude,
        starts_at=starts_at,
        ends_at=ends_at,
        visibility=visibility,
        capacity=capacity,
        rrule=rule,
    )


def _lock_event(event_id: int) -> ClubEvent:
    return ClubEvent.objects.select_for_update().select_related("club", "village").get(pk=event_id)


@transaction.atomic
def event_update(*, user: User, event_id: int, **fields: Any) -> ClubEvent:
    """Change an event. The capacity cannot drop below an occurrence's "going" count;
    a raised capacity moves people up from the waitlist."""
    event = _lock_event(event_id)
    require_board(user, event.club)
    if (
        "rrule" in fields
        and event.rrule != fields["rrule"]
        and Rsvp.objects.filter(event=event).exists()
    ):
        raise Conflict(_("The rule cannot change once people have answered."), code="has_rsvps")
    for name, value in fields.items():
        setattr(event, name, value)
    _validate_times(event.starts_at, event.ends_at)
    _validate_geo(event.latitude, event.longitude)
    event.rrule = recurrence.normalise_rule(
        event.rrule, starts_at=event.starts_at, tz=event_tz(event)
    )
    counts = _going_counts(event)
    if event.capacity is not None and counts and max(counts.values()) > event.capacity:
        raise ValidationFailed(
            fields={
                "capacity": [_("%(n)d people are already going.") % {"n": max(counts.values())}]
            },
            code="capacity_below_going",
        )
    event.sequence += 1
    event.save()
    for occurrence_start in (
        Rsvp.objects.filter(event=event, response=RsvpResponse.WAITLISTED)
        .values_list("occurrence_start", flat=True)
        .distinct()
    ):
        _promote_waitlist(event, occurrence_start)
    return event


@transaction.atomic
def occurrence_override_set(
    *,
    user: User,
    event_id: int,
    original_start: datetime,
    cancelled: bool = False,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    note: str = "",
) -> OccurrenceOverride:
    """Cancel or move one occurrence of a recurring event (keyed by its original start)."""
    event = _lock_event(event_id)
    require_board(user, event.club)
    if not event.is_recurring:
        raise ValidationFailed(
            _("Only occurrences of a recurring event can be changed one by one."),
            code="not_recurring",
        )
    if (starts_at is None) != (ends_at is None):
        raise ValidationFailed(fields={"ends_at": [_("Give both the new start and end.")]})
    if starts_at is not None and ends_at is not None:
        _validate_times(starts_at, ends_at)
    if not cancelled and starts_at is None:
        raise ValidationFailed(_("Cancel the occurrence or give it a new time."), code="no_change")
    found = recurrence.find_occurrence(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        rule=event.rrule,
        tz=event_tz(event),
        original_start=original_start,
    )
    if found is None:
        raise ValidationFailed(
            fields={"original_start": [_("The event has no occurrence at this time.")]},
            code="no_such_occurrence",
        )
    override, _created = OccurrenceOverride.objects.update_or_create(
        event=event,
        original_start=found.original_start,
        defaults={
            "cancelled": cancelled,
            "starts_at": None if cancelled else starts_at,
            "ends_at": None if cancelled else ends_at,
            "note": note,
        },
    )
    ClubEvent.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
    affected = Rsvp.objects.filter(
        event=event,
        occurrence_start=found.original_start,
        response__in=(RsvpResponse.GOING, RsvpResponse.WAITLISTED, RsvpResponse.MAYBE),
    ).select_related("user")
    title = (_("Cancelled: %(title)s") if cancelled else _("New time: %(title)s")) % {
        "title": event.title
    }
    for rsvp in affected:
        notify(
            user=rsvp.user,
            category=Category.RSVP,
            title=title,
            body=note,
            village=event.village,
            link_type="club_event",
            link_id=event.pk,
        )
    return override


def _resolve_occurrence(
    event: ClubEvent, occurrence_start: datetime | None
) -> recurrence.Occurrence:
    if occurrence_start is None:
        if event.is_recurring:
            raise ValidationFailed(
                fields={"occurrence_start": [_("Say which occurrence you mean.")]}
            )
        occurrence_start = event.starts_at
    found = recurrence.find_occurrence(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        rule=event.rrule,
        tz=event_tz(event),
        original_start=occurrence_start,
        overrides=overrides_of(event),
    )
    if found is None:
        raise ValidationFailed(
            fields={"occurrence_start": [_("The event has no occurrence at this time.")]},
            code="no_such_occurrence",
        )
    if found.cancelled:
        raise Conflict(_("This occurrence is cancelled."), code="cancelled")
    return found


def _require_may_attend(user: User, event: ClubEvent) -> None:
    if event.visibility == Visibility.MEMBERS and club_membership_of(user, event.club) is None:
        raise Forbidden(_("This event is for club members only."), code="members_only")


# --- RSVPs -----------------------------------------------------------------------------


def going_count(event: ClubEvent, occurrence_start: datetime) -> int:
    return Rsvp.objects.filter(
        event=event, occurrence_start=occurrence_start, response=RsvpResponse.GOING
    ).count()


def _promote_waitlist(event: ClubEvent, occurrence_start: datetime) -> list[Rsvp]:
    """Move people up from the waitlist while there is room (event row locked)."""
    promoted: list[Rsvp] = []
    going = going_count(event, occurrence_start)
    while event.capacity is None or going < event.capacity:
        first = (
            Rsvp.objects.filter(
                event=event, occurrence_start=occurrence_start, response=RsvpResponse.WAITLISTED
            )
            .select_related("user")
            .order_by("waitlisted_at", "id")
            .first()
        )
        if first is None:
            break
        first.response = RsvpResponse.GOING
        first.waitlisted_at = None
        first.save(update_fields=["response", "waitlisted_at", "updated_at"])
        going += 1
        promoted.append(first)
        local = occurrence_start.astimezone(event_tz(event))
        notify(
            user=first.user,
            category=Category.RSVP,
            title=_("You are in: %(title)s") % {"title": event.title},
            body=_("A place became free on %(when)s.") % {"when": local.strftime("%d.%m.%Y %H:%M")},
            village=event.village,
            link_type="club_event",
            link_id=event.pk,
        )
    return promoted


@transaction.atomic
def rsvp_set(
    *, user: User, event_id: int, response: str, occurrence_start: datetime | None = None
) -> Rsvp:
    """Answer going / maybe / not going. "Going" to a full occurrence joins the waitlist;
    leaving "going" hands the place to the first on the waitlist.

    The event row is locked for the whole decision, so concurrent answers on PostgreSQL
    are serialised and never put more people on "going" than the capacity.
    """
    if response not in (RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING):
        raise ValidationFailed(fields={"response": [_("Not a valid answer.")]})
    event = _lock_event(event_id)
    _require_may_attend(user, event)
    occurrence = _resolve_occurrence(event, occurrence_start)
    if occurrence.ends_at <= timezone.now():
        raise Conflict(_("This occurrence is over."), code="past")
    key = occurrence.original_start
    rsvp = Rsvp.objects.filter(event=event, occurrence_start=key, user=user).first()
    previous = rsvp.response if rsvp else None
    if response == RsvpResponse.GOING and previous in (RsvpResponse.GOING, RsvpResponse.WAITLISTED):
        assert rsvp is not None
        return rsvp
    new_response = response
    waitlisted_at = None
    if (
        response == RsvpResponse.GOING
        and event.capacity is not None
        and going_count(event, key) >= event.capacity
    ):
        new_response = RsvpResponse.WAITLISTED
        waitlisted_at = timezone.now()
    if rsvp is None:
        rsvp = Rsvp.objects.create(
            event=event,
            occurrence_start=key,
            user=user,
            response=new_response,
            waitlisted_at=waitlisted_at,
        )
    else:
        rsvp.response = new_response
        rsvp.waitlisted_at = waitlisted_at
        rsvp.save(update_fields=["response", "waitlisted_at", "updated_at"])
    if previous == RsvpResponse.GOING and new_response != RsvpResponse.GOING:
        _promote_waitlist(event, key)
    return rsvp


# --- shifts --------------------------------------------------------------------------------


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
    event = _lock_event(event_id)
    require_board(user, event.club)
    _validate_times(starts_at, ends_at)
    occurrence = _resolve_occurrence(event, occurrence_start)
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


def _lock_shift(shift_id: int) -> Shift:
    return (
        Shift.objects.select_for_update(of=("self",))
        .select_related("event__club__village", "event__village")
        .get(pk=shift_id)
    )


@transaction.atomic
def shift_signup(*, user: User, shift_id: int) -> ShiftSignup:
    shift = _lock_shift(shift_id)
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
    shift = _lock_shift(shift_id)
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
    shift = _lock_shift(shift_id)
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


# --- calendar token ------------------------------------------------------------------------


def calendar_token_get(*, user: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_rotate(*, user: User) -> CalendarToken:
    """A new secret URL; the old one answers 404 from now on."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)
