"""Polls: staff (or a club's board) ask, verified members vote once, results are computed
from the anonymous ballots and shown after the close (or live, when the poll says so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many
from dorf.participation import locks
from dorf.participation.models import (
    Poll,
    PollBallot,
    PollKind,
    PollOption,
    PollParticipation,
)
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState, Role
from dorf.villages.scoping import member_village_ids, require_member

MAX_OPTIONS = 20


def _club_board_user_ids(club_id: int) -> set[int]:
    # Through the model registry: participation sits beside clubs, not above it.
    memberships = apps.get_model("clubs", "ClubMembership")
    return set(
        memberships.objects.filter(club_id=club_id, role="board", state="active").values_list(
            "user_id", flat=True
        )
    )


def _club_member_user_ids(club_id: int) -> set[int]:
    memberships = apps.get_model("clubs", "ClubMembership")
    return set(
        memberships.objects.filter(club_id=club_id, state="active").values_list(
            "user_id", flat=True
        )
    )


def _club_in_village(club_id: int, village_id: int) -> bool:
    clubs = apps.get_model("clubs", "Club")
    return bool(clubs.objects.filter(pk=club_id, village_id=village_id).exists())


def may_manage(membership: Membership, club_id: int | None) -> bool:
    """Staff manage every poll of the village; a club's board manages the club's polls."""
    if membership.role == Role.STAFF:
        return True
    return club_id is not None and membership.user_id in _club_board_user_ids(club_id)


def may_vote(membership: Membership, poll: Poll) -> bool:
    if poll.club_id is None:
        return True
    return membership.user_id in _club_member_user_ids(poll.club_id)


def is_open(poll: Poll, now: datetime) -> bool:
    return poll.published_at is not None and poll.opens_at <= now < poll.closes_at


def results_visible(poll: Poll, now: datetime) -> bool:
    """After the close for everyone, staff included; before it only for a live poll."""
    if poll.published_at is None:
        return False
    return now >= poll.closes_at or (poll.results_live and now >= poll.opens_at)


@transaction.atomic
def poll_create(
    *,
    user: User,
    village_id: int,
    question: str,
    options: list[str],
    kind: str,
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    max_choices: int | None = None,
    allow_free_text: bool = False,
    results_live: bool = False,
    club_id: int | None = None,
) -> Poll:
    """A draft poll; it is visible to voters once published."""
    membership = require_member(user, village_id)
    if club_id is not None and not _club_in_village(club_id, village_id):
        raise ValidationFailed(fields={"club_id": [_("No such club in this village.")]})
    if not may_manage(membership, club_id):
        raise Forbidden()
    labels = [label.strip() for label in options]
    if len(labels) < 2 or len(labels) > MAX_OPTIONS or any(not label for label in labels):
        raise ValidationFailed(
            fields={"options": [_("Give between 2 and %(n)d options.") % {"n": MAX_OPTIONS}]}
        )
    if len(set(labels)) != len(labels):
        raise ValidationFailed(fields={"options": [_("Each option only once.")]})
    if closes_at <= opens_at:
        raise ValidationFailed(fields={"closes_at": [_("The poll must close after it opens.")]})
    if closes_at <= timezone.now():
        raise ValidationFailed(fields={"closes_at": [_("The close must be in the future.")]})
    if kind == PollKind.SINGLE:
        max_choices = 1
    elif max_choices is None:
        max_choices = len(labels)
    if not 1 <= max_choices <= len(labels):
        raise ValidationFailed(fields={"max_choices": [_("Between 1 and the number of options.")]})
    poll = Poll.objects.create(
        village_id=village_id,
        club_id=club_id,
        question=question.strip(),
        description=description.strip(),
        kind=kind,
        max_choices=max_choices,
        allow_free_text=allow_free_text,
        results_live=results_live,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=user,
    )
    PollOption.objects.bulk_create(
        PollOption(poll=poll, label=label, position=index) for index, label in enumerate(labels)
    )
    return poll


def _poll_for(user: User, poll_id: int) -> Poll:
    poll = (
        Poll.objects.select_for_update(of=("self",))
        .select_related("village")
        .filter(pk=poll_id, village__in=member_village_ids(user))
        .first()
    )
    if poll is None:
        raise NotFound()
    return poll


@transaction.atomic
def poll_publish(*, actor: User, poll_id: int) -> Poll:
    poll = _poll_for(actor, poll_id)
    membership = require_member(actor, poll.village_id)
    if not may_manage(membership, poll.club_id):
        raise Forbidden()
    if poll.published_at is not None:
        raise Conflict(_("This poll is published already."), code="already_published")
    if poll.closes_at <= timezone.now():
        raise Conflict(_("This poll has closed already."), code="poll_closed")
    before = audit.snapshot(poll)
    poll.published_at = timezone.now()
    poll.save(update_fields=["published_at", "updated_at"])
    audit.record(
        actor=actor,
        instance=poll,
        before=before,
        verb="poll_publish",
        village_id=poll.village_id,
    )
    if poll.club_id is not None:
        voters = User.objects.filter(pk__in=_club_member_user_ids(poll.club_id))
    else:
        voters = User.objects.filter(
            memberships__village_id=poll.village_id,
            memberships__state=MembershipState.VERIFIED,
        )
    notify_many(
        recipients=voters.exclude(pk=actor.pk),
        category=Category.VILLAGE,
        title=gettext_lazy("New poll: %(question)s"),
        params={"question": poll.question},
        village=poll.village,
        link_type="poll",
        link_id=poll.pk,
    )
    return poll


@transaction.atomic
def poll_vote(
    *, user: User, poll_id: int, option_ids: list[int], free_text: str = ""
) -> PollParticipation:
    """Vote once. Who voted and what was voted go to two unlinked tables; the membership
    row lock serialises a member's parallel votes (and a ban), the unique constraint is
    the last word."""
    scoped = Poll.objects.filter(pk=poll_id).values_list("village_id", flat=True).first()
    if scoped is None:
        raise NotFound()
    membership = locks.membership_for(user, scoped)
    poll = Poll.objects.get(pk=poll_id)
    if poll.published_at is None:
        raise NotFound()
    if not may_vote(membership, poll):
        raise Forbidden(_("This poll is for the club's members."), code="not_club_member")
    now = timezone.now()
    if now >= poll.closes_at:
        raise Conflict(_("This poll has closed."), code="poll_closed")
    if now < poll.opens_at:
        raise Conflict(_("This poll has not opened yet."), code="poll_not_open")
    chosen = set(option_ids)
    valid = set(PollOption.objects.filter(poll=poll).values_list("pk", flat=True))
    if not chosen <= valid:
        raise ValidationFailed(fields={"option_ids": [_("Unknown option.")]})
    if len(chosen) != len(option_ids):
        raise ValidationFailed(fields={"option_ids": [_("Each option only once.")]})
    if not 1 <= len(chosen) <= poll.max_choices:
        raise ValidationFailed(
            fields={
                "option_ids": [_("Choose between 1 and %(n)d options.") % {"n": poll.max_choices}]
            },
            code="choice_count",
        )
    free_text = free_text.strip()
    if free_text and not poll.allow_free_text:
        raise ValidationFailed(fields={"free_text": [_("This poll takes no free text.")]})
    try:
        with transaction.atomic():
            # A date, not a time: a timestamp could be matched to the ballot's insert.
            participation = PollParticipation.objects.create(
                poll=poll, user=user, voted_on=now.date()
            )
    except IntegrityError as exc:
        raise Conflict(_("You have voted in this poll already."), code="already_voted") from exc
    ballot = PollBallot.objects.create(poll=poll, free_text=free_text)
    ballot.options.set(chosen)
    return participation


@dataclass(frozen=True)
class OptionResult:
    option_id: int
    label: str
    votes: int


@dataclass(frozen=True)
class PollResults:
    poll_id: int
    ballots: int
    voters: int
    options: list[OptionResult]
    free_texts: list[str]


def poll_results(*, poll: Poll, now: datetime | None = None) -> PollResults:
    """Totals from the stored ballots. Free texts come sorted, never in the order cast."""
    now = now or timezone.now()
    if not results_visible(poll, now):
        raise Conflict(_("The results are shown when the poll closes."), code="results_hidden")
    return compute_results(poll)


def compute_results(poll: Poll) -> PollResults:
    counts = (
        PollOption.objects.filter(poll=poll).annotate(votes=Count("ballots")).order_by("position")
    )
    free_texts = sorted(
        PollBallot.objects.filter(poll=poll)
        .exclude(free_text="")
        .values_list("free_text", flat=True)
    )
    return PollResults(
        poll_id=poll.pk,
        ballots=PollBallot.objects.filter(poll=poll).count(),
        voters=PollParticipation.objects.filter(poll=poll).count(),
        options=[OptionResult(o.pk, o.label, o.votes) for o in counts],
        free_texts=free_texts if now_closed(poll) else [],
    )


def now_closed(poll: Poll) -> bool:
    return timezone.now() >= poll.closes_at


def polls_close(*, now: datetime | None = None) -> int:
    """Tell the voters of polls that closed that the results are out (once per poll)."""
    now = now or timezone.now()
    due = Poll.objects.filter(
        published_at__isnull=False, closes_at__lte=now, closed_notified_at=None
    ).values_list("pk", flat=True)
    told = 0
    for poll_id in list(due):
        with transaction.atomic():
            if not Poll.objects.filter(pk=poll_id, closed_notified_at=None).update(
                closed_notified_at=now
            ):
                continue
            poll = Poll.objects.select_related("village").get(pk=poll_id)
            notify_many(
                recipients=User.objects.filter(poll_participations__poll=poll),
                category=Category.VILLAGE,
                title=gettext_lazy("Results of the poll: %(question)s"),
                params={"question": poll.question},
                village=poll.village,
                link_type="poll",
                link_id=poll.pk,
            )
            told += 1
    return told
