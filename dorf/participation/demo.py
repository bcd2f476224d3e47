"""Demo participation for Musterdorf: proposals (one past its threshold with the town
hall's answer, one collecting, with comments). Everything goes through the services."""

from __future__ import annotations

from dorf.participation.models import AnswerStatus, ProposalCategory
from dorf.participation.services import proposals
from dorf.villages.demo_context import DemoContext
from dorf.villages.models import Membership


def seed(ctx: DemoContext) -> None:
    staff = next(m for m in ctx.memberships if m.user in ctx.staff)
    residents = [
        m
        for m in ctx.memberships
        if m.user not in ctx.staff and m.user not in ctx.moderators and m.is_verified
    ]
    _proposals(ctx, staff, residents)


def _proposals(ctx: DemoContext, staff: Membership, residents: list[Membership]) -> None:
    village_id = ctx.village.pk
    # A small village: three supporters oblige an answer.
    proposals.settings_update(
        actor=staff.user,
        village_id=village_id,
        support_threshold_percent=None,
        support_threshold_count=3,
        proposal_support_days=60,
    )
    author, *others = residents
    bench = proposals.proposal_create(
        user=author.user,
        village_id=village_id,
        title="Bank am Weiher",
        text="Am Dorfweiher fehlt eine Sitzbank für ältere Spaziergänger.",
        category=ProposalCategory.SENIORS,
        lat=ctx.village.centre_lat + 0.002,
        lon=ctx.village.centre_lon - 0.001,
    )
    for supporter in others[:4]:
        proposals.proposal_support(user=supporter.user, proposal_id=bench.pk)
    proposals.proposal_answer(
        actor=staff.user,
        proposal_id=bench.pk,
        status=AnswerStatus.ACCEPTED,
        text="Der Bauhof stellt im Frühjahr zwei Bänke auf.",
    )
    crossing = proposals.proposal_create(
        user=others[0].user,
        village_id=village_id,
        title="Zebrastreifen an der Schule",
        text="Morgens ist die Hauptstraße vor der Grundschule kaum zu überqueren.",
        category=ProposalCategory.TRAFFIC,
    )
    proposals.proposal_support(user=author.user, proposal_id=crossing.pk)
    proposals.comment_create(
        user=author.user,
        proposal_id=crossing.pk,
        text="Unbedingt! Mein Sohn geht dort jeden Tag entlang.",
    )
    proposals.comment_create(
        user=others[1].user,
        proposal_id=crossing.pk,
        text="Vielleicht reicht auch ein Schülerlotse?",
    )
