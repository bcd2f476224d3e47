"""Clubs and their membership: founding, editing, joining, leaving, the board's say, the club room."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dorf.chat import services as chat_services
from dorf.chat.models import Room
from dorf.clubs import locks, payments
from dorf.clubs.models import (
    CLUB_SUBJECT,
    Club,
    ClubMembership,
    ClubMemberState,
    ClubRole,
    MembershipPolicy,
)
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User
from dorf.villages.models import Membership


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
    club = locks.club_for(user, club_id)
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
    club = locks.club_for(user, club_id, lock=False)
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
    club = locks.club_for(user, club_id)
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
    target = locks.club_membership_for(actor, club_membership_id)
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
    target = locks.club_membership_for(actor, club_membership_id)
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
