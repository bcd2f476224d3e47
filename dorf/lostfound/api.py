"""The Fundbüro API: finds and their claims, lost reports and their matches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.parsers import UploadParser
from dorf.core.serializers import InputSerializer
from dorf.lostfound import law, selectors, services
from dorf.lostfound.models import (
    AfterDeadline,
    Claim,
    FoundItem,
    HandoverTo,
    ItemCategory,
    LostReport,
    Storage,
)
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug

MAX_VALUE = Decimal("1000000")


def _cents(euros: Decimal) -> int:
    return int((euros * 100).to_integral_value())


# --- serializers ----------------------------------------------------------------------------


class FoundItemPhotoSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(
        help_text="Served by /media/ to the village's members only."
    )
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, photo: Any) -> str:
        return str(photo.image.url)


class FoundItemSerializer(serializers.Serializer[Any]):
    """What every member of the village sees of a find: its photos, never the secret
    features, and the finder only when they chose to be named."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    found_on = serializers.SerializerMethodField()
    found_place = serializers.CharField()
    state = serializers.CharField()
    storage = serializers.CharField()
    finder_name = serializers.SerializerMethodField()
    photos = FoundItemPhotoSerializer(many=True)

    def get_found_on(self, item: FoundItem) -> str:
        return item.found_at.date().isoformat()

    def get_finder_name(self, item: FoundItem) -> str | None:
        if item.finder_anonymous or item.finder is None:
            return None
        return item.finder.display_name


class FoundItemDetailSerializer(FoundItemSerializer):
    """The town hall and the finder also see the secret features, value, shelf and dates
    the law attaches to the case."""

    secret_features = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField(method_name="value_in_euros")
    shelf = serializers.SerializerMethodField()
    deadline_at = serializers.DateTimeField()
    after_deadline = serializers.CharField()
    finders_reward = serializers.SerializerMethodField()

    def _privileged(self, item: FoundItem) -> bool:
        membership: Membership = self.context["membership"]
        return selectors.may_see_secrets(membership, item)

    def get_secret_features(self, item: FoundItem) -> str | None:
        return item.secret_features if self._privileged(item) else None

    def value_in_euros(self, item: FoundItem) -> str | None:
        return f"{Decimal(item.value_cents) / 100:.2f}" if self._privileged(item) else None

    def get_shelf(self, item: FoundItem) -> str | None:
        return item.shelf if self._privileged(item) else None

    def get_finders_reward(self, item: FoundItem) -> str | None:
        if not self._privileged(item):
            return None
        cents = law.finders_reward_cents(
            item.value_cents, animal=item.category == ItemCategory.ANIMAL
        )
        return f"{Decimal(cents) / 100:.2f}"


class FoundItemReportSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=ItemCategory.choices)
    description = serializers.CharField(max_length=500)
    secret_features = serializers.CharField(max_length=2000)
    found_at = serializers.DateTimeField()
    found_place = serializers.CharField(max_length=200)
    value = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=Decimal(0), max_value=MAX_VALUE
    )
    storage = serializers.ChoiceField(choices=Storage.choices, default=Storage.FINDER)
    after_deadline = serializers.ChoiceField(
        choices=AfterDeadline.choices, default=AfterDeadline.FINDER
    )
    finder_anonymous = serializers.BooleanField(default=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)


class FoundItemUpdateSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=ItemCategory.choices, required=False)
    description = serializers.CharField(max_length=500, required=False)
    secret_features = serializers.CharField(max_length=2000, required=False)
    found_place = serializers.CharField(max_length=200, required=False)


class FoundItemPhotoUploadSerializer(InputSerializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP, at most 10 MB.")


class StoreSerializer(InputSerializer):
    shelf = serializers.CharField(max_length=50, allow_blank=True, default="")


class ClaimCreateSerializer(InputSerializer):
    features = serializers.CharField(max_length=2000)


class ClaimSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    found_item_id = serializers.IntegerField()
    claimant_name = serializers.SerializerMethodField()
    features = serializers.CharField()
    state = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_claimant_name(self, claim: Claim) -> str | None:
        return claim.claimant.display_name if claim.claimant else None


class ClaimDecisionSerializer(InputSerializer):
    grant = serializers.BooleanField()
    note = serializers.CharField(max_length=500, allow_blank=True, default="")


class HandoverInputSerializer(InputSerializer):
    to = serializers.ChoiceField(choices=HandoverTo.choices)
    identity_checked = serializers.BooleanField(default=False)
    fee = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )
    note = serializers.CharField(max_length=500, allow_blank=True, default="")


class HandoverSerializer(serializers.Serializer[Any]):
    found_item_id = serializers.IntegerField()
    to = serializers.CharField()
    identity_checked = serializers.BooleanField()
    finders_reward = serializers.SerializerMethodField()
    fee = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_finders_reward(self, handover: Any) -> str:
        return f"{Decimal(handover.reward_cents) / 100:.2f}"

    def get_fee(self, handover: Any) -> str:
        return f"{Decimal(handover.fee_cents) / 100:.2f}"


class LostReportInputSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=ItemCategory.choices)
    description = serializers.CharField(max_length=500)
    lost_from = serializers.DateField(required=False)
    lost_until = serializers.DateField(required=False)
    lost_place = serializers.CharField(max_length=200, allow_blank=True, default="")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)


class LostReportSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    category = serializers.CharField()
    description = serializers.CharField()
    lost_from = serializers.DateField()
    lost_until = serializers.DateField()
    lost_place = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


# --- views ----------------------------------------------------------------------------------


def _item_or_404(membership: Membership, found_item_id: int) -> FoundItem:
    item = selectors.found_item_get(membership=membership, found_item_id=found_item_id)
    if item is None:
        raise NotFound()
    return item


class FoundItemListView(generics.ListAPIView[FoundItem]):
    """The open finds of the village (closed cases with ``?state=all``)."""

    serializer_class = FoundItemSerializer
    queryset = FoundItem.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, enum=ItemCategory.values),
            OpenApiParameter("state", str, enum=["open", "all"]),
        ],
        tags=["lostfound"],
    )
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[FoundItem]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        params = self.request.query_params
        return selectors.found_item_list(
            membership=membership,
            category=params.get("category") or None,
            open_only=params.get("state", "open") != "all",
        )

    @extend_schema(
        request=FoundItemReportSerializer,
        responses={201: FoundItemDetailSerializer},
        tags=["lostfound"],
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = FoundItemReportSerializer.parse(request.data)
        value = data.pop("value")
        item = services.found_item_report(membership=membership, value_cents=_cents(value), **data)
        item = _item_or_404(membership, item.pk)
        body = FoundItemDetailSerializer(item, context={"membership": membership}).data
        return Response(body, status=status.HTTP_201_CREATED)


class FoundItemDetailView(APIView):
    @extend_schema(responses=FoundItemDetailSerializer, tags=["lostfound"])
    def get(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        item = _item_or_404(membership, found_item_id)
        return Response(FoundItemDetailSerializer(item, context={"membership": membership}).data)

    @extend_schema(
        request=FoundItemUpdateSerializer,
        responses=FoundItemDetailSerializer,
        tags=["lostfound"],
        description=(
            "Staff or the finder correct an open find. Changing the category to "
            "`id_document` deletes the find's photos: no photos of ID documents are kept."
        ),
    )
    def patch(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _item_or_404(membership, found_item_id)
        data = FoundItemUpdateSerializer.parse(request.data)
        services.found_item_update(actor=request.user, found_item_id=found_item_id, **data)
        item = _item_or_404(membership, found_item_id)
        return Response(FoundItemDetailSerializer(item, context={"membership": membership}).data)


class FoundItemPhotoListView(APIView):
    parser_classes = [UploadParser]

    @extend_schema(
        request={"multipart/form-data": FoundItemPhotoUploadSerializer},
        responses={201: FoundItemPhotoSerializer},
        tags=["lostfound"],
        description=(
            "Staff or the finder add a photo to an open find: at most 5, each at most "
            "10 MB (JPEG, PNG or WebP; re-encoded, EXIF removed). A find of an ID document "
            "takes no photos (409 `id_document_photo`). Members of the village see the "
            "photos; the files are served only through /media/ to them."
        ),
    )
    def post(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _item_or_404(membership, found_item_id)
        upload = FoundItemPhotoUploadSerializer.parse(request.data)["image"]
        photo = services.found_item_photo_add(
            actor=request.user, found_item_id=found_item_id, upload=upload, size=upload.size
        )
        return Response(FoundItemPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class FoundItemPhotoDetailView(APIView):
    @extend_schema(responses={204: None}, tags=["lostfound"])
    def delete(
        self, request: AuthedRequest, slug: str, found_item_id: int, photo_id: int
    ) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _item_or_404(membership, found_item_id)
        services.found_item_photo_delete(
            actor=request.user, found_item_id=found_item_id, photo_id=photo_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class FoundItemStoreView(APIView):
    @extend_schema(request=StoreSerializer, responses=FoundItemDetailSerializer, tags=["lostfound"])
    def post(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _item_or_404(membership, found_item_id)
        data = StoreSerializer.parse(request.data)
        services.found_item_store(actor=request.user, found_item_id=found_item_id, **data)
        item = _item_or_404(membership, found_item_id)
        return Response(FoundItemDetailSerializer(item, context={"membership": membership}).data)


class ClaimListView(APIView):
    @extend_schema(responses=ClaimSerializer(many=True), tags=["lostfound"])
    def get(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        item = _item_or_404(membership, found_item_id)
        claims = selectors.claim_list(membership=membership, found_item=item)
        return Response(ClaimSerializer(claims, many=True).data)

    @extend_schema(
        request=ClaimCreateSerializer, responses={201: ClaimSerializer}, tags=["lostfound"]
    )
    def post(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _item_or_404(membership, found_item_id)
        data = ClaimCreateSerializer.parse(request.data)
        claim = services.claim_create(user=request.user, found_item_id=found_item_id, **data)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class ClaimDecisionView(APIView):
    @extend_schema(request=ClaimDecisionSerializer, responses=ClaimSerializer, tags=["lostfound"])
    def post(self, request: AuthedRequest, slug: str, claim_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        data = ClaimDecisionSerializer.parse(request.data)
        claim = services.claim_decide(actor=request.user, claim_id=claim_id, **data)
        return Response(ClaimSerializer(claim).data)


class ClaimWithdrawView(APIView):
    @extend_schema(request=None, responses=ClaimSerializer, tags=["lostfound"])
    def post(self, request: AuthedRequest, slug: str, claim_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        claim = services.claim_withdraw(user=request.user, claim_id=claim_id)
        return Response(ClaimSerializer(claim).data)


class HandoverView(APIView):
    @extend_schema(
        request=HandoverInputSerializer, responses={201: HandoverSerializer}, tags=["lostfound"]
    )
    def post(self, request: AuthedRequest, slug: str, found_item_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _item_or_404(membership, found_item_id)
        data = HandoverInputSerializer.parse(request.data)
        fee = data.pop("fee")
        handover = services.found_item_hand_over(
            actor=request.user, found_item_id=found_item_id, fee_cents=_cents(fee), **data
        )
        return Response(HandoverSerializer(handover).data, status=status.HTTP_201_CREATED)


class LostReportListView(generics.ListAPIView[LostReport]):
    """My lost reports in this village."""

    serializer_class = LostReportSerializer
    queryset = LostReport.objects.none()

    def get_queryset(self) -> QuerySet[LostReport]:
        membership = require_member_by_slug(self.request.user, self.kwargs["slug"])
        return selectors.lost_report_list(user=membership.user, membership=membership)

    @extend_schema(
        request=LostReportInputSerializer, responses={201: LostReportSerializer}, tags=["lostfound"]
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = LostReportInputSerializer.parse(request.data)
        report = services.lost_report_create(membership=membership, **data)
        return Response(LostReportSerializer(report).data, status=status.HTTP_201_CREATED)


class LostReportCloseView(APIView):
    @extend_schema(request=None, responses=LostReportSerializer, tags=["lostfound"])
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        report = services.lost_report_close(user=request.user, report_id=report_id)
        return Response(LostReportSerializer(report).data)


class LostReportMatchesView(APIView):
    @extend_schema(responses=FoundItemSerializer(many=True), tags=["lostfound"])
    def get(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        if not selectors.lost_report_list(user=request.user, membership=membership).filter(
            pk=report_id
        ):
            raise NotFound()
        items = selectors.matches_for(user=request.user, membership=membership, report_id=report_id)
        return Response(FoundItemSerializer(items, many=True).data)
