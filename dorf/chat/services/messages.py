"""Messages: send (idempotent), edit, delete, reactions, read markers."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrPromise

from dorf.chat import realtime
from dorf.chat.models import (
    MAX_MESSAGE_CHARS,
    MemberState,
    Message,
    Reaction,
    Room,
    RoomKind,
    RoomMember,
)
from dorf.chat.ratelimit import check_send_rate
from dorf.chat.selectors import active_room_ids, room_member
from dorf.chat.services.rooms import lock_room
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import Notice, NotificationText, notify_each
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids

MAX_EMOJI_CHARS = 16


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
    room = lock_room(room_id)
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
    if not room.is_pair:
        room_members = room_members.filter(user_id__in=candidates)
    recipient_ids = set(room_members.values_list("user_id", flat=True)) - {user.pk}
    hidden = blocked_user_ids(user) if recipient_ids else set()
    if room.is_pair and recipient_ids & hidden:
        raise Forbidden(_("You cannot message this person."), code="blocked")
    message = Message.objects.create(
        room=room, sender=user, text=text, client_msg_id=client_msg_id, reply_to=reply_to
    )
    Room.objects.filter(pk=room.pk).update(last_message=message)
    RoomMember.objects.filter(pk=member.pk).update(last_read_id=message.pk)
    realtime.announce_message_on_commit(message, prev_id=room.last_message_id or 0)
    if recipient_ids - hidden:
        _notify_about_message(message, room, recipient_ids - hidden, mention_ids)
    return message, True


def _notify_about_message(
    message: Message, room: Room, recipient_ids: set[int], mention_ids: Sequence[int]
) -> None:
    """Reply, mention and direct-message notifications; each person gets at most one."""
    sender = message.sender
    targets: list[tuple[int, Category, StrPromise]] = []
    if message.reply_to is not None:
        targets.append(
            (message.reply_to.sender_id, Category.REPLY, gettext_lazy("%(name)s replied to you"))
        )
    targets.extend(
        (uid, Category.MENTION, gettext_lazy("%(name)s mentioned you"))
        for uid in dict.fromkeys(mention_ids)
    )
    if room.kind == RoomKind.DIRECT:
        targets.extend(
            (uid, Category.DIRECT_MESSAGE, gettext_lazy("Message from %(name)s"))
            for uid in sorted(recipient_ids)
        )
    elif room.is_pair:
        # A conversation about a posting: the marketplace category, so muting the
        # marketplace also mutes its conversations.
        targets.extend(
            (uid, Category.MARKETPLACE, gettext_lazy("%(name)s about “%(title)s”"))
            for uid in sorted(recipient_ids)
        )
    users = User.objects.in_bulk(sorted(recipient_ids))
    params = {"name": sender.display_name, "title": room.title}
    texts: dict[str, NotificationText] = {}
    notices: list[Notice] = []
    notified: set[int] = set()
    for uid, category, title in targets:
        if uid in notified or uid not in users:
            continue
        notified.add(uid)
        # Rendered per recipient language, once per kind of text.
        text = texts.setdefault(
            category, NotificationText(title=title, body=message.text[:200], params=params)
        )
        notices.append(
            Notice(
                user=users[uid],
                category=category,
                text=text,
                village_id=room.village_id,
                link_type="chat_message",
                link_id=message.pk,
                actor_id=sender.pk,
            )
        )
    notify_each(notices=notices)


def _own_message(user: User, message_id: int) -> Message:
    message = (
        Message.objects.select_related("sender")
        .filter(pk=message_id, room_id__in=room_ids_of(user))
        .first()
    )
    if message is None:
        raise NotFound()
    if message.sender_id != user.pk:
        raise Forbidden(_("You can only change your own messages."))
    if message.is_tombstone:
        raise Conflict(_("This message was deleted."), code="deleted")
    return message


def room_ids_of(user: User) -> list[int]:
    return sorted(active_room_ids(user=user))


def announce_update(message: Message, actor_id: int) -> None:
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
    announce_update(message, user.pk)
    return message


@transaction.atomic
def message_delete(*, user: User, message_id: int) -> Message:
    """Delete one's own message: a tombstone stays in its place."""
    message = _own_message(user, message_id)
    message.deleted_at = timezone.now()
    message.text = ""
    message.save(update_fields=["deleted_at", "text"])
    announce_update(message, user.pk)
    return message


def _emoji(emoji: str) -> str:
    emoji = emoji.strip()
    if not emoji or len(emoji) > MAX_EMOJI_CHARS or any(c.isspace() for c in emoji):
        raise ValidationFailed(fields={"emoji": [_("Not a valid reaction.")]})
    return emoji


def _visible_message(user: User, message_id: int) -> Message:
    message = (
        Message.objects.filter(pk=message_id, room_id__in=room_ids_of(user))
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
