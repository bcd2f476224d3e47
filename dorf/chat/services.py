"""Write use-cases of the chat. The REST API and the WebSocket consumer call these alike."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.chat import realtime
from dorf.chat.models import (
    MAX_MESSAGE_CHARS,
    MemberRole,
    MemberState,
    Message,
    Reaction,
    Report,
    ReportAction,
    ReportState,
    Room,
    RoomKind,
    RoomMember,
)
from dorf.chat.ratelimit import check_send_rate
from dorf.chat.selectors import room_member, room_visible
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.scoping import require_member, require_moderator
from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership, MembershipState, Village
from dorf.villages.services import membership_ban

# "posting": one room for a posting; "posting_reply": one conversation per reply (poster
# and that replier only), the usual choice of the marketplace.
SUBJECT_KINDS = {
    "club": RoomKind.CLUB,
    "posting": RoomKind.POSTING,
    "posting_reply": RoomKind.POSTING,
}
MAX_EMOJI_CHARS = 16
MAX_MUTE_MINUTES = 60 * 24 * 30


# --- locking -------------------------------------------------------------------------------


def _lock_room(room_id: int) -> Room:
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
    member, created = RoomMember.objects.get_or_create(
        room=room, user=user, defaults={"role": role, "state": state}
    )
    if not created and member.state != state and state == MemberState.ACTIVE:
        member.state = MemberState.ACTIVE
        member.save(update_fields=["state"])
    if member.state == MemberState.ACTIVE:
        realtime.rooms_join_on_commit(user.pk, [room.pk])
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


# --- messages ------------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed(fields={"text": [_("A message cannot be empty.")]})
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(
            fields={"text": [_("At most %(n)d characters.") % {"n": MAX_MESSAGE_CHARS}]},
            code="too_long",
        )
    return text


@transaction.atomic
def message_send(
    *,
    user: User,
    room_id: int,
    text: str,
    client_msg_id: str,
    reply_to_id: int | None = None,
    mention_ids: Sequence[int] = (),
) -> tuple[Message, bool]:
    """Store a message and announce it after commit; returns (message, created).

    A retry with the same ``client_msg_id`` returns the stored message and announces
    nothing again.
    """
    text = _clean_text(text)
    if not client_msg_id or len(client_msg_id) > 64:
        raise ValidationFailed(fields={"client_msg_id": [_("1 to 64 characters.")]})
    member = room_member(user=user, room_id=room_id)
    room = _lock_room(room_id)
    existing = (
        Message.objects.select_related("sender")
        .filter(room=room, sender=user, client_msg_id=client_msg_id)
        .first()
    )
    if existing is not None:
        return existing, False
    if member.muted_until is not None and member.muted_until > timezone.now():
        raise Forbidden(_("You are muted in this room."), code="muted")
    check_send_rate(user.pk)
    reply_to = None
    if reply_to_id is not None:
        reply_to = Message.objects.filter(room=room, pk=reply_to_id).first()
        if reply_to is None:
            raise ValidationFailed(fields={"reply_to_id": [_("No such message in this room.")]})
    # Who may be notified: the parent's author, the mentioned, the other side of a direct
    # conversation. A square of a thousand members costs no extra query per message.
    candidates = set(mention_ids)
    if reply_to is not None:
        candidates.add(reply_to.sender_id)
    room_members = RoomMember.objects.filter(room=room, state=MemberState.ACTIVE)
    if room.kind != RoomKind.DIRECT:
        room_members = room_members.filter(user_id__in=candidates)
    recipient_ids = set(room_members.values_list("user_id", flat=True)) - {user.pk}
    hidden = blocked_user_ids(user) if recipient_ids else set()
    if room.kind == RoomKind.DIRECT and recipient_ids & hidden:
        raise Forbidden(_("You cannot message this person."), code="blocked")
    message = Message.objects.create(
        room=room, sender=user, text=text, client_msg_id=client_msg_id, reply_to=reply_to
    )
    Room.objects.filter(pk=room.pk).update(last_message=message)
    RoomMember.objects.filter(pk=member.pk).update(last_read_id=message.pk)
    realtime.announce_message_on_commit(message)
    if recipient_ids - hidden:
        _notify_about_message(message, room, recipient_ids - hidden, mention_ids)
    return message, True


def _notify_about_message(
    message: Message, room: Room, recipient_ids: set[int], mention_ids: Sequence[int]
) -> None:
    """Reply, mention and direct-message notifications; each person gets at most one."""
    sender = message.sender
    targets: list[tuple[int, Category, str]] = []
    if message.reply_to is not None:
        targets.append((message.reply_to.sender_id, Category.REPLY, _("%(name)s replied to you")))
    targets.extend(
        (uid, Category.MENTION, _("%(name)s mentioned you")) for uid in dict.fromkeys(mention_ids)
    )
    if room.kind == RoomKind.DIRECT:
        targets.extend(
            (uid, Category.DIRECT_MESSAGE, _("Message from %(name)s"))
            for uid in sorted(recipient_ids)
        )
    users = User.objects.in_bulk(sorted(recipient_ids))
    notified: set[int] = set()
    for uid, category, title in targets:
        if uid in notified or uid not in users:
            continue
        notified.add(uid)
        notify(
            user=users[uid],
            category=category,
            title=title % {"name": sender.display_name},
            body=message.text[:200],
            village=Village(pk=room.village_id),
            link_type="chat_message",
            link_id=message.pk,
        )


def _own_message(user: User, message_id: int) -> Message:
    message = (
        Message.objects.select_related("sender")
        .filter(pk=message_id, room_id__in=_room_ids_of(user))
        .first()
    )
    if message is None:
        raise NotFound()
    if message.sender_id != user.pk:
        raise Forbidden(_("You can only change your own messages."))
    if message.is_tombstone:
        raise Conflict(_("This message was deleted."), code="deleted")
    return message


def _room_ids_of(user: User) -> list[int]:
    from dorf.chat.selectors import active_room_ids

    return sorted(active_room_ids(user=user))


def _announce_update(message: Message, actor_id: int) -> None:
    realtime.announce_room_event_on_commit(
        message.room_id,
        actor_id,
        {"type": "message.updated", "message": realtime.message_payload(message)},
    )


@transaction.atomic
def message_edit(*, user: User, message_id: int, text: str) -> Message:
    message = _own_message(user, message_id)
    message.text = _clean_text(text)
    message.edited_at = timezone.now()
    message.save(update_fields=["text", "edited_at"])
    _announce_update(message, user.pk)
    return message


@transaction.atomic
def message_delete(*, user: User, message_id: int) -> Message:
    """Delete one's own message: a tombstone stays in its place."""
    message = _own_message(user, message_id)
    message.deleted_at = timezone.now()
    message.text = ""
    message.save(update_fields=["deleted_at", "text"])
    _announce_update(message, user.pk)
    return message


def _emoji(emoji: str) -> str:
    emoji = emoji.strip()
    if not emoji or len(emoji) > MAX_EMOJI_CHARS or any(c.isspace() for c in emoji):
        raise ValidationFailed(fields={"emoji": [_("Not a valid reaction.")]})
    return emoji


def _visible_message(user: User, message_id: int) -> Message:
    message = (
        Message.objects.filter(pk=message_id, room_id__in=_room_ids_of(user))
        .exclude(sender_id__in=blocked_user_ids(user))
        .first()
    )
    if message is None:
        raise NotFound()
    return message


@transaction.atomic
def reaction_add(*, user: User, message_id: int, emoji: str) -> Reaction:
    emoji = _emoji(emoji)
    message = _visible_message(user, message_id)
    if message.is_tombstone:
        raise Conflict(_("This message was deleted."), code="deleted")
    reaction, created = Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
    if created:
        realtime.announce_room_event_on_commit(
            message.room_id,
            user.pk,
            {
                "type": "reaction.added",
                "room_id": message.room_id,
                "message_id": message.pk,
                "emoji": emoji,
                "user_id": user.pk,
            },
        )
    return reaction


@transaction.atomic
def reaction_remove(*, user: User, message_id: int, emoji: str) -> None:
    message = _visible_message(user, message_id)
    deleted, _details = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
    if deleted:
        realtime.announce_room_event_on_commit(
            message.room_id,
            user.pk,
            {
                "type": "reaction.removed",
                "room_id": message.room_id,
                "message_id": message.pk,
                "emoji": emoji,
                "user_id": user.pk,
            },
        )


@transaction.atomic
def read_marker_set(*, user: User, room_id: int, message_id: int) -> int:
    """Move the read marker forward (never back); returns the marker."""
    member = room_member(user=user, room_id=room_id)
    newest = member.room.last_message_id or 0
    target = min(message_id, newest)
    RoomMember.objects.filter(pk=member.pk, last_read_id__lt=target).update(last_read_id=target)
    return max(target, member.last_read_id)


# --- moderation ----------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    user: User,
    reason: str,
    message_id: int | None = None,
    village: Village | None = None,
    reported_user_id: int | None = None,
) -> Report:
    """Report a message (in one of the reporter's rooms) or a member of a village."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Please give a reason.")]})
    if message_id is not None:
        message = (
            Message.objects.select_related("room")
            .filter(pk=message_id, room_id__in=_room_ids_of(user))
            .first()
        )
        if message is None:
            raise NotFound()
        return Report.objects.create(
            village_id=message.room.village_id,
            reporter=user,
            reported_user_id=message.sender_id,
            message=message,
            reason=reason[:1000],
        )
    if village is None or reported_user_id is None:
        raise ValidationFailed(_("Report a message, or a user in a village."))
    require_member(user, village)
    if not Membership.objects.filter(user_id=reported_user_id, village=village).exists():
        raise NotFound()
    if reported_user_id == user.pk:
        raise ValidationFailed(_("You cannot report yourself."), code="self_report")
    return Report.objects.create(
        village=village, reporter=user, reported_user_id=reported_user_id, reason=reason[:1000]
    )


@transaction.atomic
def message_hide(*, actor: Membership, message_id: int) -> Message:
    """A moderator hides a message of their village: every client gets the tombstone."""
    require_moderator(actor)
    message = (
        Message.objects.select_related("sender")
        .filter(pk=message_id, room__village_id=actor.village_id)
        .first()
    )
    if message is None:
        raise NotFound()
    if message.hidden_at is None:
        message.hidden_at = timezone.now()
        message.hidden_by = actor.user
        message.save(update_fields=["hidden_at", "hidden_by"])
        _announce_update(message, actor.user_id)
    return message


@transaction.atomic
def member_mute(*, actor: Membership, room_id: int, user_id: int, minutes: int) -> RoomMember:
    require_moderator(actor)
    if not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise ValidationFailed(fields={"minutes": [_("Between 1 minute and 30 days.")]})
    member = RoomMember.objects.filter(
        room_id=room_id, room__village_id=actor.village_id, user_id=user_id
    ).first()
    if member is None:
        raise NotFound()
    member.muted_until = timezone.now() + timedelta(minutes=minutes)
    member.save(update_fields=["muted_until"])
    return member


@transaction.atomic
def report_resolve(
    *, actor: Membership, report_id: int, action: ReportAction, minutes: int | None = None
) -> Report:
    """A moderator of the report's village decides; reporter and reported user are told."""
    require_moderator(actor)
    report = (
        Report.objects.select_for_update().filter(pk=report_id, village_id=actor.village_id).first()
    )
    if report is None:
        raise NotFound()
    if report.state != ReportState.OPEN:
        raise Conflict(_("This report was already decided."), code="already_decided")
    village = actor.village
    if action in (ReportAction.HIDE, ReportAction.MUTE) and report.message_id is None:
        raise ValidationFailed(_("This report is not about a message."), code="no_message")
    if action == ReportAction.HIDE:
        assert report.message_id is not None
        message_hide(actor=actor, message_id=report.message_id)
    elif action == ReportAction.MUTE:
        assert report.message is not None
        member_mute(
            actor=actor,
            room_id=report.message.room_id,
            user_id=report.reported_user_id,
            minutes=minutes or 60,
        )
    elif action == ReportAction.BAN:
        target = Membership.objects.filter(
            user_id=report.reported_user_id, village_id=actor.village_id
        ).first()
        if target is None:
            raise NotFound()
        if target.state != MembershipState.BANNED:
            membership_ban(actor=actor, membership_id=target.pk, reason=report.reason)
    report.state = ReportState.DISMISSED if action == ReportAction.DISMISS else ReportState.RESOLVED
    report.action = action
    report.resolved_by = actor.user
    report.resolved_at = timezone.now()
    report.save(update_fields=["state", "action", "resolved_by", "resolved_at"])
    notify(
        user=report.reporter,
        category=Category.MODERATION,
        title=_("Your report was reviewed"),
        body=str(ReportAction(action).label),
        village=village,
        link_type="chat_report",
        link_id=report.pk,
    )
    if action != ReportAction.DISMISS:
        notify(
            user=report.reported_user,
            category=Category.MODERATION,
            title=_("A moderator acted on your content"),
            body=str(ReportAction(action).label),
            village=village,
            link_type="chat_report",
            link_id=report.pk,
        )
    return report


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
