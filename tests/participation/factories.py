from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from dorf.participation.models import (
    BudgetItem,
    ParticipationSettings,
    ParticipatoryBudget,
    Poll,
    PollKind,
    PollOption,
    Proposal,
    ProposalCategory,
    ProposalComment,
)
from dorf.participation.services import budget, polls, proposals
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory


def staff_of(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


def proposal_in(village: Village, *, author: Membership | None = None, **fields: Any) -> Proposal:
    values: dict[str, Any] = {
        "title": "Bank am Weiher",
        "text": "Eine Sitzbank am Weiher wäre schön.",
        "category": ProposalCategory.SENIORS,
    }
    values.update(fields)
    author = author or MembershipFactory(village=village)
    return proposals.proposal_create(user=author.user, village_id=village.pk, **values)


def comment_on(proposal: Proposal, *, author: Membership | None = None) -> ProposalComment:
    author = author or MembershipFactory(village=proposal.village)
    return proposals.comment_create(user=author.user, proposal_id=proposal.pk, text="Gute Idee")


def set_threshold(village: Village, count: int, *, days: int = 90) -> None:
    ParticipationSettings.objects.update_or_create(
        village=village,
        defaults={
            "support_threshold_percent": None,
            "support_threshold_count": count,
            "proposal_support_days": days,
        },
    )


def poll_in(
    village: Village,
    *,
    by: Membership | None = None,
    publish: bool = True,
    **fields: Any,
) -> Poll:
    now = timezone.now()
    values: dict[str, Any] = {
        "question": "Wann soll das Dorffest sein?",
        "options": ["Juni", "Juli", "August"],
        "kind": PollKind.SINGLE,
        "opens_at": now - timedelta(minutes=1),
        "closes_at": now + timedelta(days=7),
    }
    values.update(fields)
    by = by or staff_of(village)
    poll = polls.poll_create(user=by.user, village_id=village.pk, **values)
    if publish:
        poll = polls.poll_publish(actor=by.user, poll_id=poll.pk)
    return poll


def option_ids(poll: Poll) -> list[int]:
    return list(
        PollOption.objects.filter(poll=poll).order_by("position").values_list("pk", flat=True)
    )


def budget_in(
    village: Village,
    *,
    amount_cents: int = 10_000_00,
    items: list[int] | None = None,
    voting: bool = True,
) -> tuple[ParticipatoryBudget, list[BudgetItem]]:
    """A budget with feasible items of the given costs, in its voting phase."""
    staff = staff_of(village)
    made = budget.budget_create(
        actor=staff.user, village_id=village.pk, title="Bürgerhaushalt", amount_cents=amount_cents
    )
    created = [
        budget.budget_item_create(
            user=MembershipFactory(village=village).user,
            budget_id=made.pk,
            title=f"Vorhaben {index}",
            description="Beschreibung",
            cost_cents=cost,
        )
        for index, cost in enumerate(items or [4_000_00, 3_000_00, 5_000_00])
    ]
    for item in created:
        budget.budget_item_review(actor=staff.user, item_id=item.pk, feasible=True)
    if voting:
        budget.budget_phase_advance(actor=staff.user, budget_id=made.pk)
        budget.budget_phase_advance(
            actor=staff.user, budget_id=made.pk, vote_closes_at=timezone.now() + timedelta(days=7)
        )
    made.refresh_from_db()
    return made, created
