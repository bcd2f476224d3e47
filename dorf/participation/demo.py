"""Demo participation for Musterdorf: proposals (one past its threshold with the town
hall's answer, one collecting, with comments), a closed poll with its results, an open
one, and a participatory budget in its voting phase. Everything goes through the
services; the closed poll is then dated back."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from dorf.participation.models import AnswerStatus, Poll, PollKind, PollOption, ProposalCategory
from dorf.participation.services import budget, polls, proposals
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
    _polls(ctx, staff, residents)
    _budget(ctx, staff, residents)


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


def _polls(ctx: DemoContext, staff: Membership, residents: list[Membership]) -> None:
    now = timezone.now()
    festival = polls.poll_create(
        user=staff.user,
        village_id=ctx.village.pk,
        question="Wann soll das Dorffest 2027 sein?",
        options=["Pfingsten", "Erstes Juli-Wochenende", "Ende August"],
        kind=PollKind.SINGLE,
        allow_free_text=True,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(days=1),
    )
    polls.poll_publish(actor=staff.user, poll_id=festival.pk)
    options = list(PollOption.objects.filter(poll=festival).order_by("position"))
    for index, voter in enumerate(residents[:9]):
        polls.poll_vote(
            user=voter.user,
            poll_id=festival.pk,
            option_ids=[options[(index * 7) % 3].pk],
            free_text="Bitte nicht in den Ferien!" if index == 2 else "",
        )
    # Closed a week ago, so the results are out.
    Poll.objects.filter(pk=festival.pk).update(
        opens_at=now - timedelta(days=21), closes_at=now - timedelta(days=7)
    )
    polls.polls_close()
    library = polls.poll_create(
        user=staff.user,
        village_id=ctx.village.pk,
        question="Welche Öffnungszeiten wünschst du dir für die Dorfbücherei?",
        options=["Dienstagabend", "Donnerstagnachmittag", "Samstagvormittag"],
        kind=PollKind.MULTIPLE,
        max_choices=2,
        results_live=True,
        opens_at=now - timedelta(minutes=5),
        closes_at=now + timedelta(days=14),
    )
    polls.poll_publish(actor=staff.user, poll_id=library.pk)


def _budget(ctx: DemoContext, staff: Membership, residents: list[Membership]) -> None:
    made = budget.budget_create(
        actor=staff.user,
        village_id=ctx.village.pk,
        title="Bürgerhaushalt 2027",
        description="25.000 € für Vorhaben, die ihr vorschlagt und auswählt.",
        amount_cents=25_000_00,
    )
    wishes = [
        ("Boulebahn am Dorfplatz", 6_500_00),
        ("Trinkwasserbrunnen am Spielplatz", 9_000_00),
        ("Mitfahrbank an der Hauptstraße", 1_200_00),
        ("Obstbaumwiese am Friedhof", 4_800_00),
        ("Neue Tore für den Bolzplatz", 3_000_00),
        ("Beleuchteter Fußweg zum Bahnhof", 30_000_00),
    ]
    items = [
        budget.budget_item_create(
            user=residents[index % len(residents)].user,
            budget_id=made.pk,
            title=title,
            description=title,
            cost_cents=min(cost, made.amount_cents),
        )
        for index, (title, cost) in enumerate(wishes)
    ]
    for item in items[:-1]:
        budget.budget_item_review(actor=staff.user, item_id=item.pk, feasible=True)
    budget.budget_item_review(
        actor=staff.user,
        item_id=items[-1].pk,
        feasible=False,
        reason="Der Weg liegt auf Landesgrund; die Gemeinde darf dort nicht bauen.",
    )
    budget.budget_phase_advance(actor=staff.user, budget_id=made.pk)
    budget.budget_phase_advance(
        actor=staff.user, budget_id=made.pk, vote_closes_at=timezone.now() + timedelta(days=10)
    )
    for index, voter in enumerate(residents[:8]):
        chosen = [items[i] for i in ((0, 2, 4), (1, 2), (0, 3, 4), (1, 3))[index % 4]]
        budget.budget_vote(user=voter.user, budget_id=made.pk, item_ids=[i.pk for i in chosen])
