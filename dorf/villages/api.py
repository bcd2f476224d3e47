from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.pagination import OldestFirstCursorPagination
from dorf.core.serializers import InputSerializer
from dorf.users import selectors as user_selectors
from dorf.users.api import UserPublicSerializer
from dorf.users.requests import AuthedRequest
from dorf.villages import selectors, services
from dorf.villages.models import Membership, MembershipState, Village
from dorf.villages.scoping import get_scoped_or_404, require_member_by_slug, require_moderator


class MembershipBriefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    role = serializers.CharField()
    state = serializers.CharField()


class VillageSerializer(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    name = serializers.CharField()
    centre_lat = serializers.FloatField()
    centre_lon = serializers.FloatField()
    radius_m = serializers.IntegerField()
    timezone = serializers.CharField()
    bundesland = serializers.CharField()
    member_count = serializers.IntegerField()
    my_membership = serializers.SerializerMethodField()

    def get_my_membership(self, village: Village) -> dict[str, Any] | None:
        own = getattr(village, "viewer_memberships", [])
        return MembershipBriefSerializer(own[0]).data if own else None


class MemberSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    user = UserPublicSerializer()
    role = serializers.CharField()
    state = serializers.CharField()
    request_message = serializers.SerializerMethodField()
    verified_at = serializers.DateTimeField(allow_null=True)

    def get_request_message(self, membership: Membership) -> str:
        # Only moderators read what an applicant wrote to them.
        viewer: Membership | None = self.context.get("viewer")
        return membership.request_message if viewer and viewer.is_moderator else ""


class JoinSerializer(InputSerializer):
    invite_code = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    message = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class BanSerializer(InputSerializer):
    reason = serializers.CharField(max_length=500)


class HouseholdSerializer(InputSerializer):
    id = serializers.IntegerField(read_only=True)
    street = serializers.CharField(max_length=120)
    house_number = serializers.CharField(max_length=12)
    postcode = serializers.CharField(max_length=10, required=False, default="", allow_blank=True)
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)


class AddressEntrySerializer(serializers.Serializer[Any]):
    street = serializers.CharField()
    house_number = serializers.CharField()
    postcode = serializers.CharField()


class InviteCodeSerializer(serializers.Serializer[Any]):
    invite_code = serializers.CharField()


def _village_or_404(request: AuthedRequest, slug: str) -> Village:
    return get_scoped_or_404(selectors.village_list(user=request.user), slug=slug)


@extend_schema(tags=["villages"])
class VillageListView(generics.ListAPIView[Village]):
    """All villages' public profiles, with my own membership where I have one."""

    serializer_class = VillageSerializer
    queryset = Village.objects.none()  # for the schema; requests use get_queryset
    pagination_class = OldestFirstCursorPagination

    def get_queryset(self) -> QuerySet[Village]:
        return selectors.village_list(user=self.request.user)  # type: ignore[arg-type]


class VillageDetailView(APIView):
    @extend_schema(responses=VillageSerializer, tags=["villages"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        return Response(VillageSerializer(_village_or_404(request, slug)).data)


class JoinView(APIView):
    @extend_schema(
        request=JoinSerializer,
        responses={201: MembershipBriefSerializer},
        tags=["villages"],
        description="Join with the invite code (verified at once) or ask a moderator.",
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        village = _village_or_404(request, slug)
        data = JoinSerializer.parse(request.data)
        membership = services.village_join(
            user=request.user,
            village=village,
            invite_code=data["invite_code"],
            message=data["message"],
        )
        return Response(MembershipBriefSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(
    parameters=[
        OpenApiParameter("state", enum=MembershipState.values, description="Moderators only.")
    ],
    tags=["villages"],
)
class MemberListView(generics.ListAPIView[Membership]):
    serializer_class = MemberSerializer
    queryset = Membership.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[Membership]:
        self.viewer = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return selectors.member_list(
            viewer=self.viewer, state=self.request.query_params.get("state")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": getattr(self, "viewer", None)}


class MemberVerifyView(APIView):
    @extend_schema(request=None, responses=MemberSerializer, tags=["moderation"])
    def post(self, request: AuthedRequest, slug: str, membership_id: int) -> Response:
        actor = require_member_by_slug(request.user, slug)
        target = _member_in_village(actor, membership_id)
        membership = services.membership_verify(actor=actor, membership_id=target.pk)
        return Response(MemberSerializer(membership, context={"viewer": actor}).data)


class MemberBanView(APIView):
    @extend_schema(request=BanSerializer, responses=MemberSerializer, tags=["moderation"])
    def post(self, request: AuthedRequest, slug: str, membership_id: int) -> Response:
        actor = require_member_by_slug(request.user, slug)
        target = _member_in_village(actor, membership_id)
        data = BanSerializer.parse(request.data)
        membership = services.membership_ban(
            actor=actor, membership_id=target.pk, reason=data["reason"]
        )
        return Response(MemberSerializer(membership, context={"viewer": actor}).data)


def _member_in_village(actor: Membership, membership_id: int) -> Membership:
    return get_scoped_or_404(
        Membership.objects.filter(village_id=actor.village_id), pk=membership_id
    )


class InviteCodeView(APIView):
    @extend_schema(responses=InviteCodeSerializer, tags=["moderation"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        actor = require_moderator(require_member_by_slug(request.user, slug))
        return Response({"invite_code": actor.village.invite_code})

    @extend_schema(
        request=None,
        responses=InviteCodeSerializer,
        tags=["moderation"],
        description="Replace the invite code; the old one stops working.",
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        actor = require_member_by_slug(request.user, slug)
        village = services.village_rotate_invite_code(actor=actor)
        return Response({"invite_code": village.invite_code})


class HouseholdView(APIView):
    @extend_schema(responses=HouseholdSerializer, tags=["villages"])
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        if membership.household is None:
            raise NotFound()
        return Response(HouseholdSerializer(membership.household).data)

    @extend_schema(
        request=HouseholdSerializer,
        responses=HouseholdSerializer,
        tags=["villages"],
        description="Set my address; it is looked up in the village's address register.",
    )
    def put(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = HouseholdSerializer.parse(request.data)
        household = services.household_set_address(membership=membership, **data)
        return Response(HouseholdSerializer(household).data)


class AddressSearchView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=AddressEntrySerializer(many=True),
        tags=["villages"],
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        query = request.query_params.get("q", "")
        if len(query.strip()) < 2:
            return Response([])
        entries = selectors.address_search(village=membership.village, query=query)[:20]
        return Response(AddressEntrySerializer(entries, many=True).data)


class BlockCreateSerializer(InputSerializer):
    user_id = serializers.IntegerField(min_value=1)


class BlockSerializer(serializers.Serializer[Any]):
    user = UserPublicSerializer(source="blocked")
    created_at = serializers.DateTimeField()


class BlockListView(APIView):
    @extend_schema(responses=BlockSerializer(many=True), tags=["me"])
    def get(self, request: AuthedRequest) -> Response:
        blocks = user_selectors.block_list(user=request.user)
        return Response(BlockSerializer(blocks, many=True).data)

    @extend_schema(request=BlockCreateSerializer, responses={201: BlockSerializer}, tags=["me"])
    def post(self, request: AuthedRequest) -> Response:
        data = BlockCreateSerializer.parse(request.data)
        block = services.block_create(blocker=request.user, blocked_id=data["user_id"])
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED)


class BlockDetailView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["me"])
    def delete(self, request: AuthedRequest, user_id: int) -> Response:
        services.block_delete(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
