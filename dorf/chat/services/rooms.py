"""Rooms and their members: squares, groups, direct conversations, rooms of other apps."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.chat import realtime
from dorf.chat.models import (
    MemberRole,
    MemberState,
    Room,
    RoomKind,
    RoomMember,
)
from dorf.chat.selectors import room_member, room_visible
from dorf.core.exceptions import Forbidden, NotFound, ValidationFailed
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership, MembershipState, Village

# "posting": one room for a posting; "posting_reply": one conversation per reply (poster
# and that replier only), the usual choice of the marketplace.
SUBJECT_KINDS = {
    "club": RoomKind.CLUB,
    "posting": RoomKind.POSTING,
    "posting_reply": RoomKind.POSTING,
}

# --- locking -------------------------------------------------------------------------------


def lock_room(room_id: int) -> Room:
    # Every message insert holds its room's row lock: ids then grow in commit order
    # within a room, which is what "everything after id N" relies on.
    return Room.objects.select_for_update().get(pk=room_id)


# --- rooms and members ---------------------------------------------------------------------


@transaction.atomic
def room_member_add(
    *,
    room: Room,
    user: User,
    role: MemberRole = MemberRole.MEMBER,
    state: MemberState = MemberState.ACTIVE,
) -> RoomMember:
    """Add ``user`` to ``room`` (idempotent); an active member's socket joins the room at once."""
    # A newcomer's unread count starts at their arrival, not at the room's first message
    # (the village square's whole history would be "unread" to every new resident).
    member, created = RoomMember.objects.get_or_create(
        room=room,
        user=user,
        defaults={"role": role, "state": state, "last_read_id": room.last_message_id or 0},
    )
    if not created and member.state != state and state == MemberState.ACTIVE:
        member.state = MemberState.ACTIVE
        member.save(update_fields=["state"])
    if member.state == MemberState.ACTIVE:
        # From the room's last message as loaded: a stale value only replays a little more
        # (sockets de-duplicate by id).
        realtime.rooms_join_on_commit(user.pk, {room.pk: room.last_message_id or 0})
    return member


@transaction.atomic
def room_member_remove(*, room: Room, user: User) -> None:
    """Remove ``user`` from ``room``; their socket stops receiving the room at once."""
    RoomMember.objects.filter(room=room, user=user).delete()
    realtime.rooms_leave_on_commit(user.pk, [room.pk])


@transaction.atomic
def square_for_village(*, village: Village) -> Room:
    room, _created = Room.objects.get_or_create(
        village=village, kind=RoomKind.SQUARE, defaults={"title": village.name}
    )
    return room


@transaction.atomic
def room_for_subject(
    *,
    village: Village,
    subject_type: str,
    subject_id: int,
    title: str,
    members: Iterable[User],
) -> Room:
    """The room about another app's object (a club, a posting), created on first use.

    ``members`` are added (idempotently); removing them is ``room_member_remove``.
    """
    room, _created = Room.objects.get_or_create(
        village=village,
        subject_type=subject_type,
        subject_id=subject_id,
        defaults={
            "kind": SUBJECT_KINDS.get(subject_type, RoomKind.GROUP),
            "title": title[:120],
            "is_open": False,
        },
    )
    for user in sorted(members, key=lambda u: u.pk):
        room_member_add(room=room, user=user)
    return room


@transaction.atomic
def rooms_retitle(*, subject_type: str, subject_ids: Iterable[int], title: str) -> int:
    """Rename the rooms of other apps' objects (a renamed club, an erased posting)."""
    return Room.objects.filter(subject_type=subject_type, subject_id__in=list(subject_ids)).update(
        title=title[:120]
    )


@transaction.atomic
def group_create(*, membership: Membership, title: str, is_open: bool) -> Room:
    """A resident's group in their village; the creator is its admin."""
    title = title.strip()
    if not title:
        raise ValidationFailed(fields={"title": [_("A group needs a title.")]})
    room = Room.objects.create(
        village_id=membership.village_id,
        kind=RoomKind.GROUP,
        title=title[:120],
        is_open=is_open,
        created_by=membership.user,
    )
    room_member_add(room=room, user=membership.user, role=MemberRole.ADMIN)
    return room


@transaction.atomic
def group_join(*, user: User, room_id: int) -> RoomMember:
    """Join an open group at once; ask to join a closed one (an admin approves)."""
    room = room_visible(user=user, room_id=room_id)
    if room.kind != RoomKind.GROUP:
        raise Forbidden(_("Only groups can be joined."), code="not_a_group")
    existing = RoomMember.objects.filter(room=room, user=user).first()
    if existing is not None:
        return existing
    state = MemberState.ACTIVE if room.is_open else MemberState.PENDING
    return room_member_add(room=room, user=user, state=state)


@transaction.atomic
def group_approve(*, actor: User, room_id: int, user_id: int) -> RoomMember:
    admin = room_member(user=actor, room_id=room_id)
    if admin.role != MemberRole.ADMIN:
        raise Forbidden(_("Only the group's admins can approve members."))
    pending = (
        RoomMember.objects.select_related("user", "room")
        .filter(room_id=room_id, user_id=user_id, state=MemberState.PENDING)
        .first()
    )
    if pending is None:
        raise NotFound()
    if _verified_membership(pending.user, pending.room.village_id) is None:
        raise NotFound()
    return room_member_add(room=pending.room, user=pending.user)


def _verified_membership(user: User, village_id: int) -> Membership | None:
    return Membership.objects.filter(
        user=user, village_id=village_id, state=MembershipState.VERIFIED
    ).first()


@transaction.atomic
def room_leave(*, user: User, room_id: int) -> None:
    member = room_member(user=user, room_id=room_id)
    if member.room.kind in (RoomKind.SQUARE, RoomKind.CLUB):
        raise Forbidden(
            _("You are in this room through your membership; it cannot be left."),
            code="cannot_leave",
        )
    room_member_remove(room=member.room, user=user)


def _direct_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


@transaction.atomic
def direct_open(*, membership: Membership, other_user_id: int) -> Room:
    """The 1:1 conversation with another member of the village (created on first use)."""
    user = membership.user
    if other_user_id == user.pk:
        raise ValidationFailed(_("You cannot message yourself."), code="self_message")
    other = _verified_user(other_user_id, membership.village_id)
    if other_user_id in blocked_user_ids(user):
        raise Forbidden(_("You cannot message this person."), code="blocked")
    room, _created = Room.objects.get_or_create(
        village_id=membership.village_id,
        kind=RoomKind.DIRECT,
        direct_key=_direct_key(user.pk, other_user_id),
    )
    for person in sorted((user, other), key=lambda u: u.pk):
        room_member_add(room=room, user=person)
    return room


def _verified_user(user_id: int, village_id: int) -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(user_id=user_id, village_id=village_id, state=MembershipState.VERIFIED)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership.user


# --- village membership (signal receivers call these) --------------------------------------


@transaction.atomic
def village_member_verified(*, membership: Membership) -> None:
    """A verified member joins the village square."""
    square = square_for_village(village=membership.village)
    room_member_add(room=square, user=membership.user)


@transaction.atomic
def village_member_banned(*, membership: Membership) -> None:
    """A banned member leaves every room of the village; their socket stops at once."""
    members = RoomMember.objects.filter(
        user_id=membership.user_id, room__village_id=membership.village_id
    )
    room_ids = list(members.values_list("room_id", flat=True))
    members.delete()
    realtime.rooms_leave_on_commit(membership.user_id, room_ids)
