"""The participatory budget over the API: budgets and phases (staff), items (residents
propose, staff review), the knapsack ballot, the result, and the staff's queue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import Conflict, NotFound
from dorf.core.schema import error_responses
from dorf.core.serializers import InputSerializer
from dorf.participation import selectors
from dorf.participation.api.polls import PollSerializer
from dorf.participation.api.proposals import ProposalSerializer
from dorf.participation.models import (
    BudgetItem,
    BudgetPhase,
    Feasibility,
    ParticipatoryBudget,
)
from dorf.participation.services import budget as services
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug, require_staff

TAGS = ["participation"]
MAX_EUROS = Decimal("100000000")


def _cents(euros: Decimal) -> int:
    return int((euros * 100).to_integral_value())


def _euros(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


class BudgetSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.SerializerMethodField()
    phase = serializers.ChoiceField(choices=BudgetPhase.choices)
    vote_closes_at = serializers.DateTimeField(allow_null=True)
    results_at = serializers.DateTimeField(allow_null=True)

    def get_amount(self, budget: ParticipatoryBudget) -> str:
        return _euros(budget.amount_cents)


class BudgetInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=5000, allow_blank=True, default="")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_EUROS
    )


class AdvanceInputSerializer(InputSerializer):
    vote_closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class BudgetItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    cost = serializers.SerializerMethodField()
    proposer_name = serializers.SerializerMethodField()
    feasibility = serializers.ChoiceField(choices=Feasibility.choices)
    feasibility_reason = serializers.CharField()
    approvals = serializers.IntegerField(allow_null=True)
    selected = serializers.BooleanField(allow_null=True)

    def get_cost(self, item: BudgetItem) -> str:
        return _euros(item.cost_cents)

    def get_proposer_name(self, item: BudgetItem) -> str | None:
        return item.proposer.display_name if item.proposer else None


class BudgetItemInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=5000)
    cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_EUROS
    )


class ReviewInputSerializer(InputSerializer):
    feasible = serializers.BooleanField()
    reason = serializers.CharField(max_length=1000, allow_blank=True, default="")


class BallotInputSerializer(InputSerializer):
    item_ids = serializers.ListField(child=serializers.IntegerField(), max_length=500)


class BallotSerializer(serializers.Serializer[Any]):
    budget_id = serializers.IntegerField()
    item_ids = serializers.ListField(child=serializers.IntegerField())
    total = serializers.CharField()


class ResultEntrySerializer(serializers.Serializer[Any]):
    item_id = serializers.IntegerField()
    cost = serializers.CharField()
    approvals = serializers.IntegerField()
    selected = serializers.BooleanField()


class ResultSerializer(serializers.Serializer[Any]):
    budget_id = serializers.IntegerField()
    amount = serializers.CharField()
    spent = serializers.CharField()
    ballots = serializers.IntegerField()
    ranking = ResultEntrySerializer(many=True)


class QueueSerializer(serializers.Serializer[Any]):
    proposals_awaiting_answer = ProposalSerializer(many=True)
    polls_to_publish = PollSerializer(many=True)
    budget_items_to_review = BudgetItemSerializer(many=True)


def _budget_or_404(membership: Membership, budget_id: int) -> ParticipatoryBudget:
    budget = selectors.budget_get(membership=membership, budget_id=budget_id)
    if budget is None:
        raise NotFound()
    return budget


class BudgetListView(generics.ListAPIView[ParticipatoryBudget]):
    serializer_class = BudgetSerializer
    queryset = ParticipatoryBudget.objects.none()

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ParticipatoryBudget]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return selectors.budget_list(membership=membership)

    @extend_schema(request=BudgetInputSerializer, responses={201: BudgetSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = BudgetInputSerializer.parse(request.data)
        budget = services.budget_create(
            actor=request.user,
            village_id=membership.village_id,
            title=data["title"],
            description=data["description"],
            amount_cents=_cents(data["amount"]),
        )
        return Response(BudgetSerializer(budget).data, status=status.HTTP_201_CREATED)


class BudgetDetailView(APIView):
    @extend_schema(responses=BudgetSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, budget_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return Response(BudgetSerializer(_budget_or_404(membership, budget_id)).data)


class BudgetAdvanceView(APIView):
    @extend_schema(request=AdvanceInputSerializer, responses=BudgetSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, budget_id: int) -> Response:
        """Staff: on to the next phase (collect -> review -> vote -> results)."""
        membership = require_member_by_slug(request.user, slug)
        _budget_or_404(membership, budget_id)
        data = AdvanceInputSerializer.parse(request.data)
        budget = services.budget_phase_advance(actor=request.user, budget_id=budget_id, **data)
        return Response(BudgetSerializer(budget).data)


class BudgetItemListView(generics.ListAPIView[BudgetItem]):
    serializer_class = BudgetItemSerializer
    queryset = BudgetItem.objects.none()

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[BudgetItem]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        budget = _budget_or_404(membership, self.kwargs["budget_id"])
        return selectors.budget_item_list(membership=membership, budget=budget)

    @extend_schema(
        request=BudgetItemInputSerializer, responses={201: BudgetItemSerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str, budget_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _budget_or_404(membership, budget_id)
        data = BudgetItemInputSerializer.parse(request.data)
        item = services.budget_item_create(
            user=request.user,
            budget_id=budget_id,
            title=data["title"],
            description=data["description"],
            cost_cents=_cents(data["cost"]),
        )
        return Response(BudgetItemSerializer(item).data, status=status.HTTP_201_CREATED)


class BudgetItemReviewView(APIView):
    @extend_schema(request=ReviewInputSerializer, responses=BudgetItemSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, item_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        data = ReviewInputSerializer.parse(request.data)
        item = services.budget_item_review(actor=request.user, item_id=item_id, **data)
        return Response(BudgetItemSerializer(item).data)


class BallotView(APIView):
    def _body(self, membership: Membership, budget: ParticipatoryBudget) -> dict[str, Any]:
        ids = selectors.my_ballot_item_ids(membership=membership, budget=budget)
        total = sum(BudgetItem.objects.filter(pk__in=ids).values_list("cost_cents", flat=True))
        return {"budget_id": budget.pk, "item_ids": ids, "total": _euros(total)}

    @extend_schema(responses=BallotSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, budget_id: int) -> Response:
        """Your approvals (empty when you have not voted)."""
        membership = require_member_by_slug(request.user, slug)
        budget = _budget_or_404(membership, budget_id)
        return Response(BallotSerializer(self._body(membership, budget)).data)

    @extend_schema(request=BallotInputSerializer, responses=BallotSerializer, tags=TAGS)
    def put(self, request: AuthedRequest, slug: str, budget_id: int) -> Response:
        """Approve items up to the budget; replaces your ballot until the vote closes."""
        membership = require_member_by_slug(request.user, slug)
        budget = _budget_or_404(membership, budget_id)
        data = BallotInputSerializer.parse(request.data)
        services.budget_vote(user=request.user, budget_id=budget_id, **data)
        return Response(BallotSerializer(self._body(membership, budget)).data)


class BudgetResultView(APIView):
    @extend_schema(responses={200: ResultSerializer, **error_responses(409)}, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, budget_id: int) -> Response:
        """The result by the documented rule, recomputed from the stored ballots."""
        membership = require_member_by_slug(request.user, slug)
        budget = _budget_or_404(membership, budget_id)
        if budget.phase != BudgetPhase.RESULTS:
            raise Conflict(_("The result is shown when the vote closes."), code="results_hidden")
        ranking = services.budget_result_compute(budget)
        return Response(
            ResultSerializer(
                {
                    "budget_id": budget.pk,
                    "amount": _euros(budget.amount_cents),
                    "spent": _euros(sum(r.cost_cents for r in ranking if r.selected)),
                    "ballots": budget.ballots.count(),
                    "ranking": [
                        {
                            "item_id": r.item_id,
                            "cost": _euros(r.cost_cents),
                            "approvals": r.approvals,
                            "selected": r.selected,
                        }
                        for r in ranking
                    ],
                }
            ).data
        )


class QueueView(APIView):
    @extend_schema(responses=QueueSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        """The staff's queues: proposals past the threshold, polls to publish, budget
        items to review (at most 50 each, oldest first)."""
        membership = require_staff(require_member_by_slug(request.user, slug))
        return Response(
            QueueSerializer(
                {
                    "proposals_awaiting_answer": selectors.proposals_awaiting_answer(
                        membership=membership
                    )[:50],
                    "polls_to_publish": selectors.polls_to_publish(membership=membership)[:50],
                    "budget_items_to_review": selectors.budget_items_to_review(
                        membership=membership
                    ).order_by("pk")[:50],
                }
            ).data
        )
