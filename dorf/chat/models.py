"""Chat: rooms, their members (with read markers and mutes), messages, reactions, reports.

Message ids increase within a room in commit order: ``message_send`` locks the room row
before inserting, so a client that saw id N and asks for everything after N misses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_MESSAGE_CHARS = 4000

# Subjects whose room is a private conversation of exactly two people (like a direct room):
# a posting's author and one replier.
PAIR_SUBJECTS = frozenset({"posting_reply"})


class RoomKind(models.TextChoices):
    SQUARE = "square", _("Village square")
    CLUB = "club", _("Club")
    GROUP = "group", _("Group")
    DIRECT = "direct", _("Direct conversation")
    POSTING = "posting", _("Posting conversation")


class Room(models.Model):
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="chat_rooms",
        verbose_name=_("village"),
    )
    kind = models.CharField(max_length=16, choices=RoomKind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=120, blank=True, verbose_name=_("title"))
    # Groups only: an open group is joined at once, a closed one needs an admin's approval.
    is_open = models.BooleanField(default=True, verbose_name=_("open"))
    # What the room is about, for rooms owned by another app: ("club", 7), ("posting", 12).
    subject_type = models.CharField(max_length=32, blank=True, verbose_name=_("subject type"))
    subject_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("subject ID"))
    # Direct rooms: "<smaller user id>:<larger user id>", so a pair has one conversation.
    direct_key = models.CharField(max_length=41, blank=True, verbose_name=_("direct key"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Maintained under the room lock by message_send: the room list needs no aggregate.
    last_message = models.ForeignKey(
        "Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("last message"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("chat room")
        verbose_name_plural = _("chat rooms")
        constraints = [
            models.UniqueConstraint(
                fields=["village"], condition=Q(kind="square"), name="room_one_square_per_village"
            ),
            models.UniqueConstraint(
                fields=["village", "subject_type", "subject_id"],
                condition=~Q(subject_type=""),
                name="room_unique_subject",
            ),
            models.UniqueConstraint(
                fields=["village", "direct_key"],
                condition=Q(kind="direct"),
                name="room_unique_direct_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.title or self.pk}"

    @property
    def is_pair(self) -> bool:
        """A private two-person conversation: blocks refuse it, every message notifies."""
        return self.kind == RoomKind.DIRECT or self.subject_type in PAIR_SUBJECTS


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Member")
    ADMIN = "admin", _("Admin")


class MemberState(models.TextChoices):
    ACTIVE = "active", _("Active")
    # Asked to join a closed group; sees nothing until an admin approves.
    PENDING = "pending", _("Pending")


class RoomMember(models.Model):
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="members", verbose_name=_("room")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER, verbose_name=_("role")
    )
    state = models.CharField(
        max_length=16,
        choices=MemberState.choices,
        default=MemberState.ACTIVE,
        verbose_name=_("state"),
    )
    # Id of the newest message the member has read (0: none).
    last_read_id = models.BigIntegerField(default=0, verbose_name=_("last read ID"))
    muted_until = models.DateTimeField(null=True, blank=True, verbose_name=_("muted until"))
    joined_at = models.DateTimeField(auto_now_add=True, verbose_name=_("joined at"))

    class Meta:
        verbose_name = _("room member")
        verbose_name_plural = _("room members")
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="room_member_unique"),
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user_id} in room {self.room_id}"


class Message(models.Model):
    # No index of its own: the (room, id) index serves every lookup by room. With both,
    # PostgreSQL counted a room's unread messages (id above the read marker) through the
    # room-only index, reading the room's whole history on each rooms list.
    room = models.ForeignKey(
        Room,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        verbose_name=_("room"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_messages",
        verbose_name=_("sender"),
    )
    text = models.TextField(max_length=MAX_MESSAGE_CHARS, verbose_name=_("text"))
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    # Chosen by the client: a retry with the same id returns the stored message.
    client_msg_id = models.CharField(max_length=64, verbose_name=_("client msg ID"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    edited_at = models.DateTimeField(null=True, blank=True, verbose_name=_("edited at"))
    # A deleted or hidden message stays as a tombstone: its text is gone, its id remains.
    deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deleted at"))
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        constraints = [
            models.UniqueConstraint(
                fields=["room", "sender", "client_msg_id"], name="message_unique_client_id"
            ),
        ]
        indexes = [models.Index(fields=["room", "id"])]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id}"

    @property
    def is_tombstone(self) -> bool:
        return self.deleted_at is not None or self.hidden_at is not None


class Reaction(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reactions", verbose_name=_("message")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    emoji = models.CharField(max_length=32, verbose_name=_("emoji"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class ReportAction(models.TextChoices):
    DISMISS = "dismiss", _("Dismiss")
    HIDE = "hide", _("Hide the message")
    MUTE = "mute", _("Mute the user in the room")
    BAN = "ban", _("Ban the user from the village")


class Report(models.Model):
    """A resident's report of a message or a user, queued for the village's moderators."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="chat_reports",
        verbose_name=_("village"),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_reports_made",
        verbose_name=_("reporter"),
    )
    reported_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_reports_received",
        verbose_name=_("reported user"),
    )
    message = models.ForeignKey(
        Message,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("message"),
    )
    reason = models.CharField(max_length=1000, verbose_name=_("reason"))
    state = models.CharField(
        max_length=16,
        choices=ReportState.choices,
        default=ReportState.OPEN,
        verbose_name=_("state"),
    )
    action = models.CharField(
        max_length=16, choices=ReportAction.choices, blank=True, verbose_name=_("action")
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("chat report")
        verbose_name_plural = _("chat reports")
        indexes = [models.Index(fields=["village", "state"])]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.state})"
