"""Write use-cases of the marketplace: postings, replies, agreements, payment, moderation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.chat import services as chat_services
from dorf.chat.models import Message
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.core.photos import photo_prepare
from dorf.marketplace import locks, payments
from dorf.marketplace.models import (
    Agreement,
    AgreementStatus,
    Conversation,
    Posting,
    PostingCategory,
    PostingKind,
    PostingPhoto,
    PostingReport,
    PostingStatus,
    snap_to_grid,
)
from dorf.notifications.models import Category
from dorf.notifications.services import notify, notify_moderators
from dorf.users.models import User
from dorf.users.selectors import blocked_user_ids
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member, require_moderator

POSTING_LIFETIME_DAYS = 30
REMINDER_BEFORE = timedelta(days=3)
MAX_PHOTOS = 5
# Postings that others can still reply to.
REPLYABLE = (PostingStatus.OPEN, PostingStatus.AGREED)


def _require_author(user: User, posting: Posting) -> None:
    if posting.author_id != user.pk:
        raise Forbidden(_("Only the author can do this."))


@transaction.atomic
def posting_create(
    *,
    membership: Membership,
    kind: str,
    category: str,
    title: str,
    text: str = "",
    estimated_minutes: int | None = None,
) -> Posting:
    """Publish an offer or request with the author's approximate location (grid cell)."""
    village = membership.village
    if category == PostingCategory.LOST_FOUND:
        # Finds and losses follow the law's rules (deadlines, claims, secret features).
        raise ValidationFailed(
            fields={
                "category": [
                    _("Report finds and losses to the village's lost and found office instead.")
                ]
            },
            code="use_lostfound",
        )
    if estimated_minutes is not None and estimated_minutes > village.max_transfer_minutes:
        raise ValidationFailed(
            fields={"estimated_minutes": [_("More minutes than one transfer may move.")]}
        )
    approx: tuple[float | None, float | None] = (None, None)
    if membership.household is not None:
        approx = snap_to_grid(membership.household.latitude, membership.household.longitude)
    return Posting.objects.create(
        village=village,
        author=membership.user,
        kind=kind,
        category=category,
        title=title,
        text=text,
        estimated_minutes=estimated_minutes,
        approx_lat=approx[0],
        approx_lon=approx[1],
        expires_at=timezone.now() + timedelta(days=POSTING_LIFETIME_DAYS),
    )


@transaction.atomic
def posting_update(
    *,
    user: User,
    posting_id: int,
    title: str | None = None,
    text: str | None = None,
    estimated_minutes: int | None = None,
) -> Posting:
    posting = locks.posting_for(user, posting_id)
    _require_author(user, posting)
    if posting.status != PostingStatus.OPEN:
        raise Conflict(_("Only open postings can be edited."), code="not_open")
    if estimated_minutes is not None and estimated_minutes > posting.village.max_transfer_minutes:
        raise ValidationFailed(
            fields={"estimated_minutes": [_("More minutes than one transfer may move.")]}
        )
    old_title = posting.title
    for field, value in (
        ("title", title),
        ("text", text),
        ("estimated_minutes", estimated_minutes),
    ):
        if value is not None:
            setattr(posting, field, value)
    posting.save()
    if posting.title != old_title:
        # The conversations' chat rooms are titled after the posting.
        chat_services.rooms_retitle(
            subject_type=REPLY_SUBJECT,
            subject_ids=posting.conversations.values_list("pk", flat=True),
            title=posting.title,
        )
    return posting


@transaction.atomic
def posting_withdraw(*, user: User, posting_id: int) -> Posting:
    posting = locks.posting_for(user, posting_id)
    _require_author(user, posting)
    if posting.status not in (PostingStatus.OPEN, PostingStatus.AGREED, PostingStatus.EXPIRED):
        raise Conflict(_("This posting can no longer be withdrawn."), code="not_withdrawable")
    if posting.agreements.filter(status=AgreementStatus.PROPOSED).exists():
        raise Conflict(_("Settle the proposed minutes first."), code="payment_pending")
    posting.status = PostingStatus.WITHDRAWN
    posting.save(update_fields=["status", "updated_at"])
    return posting


@transaction.atomic
def posting_renew(*, user: User, posting_id: int) -> Posting:
    """Another 30 days from now; an expired posting opens again."""
    posting = locks.posting_for(user, posting_id)
    _require_author(user, posting)
    if posting.status not in (PostingStatus.OPEN, PostingStatus.AGREED, PostingStatus.EXPIRED):
        raise Conflict(_("This posting can no longer be renewed."), code="not_renewable")
    if posting.status == PostingStatus.EXPIRED:
        posting.status = PostingStatus.OPEN
    posting.expires_at = timezone.now() + timedelta(days=POSTING_LIFETIME_DAYS)
    posting.expiry_reminder_sent_at = None
    posting.save(update_fields=["status", "expires_at", "expiry_reminder_sent_at", "updated_at"])
    return posting


def posting_photo_add(*, user: User, posting_id: int, upload: IO[bytes], size: int) -> PostingPhoto:
    """Check and shrink the photo first (slow, outside the transaction), then store it."""
    posting = locks.posting_for(user, posting_id, lock=False)
    _require_author(user, posting)
    prepared = photo_prepare(upload, size=size)
    with transaction.atomic():
        posting = locks.posting_for(user, posting_id)
        if posting.photos.count() >= MAX_PHOTOS:
            raise ValidationFailed(
                fields={"image": [_("At most %(n)d photos per posting.") % {"n": MAX_PHOTOS}]},
                code="too_many_photos",
            )
        photo = PostingPhoto(posting=posting, width=prepared.width, height=prepared.height)
        photo.image.save(prepared.content.name or "photo.jpg", prepared.content, save=False)
        try:
            photo.save()
        except Exception:
            default_storage.delete(str(photo.image.name))
            raise
    return photo


@transaction.atomic
def posting_report(*, user: User, posting_id: int, reason: str) -> PostingReport:
    posting = locks.posting_for(user, posting_id, lock=False)
    if posting.author_id == user.pk:
        raise ValidationFailed(_("You cannot report your own posting."), code="own_posting")
    report, created = PostingReport.objects.get_or_create(
        posting=posting, reporter=user, defaults={"reason": reason}
    )
    if not created:
        raise Conflict(_("You have already reported this posting."), code="already_reported")
    notify_moderators(
        village_id=posting.village_id,
        title=gettext_lazy("A posting was reported: %(title)s"),
        body=reason,
        params={"title": posting.title},
        link_type="posting_report",
        link_id=report.pk,
        actor=user,
    )
    return report


@transaction.atomic
def posting_hide(*, actor: User, posting_id: int) -> Posting:
    """A moderator of the posting's village takes it off the board."""
    posting = locks.posting_for(actor, posting_id)
    require_moderator(require_member(actor, posting.village_id))
    if posting.hidden_at is not None:
        return posting
    posting.hidden_at = timezone.now()
    before = audit.snapshot(posting)
    posting.hidden_by = actor
    posting.save(update_fields=["hidden_at", "hidden_by", "updated_at"])
    PostingReport.objects.filter(posting=posting, resolved_at=None).update(
        resolved_at=posting.hidden_at
    )
    audit.record(
        actor=actor,
        instance=posting,
        before=before,
        verb="posting_hide",
        village_id=posting.village_id,
        subject_user_id=posting.author_id,
    )
    notify(
        user=posting.author,
        category=Category.MODERATION,
        title=gettext_lazy("Your posting was hidden by a moderator"),
        body=posting.title,
        village=posting.village,
        link_type="posting",
        link_id=posting.pk,
    )
    return posting


# --- replies ----------------------------------------------------------------------------

REPLY_SUBJECT = "posting_reply"


@dataclass(frozen=True)
class Reply:
    """What a reply produced: the conversation (with its chat room) and the chat message;
    ``created`` is false for a retry with the same ``client_msg_id``."""

    conversation: Conversation
    message: Message
    created: bool


@transaction.atomic
def conversation_open(
    *, user: User, posting_id: int, text: str, client_msg_id: str | None = None
) -> Reply:
    """Reply to a posting: opens (or continues) the replier's private chat room with the
    author, one per posting and replier, and sends ``text`` as a chat message there.

    Everything chat applies to a message applies here too (persist before announce,
    notification, blocks, mutes, the per-user rate limit): the text goes through
    ``chat.services.message_send``.
    """
    posting = locks.posting_for(user, posting_id)
    if posting.author_id == user.pk:
        raise ValidationFailed(_("You cannot reply to your own posting."), code="own_posting")
    if posting.author_id in blocked_user_ids(user):
        raise NotFound()
    if posting.status not in REPLYABLE or posting.hidden_at is not None:
        raise Conflict(_("This posting takes no more replies."), code="not_open")
    conversation, _created = Conversation.objects.get_or_create(posting=posting, replier=user)
    room_id = conversation.room_id
    if room_id is None:
        room = chat_services.room_for_subject(
            village=posting.village,
            subject_type=REPLY_SUBJECT,
            subject_id=conversation.pk,
            title=posting.title,
            members=[posting.author, user],
        )
        Conversation.objects.filter(pk=conversation.pk).update(room=room)
        conversation.room = room
        room_id = room.pk
    message, created = chat_services.message_send(
        user=user,
        room_id=room_id,
        text=text,
        client_msg_id=client_msg_id or f"reply-{uuid.uuid4().hex}",
    )
    return Reply(conversation=conversation, message=message, created=created)


# --- agreements and payment -------------------------------------------------------------


@transaction.atomic
def agreement_accept(*, user: User, conversation_id: int) -> Agreement:
    """The author accepts the replier of this conversation as a helper (or as the helped
    person, for an offer). Several agreements per posting are allowed."""
    conversation = locks.conversation_for(user, conversation_id)
    posting = locks.posting_for(user, conversation.posting_id)
    _require_author(user, posting)
    if posting.status not in REPLYABLE:
        raise Conflict(_("This posting is no longer open."), code="not_open")
    if Agreement.objects.filter(conversation=conversation).exists():
        raise Conflict(_("You have already agreed with this person."), code="already_agreed")
    # An offer's author helps; a request's author is helped.
    if posting.kind == PostingKind.OFFER:
        helper_id, helped_id = posting.author_id, conversation.replier_id
    else:
        helper_id, helped_id = conversation.replier_id, posting.author_id
    agreement = Agreement.objects.create(
        posting=posting, conversation=conversation, helper_id=helper_id, helped_id=helped_id
    )
    if posting.status == PostingStatus.OPEN:
        posting.status = PostingStatus.AGREED
        posting.save(update_fields=["status", "updated_at"])
    notify(
        user=conversation.replier,
        category=Category.MARKETPLACE,
        title=_("Agreed: “%(title)s”") % {"title": posting.title},
        village=posting.village,
        link_type="posting_agreement",
        link_id=agreement.pk,
        actor=posting.author,
    )
    return agreement


def _require_agreement_party(user: User, agreement: Agreement) -> None:
    if user.pk not in (agreement.helper_id, agreement.helped_id):
        raise NotFound()


def _other_party(user: User, agreement: Agreement) -> User:
    return agreement.helped if user.pk == agreement.helper_id else agreement.helper


@transaction.atomic
def agreement_propose(*, user: User, agreement_id: int, minutes: int) -> Agreement:
    """One side proposes how many minutes the help took; the other side confirms."""
    agreement = locks.agreement_for(user, agreement_id)
    _require_agreement_party(user, agreement)
    if agreement.status not in (AgreementStatus.ACCEPTED, AgreementStatus.PROPOSED):
        raise Conflict(_("This agreement is settled already."), code="settled")
    village = agreement.posting.village
    if minutes < 1 or minutes > village.max_transfer_minutes:
        raise ValidationFailed(
            fields={
                "minutes": [
                    _("Between 1 and %(max)d minutes.") % {"max": village.max_transfer_minutes}
                ]
            }
        )
    agreement.status = AgreementStatus.PROPOSED
    agreement.proposed_minutes = minutes
    agreement.proposed_by = user
    agreement.save(update_fields=["status", "proposed_minutes", "proposed_by", "updated_at"])
    notify(
        user=_other_party(user, agreement),
        category=Category.MARKETPLACE,
        title=_("Please confirm %(minutes)d minutes") % {"minutes": minutes},
        body=agreement.posting.title,
        village=village,
        link_type="posting_agreement",
        link_id=agreement.pk,
        actor=agreement.posting.author,
    )
    return agreement


@transaction.atomic
def agreement_confirm(*, user: User, agreement_id: int, minutes: int) -> Agreement:
    """Confirm the other side's proposal: books the transfer helped → helper.

    Double taps and retries book once: the status flip is guarded (only one request
    moves PROPOSED → CONFIRMED; a concurrent one waits for the row, then finds it
    confirmed) and the ledger transfer carries a key derived from the agreement id.
    """
    agreement = (
        Agreement.objects.select_related("posting__village", "helper", "helped")
        .filter(pk=agreement_id)
        .first()
    )
    if agreement is None:
        raise NotFound()
    _require_agreement_party(user, agreement)
    if agreement.status == AgreementStatus.CONFIRMED and agreement.proposed_minutes == minutes:
        return agreement
    if agreement.status != AgreementStatus.PROPOSED:
        raise Conflict(_("There is no proposal to confirm."), code="nothing_to_confirm")
    if agreement.proposed_by_id == user.pk:
        raise Forbidden(_("The other side confirms your proposal."), code="own_proposal")
    if minutes != agreement.proposed_minutes:
        raise ValidationFailed(
            fields={"minutes": [_("This is not the number of minutes that was proposed.")]},
            code="minutes_mismatch",
        )
    now = timezone.now()
    flipped = Agreement.objects.filter(
        pk=agreement.pk, status=AgreementStatus.PROPOSED, proposed_minutes=minutes
    ).update(status=AgreementStatus.CONFIRMED, confirmed_at=now, updated_at=now)
    if not flipped:
        agreement.refresh_from_db()
        if agreement.status == AgreementStatus.CONFIRMED and agreement.proposed_minutes == minutes:
            return agreement  # the other tap won the race and paid
        raise Conflict(_("The proposal changed meanwhile."), code="proposal_changed")
    posting = agreement.posting
    transfer_id = payments.pay_for_help(
        village=posting.village,
        helped=agreement.helped,
        helper=agreement.helper,
        minutes=minutes,
        agreement_id=agreement.pk,
        posting_id=posting.pk,
        created_by=user,
    )
    Agreement.objects.filter(pk=agreement.pk).update(transfer_id=transfer_id)
    agreement.refresh_from_db()
    # The posting is done when no agreement of it is waiting for payment any more.
    Posting.objects.filter(pk=posting.pk, status=PostingStatus.AGREED).exclude(
        agreements__status__in=(AgreementStatus.ACCEPTED, AgreementStatus.PROPOSED)
    ).update(status=PostingStatus.DONE, updated_at=now)
    notify(
        user=_other_party(user, agreement),
        category=Category.LEDGER,
        title=_("%(minutes)d minutes booked") % {"minutes": minutes},
        body=posting.title,
        village=posting.village,
        link_type="posting",
        link_id=posting.pk,
        actor=posting.author,
    )
    return agreement


@transaction.atomic
def agreement_decline(*, user: User, agreement_id: int, dispute: bool = False) -> Agreement:
    """Turn the other side's proposal down: back to "accepted" for a new proposal, or
    "disputed" (final, nothing booked). Nothing is ever booked by either."""
    agreement = locks.agreement_for(user, agreement_id)
    _require_agreement_party(user, agreement)
    if agreement.status != AgreementStatus.PROPOSED:
        raise Conflict(_("There is no proposal to decline."), code="nothing_to_confirm")
    if agreement.proposed_by_id == user.pk:
        raise Forbidden(_("The other side answers your proposal."), code="own_proposal")
    agreement.status = AgreementStatus.DISPUTED if dispute else AgreementStatus.ACCEPTED
    if not dispute:
        agreement.proposed_minutes = None
        agreement.proposed_by = None
    agreement.save(update_fields=["status", "proposed_minutes", "proposed_by", "updated_at"])
    return agreement


# --- expiry (Celery beat) -----------------------------------------------------------------


def postings_expire(*, now: datetime | None = None) -> int:
    """Open postings past their expiry date become "expired"."""
    now = now or timezone.now()
    return Posting.objects.filter(status=PostingStatus.OPEN, expires_at__lte=now).update(
        status=PostingStatus.EXPIRED, updated_at=now
    )


def posting_expiry_reminders_send(*, now: datetime | None = None) -> int:
    """Remind authors 3 days before expiry (once per posting lifetime)."""
    now = now or timezone.now()
    due = Posting.objects.filter(
        Q(status=PostingStatus.OPEN) | Q(status=PostingStatus.AGREED),
        expires_at__gt=now,
        expires_at__lte=now + REMINDER_BEFORE,
        expiry_reminder_sent_at=None,
    ).values_list("pk", flat=True)
    sent = 0
    for posting_id in list(due):
        with transaction.atomic():
            # The guarded update makes a second beat run (or a parallel worker) skip it.
            claimed = Posting.objects.filter(pk=posting_id, expiry_reminder_sent_at=None).update(
                expiry_reminder_sent_at=now
            )
            if not claimed:
                continue
            posting = Posting.objects.select_related("author", "village").get(pk=posting_id)
            notify(
                user=posting.author,
                category=Category.MARKETPLACE,
                title=_("Your posting expires in 3 days"),
                body=posting.title,
                village=posting.village,
                link_type="posting",
                link_id=posting.pk,
            )
            sent += 1
    return sent
