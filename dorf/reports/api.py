"""The dorf REST API of the Mängelmelder: /api/v1/villages/<slug>/reports/…"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.parsers import TolerantJSONParser, UploadParser
from dorf.core.serializers import InputSerializer
from dorf.reports import selectors, services
from dorf.reports.models import (
    MAX_DESCRIPTION_CHARS,
    MAX_PHOTOS,
    Datatype,
    Forwarding,
    Report,
    ReportStatus,
)
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug, require_staff

# --- serializers -------------------------------------------------------------------------------


class ReportAttributeValueSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=120)


class ReportAttributeSerializer(serializers.Serializer[Any]):
    code = serializers.SlugField(max_length=40)
    description = serializers.CharField(max_length=300)
    datatype = serializers.ChoiceField(choices=Datatype.choices)
    datatype_description = serializers.CharField(max_length=200, required=False, default="")
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]
    variable = serializers.BooleanField(default=True)
    order = serializers.IntegerField(read_only=True)
    values = ReportAttributeValueSerializer(many=True, required=False, default=list)


class ReportAttributeInSerializer(InputSerializer):
    code = serializers.SlugField(max_length=40)
    description = serializers.CharField(max_length=300)
    datatype = serializers.ChoiceField(choices=Datatype.choices)
    datatype_description = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]
    variable = serializers.BooleanField(default=True)
    values = ReportAttributeValueSerializer(many=True, required=False, default=list)


class ReportCategorySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    group = serializers.CharField()
    keywords = serializers.CharField()
    responsible_team = serializers.CharField()
    service_notice = serializers.CharField()
    forwarding = serializers.CharField()
    active = serializers.BooleanField()
    attributes = ReportAttributeSerializer(many=True)


class ReportCategoryCreateSerializer(InputSerializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=120)
    responsible_team = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True
    )
    group = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    keywords = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    service_notice = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True
    )
    forwarding = serializers.ChoiceField(choices=Forwarding.choices, default=Forwarding.DORF)
    forward_email = serializers.EmailField(required=False, allow_blank=True)
    attributes = ReportAttributeInSerializer(many=True, required=False, default=list)


class ReportCategoryUpdateSerializer(ReportCategoryCreateSerializer):
    active = serializers.BooleanField(required=False)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields.pop("code")
        return fields


class ReportPhotoSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    approved = serializers.SerializerMethodField()

    def get_url(self, photo: Any) -> str:
        return str(photo.image.url)

    def get_approved(self, photo: Any) -> bool:
        return photo.approved_at is not None


class ProblemReportSerializer(serializers.Serializer[Any]):
    """What members see. Never the reporter's name: "is_mine" tells the reporter only."""

    id = serializers.IntegerField()
    service_code = serializers.CharField(source="category.code")
    service_name = serializers.CharField(source="category.name")
    description = serializers.CharField()
    lat = serializers.FloatField(source="latitude")
    long = serializers.FloatField(source="longitude")
    address = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.SerializerMethodField()
    open311_status = serializers.CharField()
    status_notes = serializers.CharField()
    public = serializers.BooleanField()
    is_mine = serializers.SerializerMethodField()
    is_supporter = serializers.BooleanField(default=False)
    supporter_count = serializers.IntegerField(default=0)
    can_reopen = serializers.SerializerMethodField()
    duplicate_of_id = serializers.IntegerField(allow_null=True)
    photos = ReportPhotoSerializer(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    fixed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_status_label(self, report: Report) -> str:
        return str(ReportStatus(report.status).label)

    def get_is_mine(self, report: Report) -> bool:
        return report.reporter_id is not None and report.reporter_id == self.context.get("user_id")

    def get_can_reopen(self, report: Report) -> bool:
        user_id = self.context.get("user_id")
        return user_id is not None and services.can_reopen(report, user_id, self.context.get("now"))


class ReportUpdateSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    old_status = serializers.CharField()
    new_status = serializers.CharField()
    note = serializers.CharField()
    public = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class StaffReportSerializer(ProblemReportSerializer):
    """The staff's view: who reported (to contact them), answers, assignment, history."""

    reporter_id = serializers.IntegerField(allow_null=True)
    reporter_name = serializers.SerializerMethodField()
    reporter_email = serializers.CharField()
    attributes = serializers.JSONField()
    assigned_to_id = serializers.IntegerField(allow_null=True)
    reopened_count = serializers.IntegerField()
    responsible_team = serializers.CharField(source="category.responsible_team")

    def get_reporter_name(self, report: Report) -> str:
        if report.reporter is not None:
            return f"{report.reporter.first_name} {report.reporter.last_name}"
        return report.reporter_name


class StaffReportDetailSerializer(StaffReportSerializer):
    updates = ReportUpdateSerializer(many=True)


class ProblemReportDetailSerializer(ProblemReportSerializer):
    updates = serializers.SerializerMethodField()

    def get_updates(self, report: Report) -> list[dict[str, Any]]:
        mine = self.get_is_mine(report)
        return [
            ReportUpdateSerializer(u).data
            for u in report.updates.all()
            if u.public or (mine and u.kind == "reply")
        ]


class ProblemReportCreateSerializer(InputSerializer):
    service_code = serializers.SlugField(max_length=40)
    description = serializers.CharField(max_length=MAX_DESCRIPTION_CHARS)
    lat = serializers.FloatField(required=False, default=None, allow_null=True)
    long = serializers.FloatField(required=False, default=None, allow_null=True)
    address = serializers.CharField(max_length=250, required=False, default="", allow_blank=True)
    public = serializers.BooleanField(default=True)
    # {code: value or [values]}; in a multipart form, a JSON object as text.
    attributes = serializers.JSONField(required=False, default=dict)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=MAX_PHOTOS
    )

    def validate_attributes(self, value: Any) -> dict[str, Any]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError(_("Give a JSON object.")) from None
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Give a JSON object."))
        return value


class ProblemReportFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)
    service_code = serializers.SlugField(required=False)
    mine = serializers.BooleanField(required=False, default=False)


class ReportQueueFilterSerializer(serializers.Serializer[Any]):
    status = serializers.MultipleChoiceField(choices=ReportStatus.choices, required=False)
    service_code = serializers.SlugField(required=False)
    older_than_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    assigned_to_id = serializers.IntegerField(required=False)
    unassigned = serializers.BooleanField(required=False, default=False)


class ReportNearbyFilterSerializer(serializers.Serializer[Any]):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    long = serializers.FloatField(min_value=-180, max_value=180)
    service_code = serializers.SlugField()


class ReportNearbySerializer(ProblemReportSerializer):
    distance_m = serializers.SerializerMethodField()

    def get_distance_m(self, report: Report) -> int:
        distances: dict[int, int] = self.context["distances"]
        return distances[report.pk]


class ReportNoteSerializer(InputSerializer):
    note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)


class ReportStatusChangeSerializer(ReportNoteSerializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices)


class ReportAssignSerializer(InputSerializer):
    assignee_id = serializers.IntegerField(allow_null=True)


class ReportMergeSerializer(ReportNoteSerializer):
    into_id = serializers.IntegerField()


class ReportReplySerializer(InputSerializer):
    text = serializers.CharField(max_length=1000)


class ReportApiKeySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class ReportApiKeyCreatedSerializer(ReportApiKeySerializer):
    key = serializers.CharField()


class ReportApiKeyCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)


# --- helpers -------------------------------------------------------------------------------------


def _staff(request: AuthedRequest, slug: str) -> Membership:
    return require_staff(require_member_by_slug(request.user, slug))


def _context(membership: Membership) -> dict[str, Any]:
    return {"user_id": membership.user_id, "now": timezone.now()}


def _detail(membership: Membership, report_id: int) -> Response:
    report = selectors.report_for_member(membership=membership, report_id=report_id)
    if report is None:
        raise NotFound()
    serializer = (
        StaffReportDetailSerializer if membership.is_staff else ProblemReportDetailSerializer
    )
    return Response(serializer(report, context=_context(membership)).data)


TAGS = ["reports"]

# --- views: residents ----------------------------------------------------------------------------


class CategoryListView(APIView):
    @extend_schema(responses=ReportCategorySerializer(many=True), tags=TAGS)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        """The categories one can report in (staff also see inactive ones)."""
        membership = require_member_by_slug(request.user, slug)
        categories = selectors.category_list(
            village_id=membership.village_id, include_inactive=membership.is_staff
        )
        return Response(ReportCategorySerializer(categories, many=True).data)

    @extend_schema(
        request=ReportCategoryCreateSerializer, responses={201: ReportCategorySerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        """Staff: a new category with its extra questions (Open311 attributes)."""
        membership = _staff(request, slug)
        data = ReportCategoryCreateSerializer.parse(request.data)
        created = services.category_create(actor=membership, **data)
        category = selectors.category_get(
            village_id=membership.village_id, code=created.code, include_inactive=True
        )
        return Response(ReportCategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailView(APIView):
    @extend_schema(
        request=ReportCategoryUpdateSerializer, responses=ReportCategorySerializer, tags=TAGS
    )
    def patch(self, request: AuthedRequest, slug: str, code: str) -> Response:
        membership = _staff(request, slug)
        data = ReportCategoryUpdateSerializer.parse(request.data, partial=True)
        services.category_update(actor=membership, code=code, **data)
        updated = selectors.category_get(
            village_id=membership.village_id, code=code, include_inactive=True
        )
        return Response(ReportCategorySerializer(updated).data)


class ReportListView(APIView):
    pagination_class = IdCursorPagination

    # JSON, or multipart when photos are uploaded with the report. (The tolerant parser:
    # the service refuses a NUL in an attribute with a field error naming the attribute.)
    parser_classes = [TolerantJSONParser, UploadParser]

    @extend_schema(
        parameters=[ProblemReportFilterSerializer],
        responses=ProblemReportSerializer(many=True),
        tags=TAGS,
        description="Public reports of the village and my own private ones, newest first.",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        params = ProblemReportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        reports = selectors.reports_for_member(
            membership=membership,
            status=[f["status"]] if "status" in f else [],
            category_code=f.get("service_code"),
            mine=f["mine"],
        )
        return paginate(
            self, request, reports, ProblemReportSerializer, context=_context(membership)
        )

    @extend_schema(
        request={
            "application/json": ProblemReportCreateSerializer,
            "multipart/form-data": ProblemReportCreateSerializer,
        },
        responses={201: ProblemReportDetailSerializer},
        tags=TAGS,
        description=(
            "File a report. The place: lat/long inside the village, or an address, or the "
            "GPS position of a photo. Up to 5 photos (JPEG/PNG/WebP, re-encoded, EXIF "
            "removed); they become public after staff approve them. Ask …/nearby first."
        ),
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data: Any = request.data
        if hasattr(data, "getlist"):  # multipart: several "photos" parts
            photos = data.getlist("photos")
            if len(photos) > MAX_PHOTOS:
                raise ValidationFailed(
                    fields={"photos": [_("At most %(n)d photos per report.") % {"n": MAX_PHOTOS}]},
                    code="too_many_photos",
                )
            data = {key: data.get(key) for key in data if key != "photos"}
            data["photos"] = photos
        parsed = ProblemReportCreateSerializer.parse(data)
        report = services.report_create(
            village=membership.village,
            reporter=membership,
            category_code=parsed["service_code"],
            description=parsed["description"],
            latitude=parsed["lat"],
            longitude=parsed["long"],
            address=parsed["address"],
            public=parsed["public"],
            answers=parsed["attributes"],
            uploads=[(upload, upload.size) for upload in parsed["photos"]],
        )
        return _created(membership, report.pk)


def _created(membership: Membership, report_id: int) -> Response:
    response = _detail(membership, report_id)
    response.status_code = status.HTTP_201_CREATED
    return response


class ReportNearbyView(APIView):
    @extend_schema(
        parameters=[ReportNearbyFilterSerializer],
        responses=ReportNearbySerializer(many=True),
        tags=TAGS,
        description="Open reports of this category within 50 m from the last 30 days.",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        params = ReportNearbyFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        found = selectors.reports_nearby(
            membership=membership,
            category_code=f["service_code"],
            latitude=f["lat"],
            longitude=f["long"],
        )
        context = _context(membership) | {"distances": {n.report.pk: n.distance_m for n in found}}
        return Response(
            ReportNearbySerializer([n.report for n in found], many=True, context=context).data
        )


class ReportDetailView(APIView):
    @extend_schema(responses=ProblemReportDetailSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        return _detail(require_member_by_slug(request.user, slug), report_id)


class ReportSupportView(APIView):
    @extend_schema(request=None, responses=ProblemReportDetailSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        """ "Me too": follow the report instead of filing the same problem again."""
        membership = require_member_by_slug(request.user, slug)
        services.report_support(membership=membership, report_id=report_id)
        return _detail(membership, report_id)


class ReportReopenView(APIView):
    @extend_schema(request=ReportNoteSerializer, responses=ProblemReportDetailSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        """The reporter: "not fixed" within 14 days after "fixed"."""
        membership = require_member_by_slug(request.user, slug)
        data = ReportNoteSerializer.parse(request.data)
        services.report_reopen(membership=membership, report_id=report_id, note=data["note"])
        return _detail(membership, report_id)


# --- views: staff ------------------------------------------------------------------------------------


class QueueView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        parameters=[ReportQueueFilterSerializer],
        responses=StaffReportSerializer(many=True),
        tags=TAGS,
        description="Staff: the village's reports (open ones unless status is given).",
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = _staff(request, slug)
        params = ReportQueueFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        reports = selectors.staff_queue(
            membership=membership,
            status=sorted(f.get("status") or []),
            category_code=f.get("service_code"),
            older_than_days=f.get("older_than_days"),
            assigned_to_id=f.get("assigned_to_id"),
            unassigned=f["unassigned"],
        )
        return paginate(self, request, reports, StaffReportSerializer, context=_context(membership))


class StatusView(APIView):
    @extend_schema(
        request=ReportStatusChangeSerializer, responses=StaffReportDetailSerializer, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        membership = _staff(request, slug)
        data = ReportStatusChangeSerializer.parse(request.data)
        services.report_status_change(actor=membership, report_id=report_id, **data)
        return _detail(membership, report_id)


class AssignView(APIView):
    @extend_schema(request=ReportAssignSerializer, responses=StaffReportDetailSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        membership = _staff(request, slug)
        data = ReportAssignSerializer.parse(request.data)
        services.report_assign(actor=membership, report_id=report_id, **data)
        return _detail(membership, report_id)


class MergeView(APIView):
    @extend_schema(request=ReportMergeSerializer, responses=StaffReportDetailSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        """Mark this report a duplicate of ``into_id``; its people follow the original."""
        membership = _staff(request, slug)
        data = ReportMergeSerializer.parse(request.data)
        services.report_merge(actor=membership, report_id=report_id, **data)
        return _detail(membership, report_id)


class ReplyView(APIView):
    @extend_schema(
        request=ReportReplySerializer, responses={201: ReportUpdateSerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str, report_id: int) -> Response:
        """A private answer to the reporter (chat room, or e-mail for Open311 reporters)."""
        membership = _staff(request, slug)
        data = ReportReplySerializer.parse(request.data)
        update = services.report_reply(actor=membership, report_id=report_id, text=data["text"])
        return Response(ReportUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class PhotoApproveView(APIView):
    @extend_schema(request=None, responses=ReportPhotoSerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, report_id: int, photo_id: int) -> Response:
        membership = _staff(request, slug)
        photo = services.photo_approve(actor=membership, report_id=report_id, photo_id=photo_id)
        return Response(ReportPhotoSerializer(photo).data)


class ApiKeyListView(APIView):
    @extend_schema(responses=ReportApiKeySerializer(many=True), tags=TAGS)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = _staff(request, slug)
        keys = selectors.api_keys(village_id=membership.village_id)
        return Response(ReportApiKeySerializer(keys, many=True).data)

    @extend_schema(
        request=ReportApiKeyCreateSerializer,
        responses={201: ReportApiKeyCreatedSerializer},
        tags=TAGS,
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        """Staff: an Open311 key for a third-party client; the key is shown only now."""
        membership = _staff(request, slug)
        data = ReportApiKeyCreateSerializer.parse(request.data)
        key, raw = services.api_key_issue(actor=membership, name=data["name"])
        body = {**ReportApiKeySerializer(key).data, "key": raw}
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyRevokeView(APIView):
    @extend_schema(request=None, responses=ReportApiKeySerializer, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, key_id: int) -> Response:
        membership = _staff(request, slug)
        key = services.api_key_revoke(actor=membership, key_id=key_id)
        return Response(ReportApiKeySerializer(key).data)
