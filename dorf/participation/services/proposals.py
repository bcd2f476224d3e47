"""Proposals: a verified resident proposes, others support; at the village's threshold the
town hall is told and owes an answer, which is pushed to every supporter. Comments follow
the chat's rules (send limit, blocks, reports, tombstones)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import partial
from typing import IO

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.chat.ratelimit import check_send_rate
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.core.photos import photo_prepare
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many, notify_moderators
from dorf.participation import locks
from dorf.participation.models import (
    SUPPORTABLE_STATES,
    AnswerStatus,
    CommentReport,
    ParticipationSettings,
    Proposal,
    ProposalComment,
    ProposalState,
    ProposalSupport,
    ReportState,
)
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role, Village
from dorf.villages.scoping import require_member, require_moderator, require_staff

COARSE_DEGREES = 3  # ~100 m
MAX_COMMENT_CHARS = 2000


def staff_of(village_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            village_id=village_id, role=Role.STAFF, state=MembershipState.VERIFIED
        ).select_related("user")
    ]


def settings_of(village: Village | int) -> ParticipationSettings:
    """The village's rules, or the defaults (5 % of verified members, 90 days)."""
    village_id = village if isinstance(village, int) else village.pk
    found = ParticipationSettings.objects.filter(village_id=village_id).first()
    return found or ParticipationSettings(village_id=village_id)


@transaction.atomic
def settings_update(
    *,
    actor: User,
    village_id: int,
    support_threshold_percent: int | None,
    support_threshold_count: int | None,
    proposal_support_days: int,
) -> ParticipationSettings:
    """Staff set the threshold (a number wins over a percentage) and the support period.
    Existing proposals keep the threshold they were made with."""
    require_staff(require_member(actor, village_id))
    if support_threshold_percent is None and support_threshold_count is None:
        raise ValidationFailed(
            fields={"support_threshold_count": [_("Give a percentage or a number.")]},
            code="no_threshold",
        )
    found, _created = ParticipationSettings.objects.select_for_update().get_or_create(
        village_id=village_id
    )
    before = audit.snapshot(found)
    found.support_threshold_percent = support_threshold_percent
    found.support_threshold_count = support_threshold_count
    found.proposal_support_days = proposal_support_days
    found.save()
    audit.record(
        actor=actor,
        instance=found,
        before=before,
        verb="participation_settings_update",
        village_id=village_id,
    )
    return found


def threshold_for(village_id: int) -> int:
    """Supports a new proposal needs: the village's number, or its percentage of the
    verified members today, rounded up; at least one."""
    rules = settings_of(village_id)
    if rules.support_threshold_count is not None:
        return max(1, rules.support_threshold_count)
    members = Membership.objects.filter(
        village_id=village_id, state=MembershipState.VERIFIED
    ).count()
    return max(1, math.ceil(members * (rules.support_threshold_percent or 0) / 100))


def _coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COARSE_DEGREES)


@transaction.atomic
def proposal_create(
    *,
    user: User,
    village_id: int,
    title: str,
    text: str,
    category: str,
    lat: float | None = None,
    lon: float | None = None,
) -> Proposal:
    """A verified resident proposes; the author's own support is not counted for them."""
    membership = locks.membership_for(user, village_id)
    title, text = title.strip(), text.strip()
    if not title:
        raise ValidationFailed(fields={"title": [_("Give your proposal a title.")]})
    if not text:
        raise ValidationFailed(fields={"text": [_("Describe your proposal.")]})
    if (lat is None) != (lon is None):
        raise ValidationFailed(fields={"lat": [_("Give both coordinates or neither.")]})
    rules = settings_of(village_id)
    return Proposal.objects.create(
        village=membership.village,
        author=user,
        title=title,
        text=text,
        category=category,
        lat=_coarse(lat),
        lon=_coarse(lon),
        support_threshold=threshold_for(village_id),
        supports_until=timezone.now() + timedelta(days=rules.proposal_support_days),
    )


def proposal_photo_set(*, user: User, proposal_id: int, upload: IO[bytes], size: int) -> Proposal:
    """The author adds (or replaces) the proposal's photo: re-encoded, bounded, no EXIF
    (the marketplace's rules, ``dorf.core.photos``). The slow re-encoding runs outside
    the transaction; the author is checked before and after it."""
    with transaction.atomic():
        _own_proposal(user, proposal_id)
    prepared = photo_prepare(upload, size=size)
    with transaction.atomic():
        proposal = _own_proposal(user, proposal_id)
        old = str(proposal.photo.name) if proposal.photo else ""
        proposal.photo.save(prepared.content.name or "photo.jpg", prepared.content, save=False)
        proposal.save(update_fields=["photo", "updated_at"])
        if old:
            transaction.on_commit(partial(default_storage.delete, old))
    return proposal


def _own_proposal(user: User, proposal_id: int) -> Proposal:
    proposal = locks.proposal_for(user, proposal_id)
    locks.membership_for(user, proposal.village_id)
    if proposal.author_id != user.pk:
        raise Forbidden()
    if proposal.hidden_at is not None:
        raise Conflict(_("This proposal was hidden."), code="proposal_hidden")
    return proposal


def _open_for_supports(proposal: Proposal, now: datetime) -> None:
    if proposal.hidden_at is not None or proposal.state not in SUPPORTABLE_STATES:
        raise Conflict(_("This proposal takes no more supports."), code="proposal_closed")
    if now >= proposal.supports_until:
        raise Conflict(_("The support period of this proposal has ended."), code="support_closed")


@transaction.atomic
def proposal_support(*, user: User, proposal_id: int) -> Proposal:
    """One support per verified member (a unique constraint: parallel clicks count once).
    Crossing the threshold flips the proposal to "answer due" once and tells the staff."""
    scoped = locks.proposal_for(user, proposal_id, lock=False)
    locks.membership_for(user, scoped.village_id)
    proposal = locks.proposal_for(user, proposal_id)
    now = timezone.now()
    _open_for_supports(proposal, now)
    if proposal.author_id == user.pk:
        raise ValidationFailed(_("You cannot support your own proposal."), code="own_proposal")
    try:
        with transaction.atomic():
            ProposalSupport.objects.create(proposal=proposal, user=user)
    except IntegrityError as exc:
        raise Conflict(_("You support this proposal already."), code="already_supported") from exc
    proposal.support_count = F("support_count") + 1
    proposal.save(update_fields=["support_count", "updated_at"])
    proposal.refresh_from_db(fields=["support_count"])
    if proposal.support_count >= proposal.support_threshold and _mark_threshold_reached(
        proposal, now
    ):
        notify_many(
            recipients=staff_of(proposal.village_id),
            category=Category.VILLAGE,
            title=gettext_lazy("A proposal needs your answer: %(title)s"),
            body=gettext_lazy("%(count)d residents support it; the town hall owes an answer."),
            params={"title": proposal.title, "count": proposal.support_count},
            village=proposal.village,
            link_type="proposal",
            link_id=proposal.pk,
        )
    return proposal


def _mark_threshold_reached(proposal: Proposal, now: datetime) -> bool:
    # A guarded update: the first crossing wins, a later one (after withdrawals and new
    # supports) does not notify again.
    flipped = Proposal.objects.filter(
        pk=proposal.pk, threshold_reached_at=None, state=ProposalState.OPEN
    ).update(threshold_reached_at=now, state=ProposalState.ANSWER_DUE)
    if flipped:
        proposal.threshold_reached_at = now
        proposal.state = ProposalState.ANSWER_DUE
    return bool(flipped)


@transaction.atomic
def proposal_support_withdraw(*, user: User, proposal_id: int) -> Proposal:
    """A support can be taken back until the support period ends. A threshold once
    reached stays reached: the town hall's duty to answer does not vanish."""
    scoped = locks.proposal_for(user, proposal_id, lock=False)
    locks.membership_for(user, scoped.village_id)
    proposal = locks.proposal_for(user, proposal_id)
    _open_for_supports(proposal, timezone.now())
    deleted, _rows = ProposalSupport.objects.filter(proposal=proposal, user=user).delete()
    if not deleted:
        raise Conflict(_("You do not support this proposal."), code="not_supported")
    proposal.support_count = F("support_count") - 1
    proposal.save(update_fields=["support_count", "updated_at"])
    proposal.refresh_from_db(fields=["support_count"])
    return proposal


@transaction.atomic
def proposal_answer(*, actor: User, proposal_id: int, status: str, text: str) -> Proposal:
    """The municipality answers (and may update its answer, e.g. "to the council", later
    "done"); the author and every supporter are told each time."""
    proposal = locks.proposal_for(actor, proposal_id)
    require_staff(require_member(actor, proposal.village_id))
    text = text.strip()
    if proposal.hidden_at is not None or proposal.state == ProposalState.EXPIRED:
        raise Conflict(_("This proposal cannot be answered any more."), code="not_answerable")
    if status == AnswerStatus.REJECTED and not text:
        raise ValidationFailed(
            fields={"text": [_("Give the reason for the rejection.")]}, code="reason_required"
        )
    before = audit.snapshot(proposal)
    proposal.answer_status = status
    proposal.answer_text = text
    proposal.answered_at = timezone.now()
    proposal.answered_by = actor
    proposal.state = ProposalState.ANSWERED
    proposal.save(
        update_fields=[
            "answer_status",
            "answer_text",
            "answered_at",
            "answered_by",
            "state",
            "updated_at",
        ]
    )
    audit.record(
        actor=actor,
        instance=proposal,
        before=before,
        verb="proposal_answer",
        village_id=proposal.village_id,
        subject_user_id=proposal.author_id,
    )
    supporters = User.objects.filter(proposal_supports__proposal=proposal)
    recipients = [*supporters, *([proposal.author] if proposal.author else [])]
    notify_many(
        recipients=recipients,
        category=Category.VILLAGE,
        title=gettext_lazy("The town hall answered: %(title)s"),
        body=gettext_lazy("%(status)s. %(text)s"),
        params={
            "title": proposal.title,
            "status": AnswerStatus(status).label,
            "text": text,
        },
        village=proposal.village,
        link_type="proposal",
        link_id=proposal.pk,
    )
    return proposal


@transaction.atomic
def proposal_hide(*, actor: User, proposal_id: int) -> Proposal:
    """A moderator takes a proposal off the list (it keeps its supports for the record)."""
    proposal = locks.proposal_for(actor, proposal_id)
    require_moderator(require_member(actor, proposal.village_id))
    if proposal.hidden_at is None:
        before = audit.snapshot(proposal)
        proposal.hidden_at = timezone.now()
        proposal.hidden_by = actor
        proposal.save(update_fields=["hidden_at", "hidden_by", "updated_at"])
        audit.record(
            actor=actor,
            instance=proposal,
            before=before,
            verb="proposal_hide",
            village_id=proposal.village_id,
            subject_user_id=proposal.author_id,
        )
        if proposal.author is not None:
            notify_many(
                recipients=[proposal.author],
                category=Category.MODERATION,
                title=gettext_lazy("Your proposal was hidden by a moderator: %(title)s"),
                params={"title": proposal.title},
                village=proposal.village,
                link_type="proposal",
                link_id=proposal.pk,
            )
    return proposal


def proposals_expire(*, now: datetime | None = None) -> int:
    """Proposals whose support period ended below the threshold expire; the author is
    told. Guarded per row, so a second run or a parallel worker expires nothing twice."""
    now = now or timezone.now()
    due = Proposal.objects.filter(state=ProposalState.OPEN, supports_until__lte=now).values_list(
        "pk", flat=True
    )
    expired = 0
    for proposal_id in list(due):
        with transaction.atomic():
            if not Proposal.objects.filter(pk=proposal_id, state=ProposalState.OPEN).update(
                state=ProposalState.EXPIRED, updated_at=now
            ):
                continue
            proposal = Proposal.objects.select_related("village", "author").get(pk=proposal_id)
            if proposal.author is not None:
                notify_many(
                    recipients=[proposal.author],
                    category=Category.VILLAGE,
                    title=gettext_lazy("Your proposal expired: %(title)s"),
                    body=gettext_lazy("It gathered %(count)d of %(needed)d supports."),
                    params={
                        "title": proposal.title,
                        "count": proposal.support_count,
                        "needed": proposal.support_threshold,
                    },
                    village=proposal.village,
                    link_type="proposal",
                    link_id=proposal.pk,
                )
            expired += 1
    return expired


# --- comments: the chat's moderation rules ---------------------------------------------------


@transaction.atomic
def comment_create(*, user: User, proposal_id: int, text: str) -> ProposalComment:
    proposal = locks.proposal_for(user, proposal_id, lock=False)
    locks.membership_for(user, proposal.village_id)
    if proposal.hidden_at is not None:
        raise Conflict(_("This proposal was hidden."), code="proposal_hidden")
    text = text.strip()
    if not text:
        raise ValidationFailed(fields={"text": [_("Write something.")]})
    if len(text) > MAX_COMMENT_CHARS:
        raise ValidationFailed(
            fields={"text": [_("At most %(n)d characters.") % {"n": MAX_COMMENT_CHARS}]}
        )
    # The chat's per-user send limit: comments and chat messages share one budget.
    check_send_rate(user.pk)
    return ProposalComment.objects.create(proposal=proposal, author=user, text=text)


@transaction.atomic
def comment_delete(*, user: User, comment_id: int) -> ProposalComment:
    comment = locks.comment_for(user, comment_id)
    if comment.author_id != user.pk:
        raise Forbidden()
    if comment.deleted_at is None:
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["deleted_at"])
    return comment


@transaction.atomic
def comment_report(*, user: User, comment_id: int, reason: str) -> CommentReport:
    comment = locks.comment_for(user, comment_id)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Please give a reason.")]})
    if comment.author_id == user.pk:
        raise ValidationFailed(_("You cannot report your own comment."), code="own_comment")
    try:
        with transaction.atomic():
            report = CommentReport.objects.create(
                comment=comment, reporter=user, reason=reason[:1000]
            )
    except IntegrityError as exc:
        raise Conflict(
            _("You have already reported this comment."), code="already_reported"
        ) from exc
    notify_moderators(
        village_id=comment.proposal.village_id,
        title=gettext_lazy("A comment on a proposal was reported"),
        body=report.reason,
        link_type="proposal_comment_report",
        link_id=report.pk,
        actor=user,
    )
    return report


@transaction.atomic
def comment_hide(*, actor: User, comment_id: int) -> ProposalComment:
    """A moderator hides a comment: its text is gone for everyone, its open reports are
    resolved and the author is told (as for a hidden chat message)."""
    comment = locks.comment_for(actor, comment_id)
    require_moderator(require_member(actor, comment.proposal.village_id))
    now = timezone.now()
    if comment.hidden_at is None:
        before = audit.snapshot(comment)
        comment.hidden_at = now
        comment.hidden_by = actor
        comment.save(update_fields=["hidden_at", "hidden_by"])
        audit.record(
            actor=actor,
            instance=comment,
            before=before,
            verb="comment_hide",
            village_id=comment.proposal.village_id,
            subject_user_id=comment.author_id,
        )
        if comment.author is not None:
            notify_many(
                recipients=[comment.author],
                category=Category.MODERATION,
                title=gettext_lazy("A moderator hid your comment on %(title)s"),
                params={"title": comment.proposal.title},
                village=comment.proposal.village,
                link_type="proposal",
                link_id=comment.proposal_id,
            )
    CommentReport.objects.filter(comment=comment, state=ReportState.OPEN).update(
        state=ReportState.RESOLVED, resolved_by=actor, resolved_at=now
    )
    return comment


@transaction.atomic
def comment_report_dismiss(*, actor: User, report_id: int) -> CommentReport:
    report = locks.comment_report_for(actor, report_id)
    require_moderator(require_member(actor, report.comment.proposal.village_id))
    if report.state != ReportState.OPEN:
        raise Conflict(_("This report was already decided."), code="already_decided")
    before = audit.snapshot(report)
    report.state = ReportState.DISMISSED
    report.resolved_by = actor
    report.resolved_at = timezone.now()
    audit.record(
        actor=actor,
        instance=report,
        before=before,
        verb="comment_report_dismiss",
        village_id=report.comment.proposal.village_id,
        subject_user_id=report.comment.author_id,
    )
    report.save(update_fields=["state", "resolved_by", "resolved_at"])
    return report


# --- bans and erasure ---------------------------------------------------------------------


def member_banned(*, membership: Membership) -> int:
    """A banned member's supports of proposals still collecting are removed from the
    counts (the documented rule: a ban takes back the member's open voice). Runs inside
    the ban's transaction; returns how many supports went."""
    supports = ProposalSupport.objects.filter(
        user_id=membership.user_id,
        proposal__village_id=membership.village_id,
        proposal__state__in=SUPPORTABLE_STATES,
    )
    proposal_ids = sorted(supports.values_list("proposal_id", flat=True))
    # Lock in primary-key order, the order every support takes too.
    list(Proposal.objects.select_for_update().filter(pk__in=proposal_ids).order_by("pk"))
    removed = 0
    for proposal_id in proposal_ids:
        deleted, _rows = ProposalSupport.objects.filter(
            proposal_id=proposal_id, user_id=membership.user_id
        ).delete()
        if deleted:
            Proposal.objects.filter(pk=proposal_id).update(
                support_count=F("support_count") - deleted
            )
            removed += deleted
    return removed
