"""Moderation: reports, hiding, mutes and bans by the village's moderators."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrPromise

from dorf.chat.models import (
    Message,
    Report,
    ReportAction,
    ReportState,
    RoomMember,
)
from dorf.chat.services.messages import announce_update, room_ids_of
from dorf.core import audit
from dorf.core.exceptions import Conflict, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify, notify_moderators
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Village
from dorf.villages.scoping import require_member, require_moderator
from dorf.villages.services import membership_ban

MAX_MUTE_MINUTES = 60 * 24 * 30


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
            .filter(pk=message_id, room_id__in=room_ids_of(user))
            .first()
        )
        if message is None:
            raise NotFound()
        report = Report.objects.create(
            village_id=message.room.village_id,
            reporter=user,
            reported_user_id=message.sender_id,
            message=message,
            reason=reason[:1000],
        )
        _tell_moderators(report, gettext_lazy("A chat message was reported"))
        return report
    if village is None or reported_user_id is None:
        raise ValidationFailed(_("Report a message, or a user in a village."))
    require_member(user, village)
    if not Membership.objects.filter(user_id=reported_user_id, village=village).exists():
        raise NotFound()
    if reported_user_id == user.pk:
        raise ValidationFailed(_("You cannot report yourself."), code="self_report")
    report = Report.objects.create(
        village=village, reporter=user, reported_user_id=reported_user_id, reason=reason[:1000]
    )
    _tell_moderators(report, gettext_lazy("A member was reported"))
    return report


def _tell_moderators(report: Report, title: StrPromise) -> None:
    notify_moderators(
        village_id=report.village_id,
        title=title,
        body=report.reason,
        link_type="chat_report",
        link_id=report.pk,
        actor=report.reporter,
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
        before = audit.snapshot(message)
        message.hidden_at = timezone.now()
        message.hidden_by = actor.user
        message.save(update_fields=["hidden_at", "hidden_by"])
        audit.record(
            actor=actor.user,
            instance=message,
            before=before,
            verb="message_hide",
            village_id=actor.village_id,
            subject_user_id=message.sender_id,
        )
        announce_update(message, actor.user_id)
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
    before = audit.snapshot(member)
    member.muted_until = timezone.now() + timedelta(minutes=minutes)
    member.save(update_fields=["muted_until"])
    audit.record(
        actor=actor.user,
        instance=member,
        before=before,
        verb="member_mute",
        village_id=actor.village_id,
        subject_user_id=member.user_id,
    )
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
    before = audit.snapshot(report)
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
    audit.record(
        actor=actor.user,
        instance=report,
        before=before,
        verb="chat_report_resolve",
        village_id=report.village_id,
        subject_user_id=report.reported_user_id,
    )
    notify(
        user=report.reporter,
        category=Category.MODERATION,
        title=gettext_lazy("Your report was reviewed"),
        body=ReportAction(action).label,
        village=village,
        link_type="chat_report",
        link_id=report.pk,
    )
    if action != ReportAction.DISMISS:
        notify(
            user=report.reported_user,
            category=Category.MODERATION,
            title=gettext_lazy("A moderator acted on your content"),
            body=ReportAction(action).label,
            village=village,
            link_type="chat_report",
            link_id=report.pk,
        )
    return report
