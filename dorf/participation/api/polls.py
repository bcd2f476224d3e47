"""Polls over the API: list, create and publish (staff or a club's board), vote, results."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.schema import error_responses
from dorf.core.serializers import InputSerializer
from dorf.participation import selectors
from dorf.participation.models import Poll, PollKind
from dorf.participation.services import polls as services
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug

TAGS = ["participation"]


class PollOptionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]


class PollSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    club_id = serializers.IntegerField(allow_null=True)
    question = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=PollKind.choices)
    max_choices = serializers.IntegerField()
    allow_free_text = serializers.BooleanField()
    results_live = serializers.BooleanField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    published = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()
    results_visible = serializers.SerializerMethodField()
    voted_by_me = serializers.BooleanField()
    options = PollOptionSerializer(many=True)

    def get_published(self, poll: Poll) -> bool:
        return poll.published_at is not None

    def get_is_open(self, poll: Poll) -> bool:
        return services.is_open(poll, timezone.now())

    def get_results_visible(self, poll: Poll) -> bool:
        return services.results_visible(poll, timezone.now())


class PollInputSerializer(InputSerializer):
    question = serializers.CharField(max_length=300)
    description = serializers.CharField(max_length=3000, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=PollKind.choices)
    options = serializers.ListField(
        child=serializers.CharField(max_length=200), min_length=2, max_length=20
    )
    max_choices = serializers.IntegerField(min_value=1, max_value=20, required=False)
    allow_free_text = serializers.BooleanField(default=False)
    results_live = serializers.BooleanField(default=False)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    club_id = serializers.IntegerField(required=False, allow_null=True, default=None)


class VoteInputSerializer(InputSerializer):
    option_ids = serializers.ListField(child=serializers.IntegerField(), max_length=20)
    free_text = serializers.CharField(max_length=500, allow_blank=True, default="")


class VoteSerializer(serializers.Serializer[Any]):
    poll_id = serializers.IntegerField()
    voted_on = serializers.DateField()


class OptionResultSerializer(serializers.Serializer[Any]):
    option_id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    votes = serializers.IntegerField()


class PollResultsSerializer(serializers.Serializer[Any]):
    poll_id = serializers.IntegerField()
    ballots = serializers.IntegerField()
    voters = serializers.IntegerField()
    options = OptionResultSerializer(many=True)
    free_texts = serializers.ListField(child=serializers.CharField())


def _poll_or_404(membership: Membership, poll_id: int) -> Poll:
    poll = selectors.poll_get(membership=membership, poll_id=poll_id)
    if poll is None:
        raise NotFound()
    return poll


class PollListView(generics.ListAPIView[Poll]):
    """The village's polls, newest first (drafts only for those who may publish them)."""

    serializer_class = PollSerializer
    queryset = Poll.objects.none()

    @extend_schema(tags=TAGS)
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Poll]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return selectors.poll_list(membership=membership)

    @extend_schema(request=PollInputSerializer, responses={201: PollSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = PollInputSerializer.parse(request.data)
        poll = services.poll_create(user=request.user, village_id=membership.village_id, **data)
        body = PollSerializer(_poll_or_404(membership, poll.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class PollDetailView(APIView):
    @extend_schema(responses=PollSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, poll_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return Response(PollSerializer(_poll_or_404(membership, poll_id)).data)


class PollPublishView(APIView):
    @extend_schema(request=None, responses=PollSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, poll_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _poll_or_404(membership, poll_id)
        services.poll_publish(actor=request.user, poll_id=poll_id)
        return Response(PollSerializer(_poll_or_404(membership, poll_id)).data)


class PollVoteView(APIView):
    @extend_schema(request=VoteInputSerializer, responses={201: VoteSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, poll_id: int) -> Response:
        """Vote once: 409 ``already_voted`` for a second vote, 409 ``poll_closed`` after
        the close. Nobody can later see what you voted."""
        membership = require_member_by_slug(request.user, slug)
        _poll_or_404(membership, poll_id)
        data = VoteInputSerializer.parse(request.data)
        participation = services.poll_vote(user=request.user, poll_id=poll_id, **data)
        return Response(VoteSerializer(participation).data, status=status.HTTP_201_CREATED)


class PollResultsView(APIView):
    @extend_schema(responses={200: PollResultsSerializer, **error_responses(409)}, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, poll_id: int) -> Response:
        """Totals after the close (during it only for a live poll; 409 otherwise)."""
        membership = require_member_by_slug(request.user, slug)
        poll = _poll_or_404(membership, poll_id)
        return Response(PollResultsSerializer(services.poll_results(poll=poll)).data)
