"""The job offers API (members of the village) and the public page of each offer with its
schema.org JSON-LD (everyone, search engines included)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.geo import geodesic_m
from dorf.core.pagination import IdCursorPagination, OffsetCursorPagination, paginate
from dorf.core.serializers import EmailAddressField, InputSerializer
from dorf.jobs import jsonld, selectors, services
from dorf.jobs.models import (
    EmploymentType,
    JobApplication,
    JobOffer,
    PublisherKind,
    SalaryUnit,
)
from dorf.users.requests import AuthedRequest
from dorf.villages.models import Membership
from dorf.villages.scoping import require_member_by_slug
from dorf.villages.selectors import distance_origin

TAGS = ["jobs"]
MAX_SALARY = Decimal("10000000")


def _cents(euros: Decimal | None) -> int | None:
    return None if euros is None else int((euros * 100).to_integral_value())


def _euros(cents: int | None) -> str | None:
    return None if cents is None else f"{Decimal(cents) / 100:.2f}"


# --- serializers ----------------------------------------------------------------------------


class JobPublisherSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=PublisherKind.choices)
    website = serializers.CharField()


class JobPublisherCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=PublisherKind.choices)
    website = serializers.URLField(max_length=200, allow_blank=True, default="")


class JobPublisherMemberSerializer(InputSerializer):
    user_id = serializers.IntegerField(min_value=1)


class JobPublisherMemberOutSerializer(serializers.Serializer[Any]):
    publisher_id = serializers.IntegerField()
    user_id = serializers.IntegerField()


class JobOfferSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    publisher = JobPublisherSerializer()
    title = serializers.CharField()
    employer = serializers.CharField()
    description = serializers.CharField()
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    street_address = serializers.CharField()
    postal_code = serializers.CharField()
    locality = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    hours_per_week = serializers.IntegerField(allow_null=True)
    salary_min = serializers.SerializerMethodField()
    salary_max = serializers.SerializerMethodField()
    salary_unit = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)
    valid_through = serializers.DateField()
    apply_via_chat = serializers.BooleanField()
    apply_url = serializers.CharField()
    apply_email = serializers.CharField()
    state = serializers.CharField()
    published_at = serializers.DateTimeField()
    public_url = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_salary_min(self, job: JobOffer) -> str | None:
        return _euros(job.salary_min_cents)

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_salary_max(self, job: JobOffer) -> str | None:
        return _euros(job.salary_max_cents)

    @extend_schema_field(OpenApiTypes.URI)
    def get_public_url(self, job: JobOffer) -> str:
        return public_path(job)

    def get_distance_m(self, job: JobOffer) -> int | None:
        return geodesic_m(self.context.get("origin"), job.latitude, job.longitude)


class JobOfferWriteSerializer(InputSerializer):
    title = serializers.CharField(max_length=150)
    employer = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=10_000)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    street_address = serializers.CharField(max_length=200, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=10, allow_blank=True, default="")
    locality = serializers.CharField(max_length=120, required=False)
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, default=None)
    longitude = serializers.FloatField(min_value=-180, max_value=180, allow_null=True, default=None)
    hours_per_week = serializers.IntegerField(
        min_value=1, max_value=60, allow_null=True, default=None
    )
    salary_min = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_SALARY,
        allow_null=True,
        default=None,
    )
    salary_max = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_SALARY,
        allow_null=True,
        default=None,
    )
    salary_unit = serializers.ChoiceField(choices=SalaryUnit.choices, allow_blank=True, default="")
    start_date = serializers.DateField(allow_null=True, default=None)
    valid_through = serializers.DateField(
        required=False, help_text="The last day the offer runs; default: 60 days from today."
    )
    apply_via_chat = serializers.BooleanField(default=True)
    apply_url = serializers.URLField(max_length=200, allow_blank=True, default="")
    apply_email = EmailAddressField(allow_blank=True, default="")

    def to_service(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        for name in ("salary_min", "salary_max"):
            if name in data:
                data[f"{name}_cents"] = _cents(data.pop(name))
        return data


class JobOfferCreateSerializer(JobOfferWriteSerializer):
    publisher_id = serializers.IntegerField(min_value=1)


class JobOfferFilterSerializer(serializers.Serializer[Any]):
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices, required=False)
    publisher_id = serializers.IntegerField(min_value=1, required=False)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    max_distance_m = serializers.IntegerField(min_value=100, max_value=100_000, required=False)
    order = serializers.ChoiceField(choices=["newest", "nearest"], default="newest")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat": [_("Give both coordinates or neither.")]})
        return attrs


class JobApplySerializer(InputSerializer):
    text = serializers.CharField(max_length=4000)


class JobApplicationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    job_id = serializers.IntegerField()
    applicant_name = serializers.SerializerMethodField()
    room_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_applicant_name(self, application: JobApplication) -> str:
        return application.applicant.display_name


# --- helpers --------------------------------------------------------------------------------


def public_path(job: JobOffer) -> str:
    return reverse("jobs-public:job-page", kwargs={"slug": job.village.slug, "job_id": job.pk})


def _job_or_404(membership: Membership, job_id: int) -> JobOffer:
    job = selectors.job_get(membership=membership, job_id=job_id)
    if job is None:
        raise NotFound()
    return job


# --- views ----------------------------------------------------------------------------------


class PublisherListView(APIView):
    @extend_schema(responses=JobPublisherSerializer(many=True), tags=TAGS)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        publishers = selectors.publisher_list(membership=membership)
        return Response(JobPublisherSerializer(publishers, many=True).data)

    @extend_schema(
        request=JobPublisherCreateSerializer, responses={201: JobPublisherSerializer}, tags=TAGS
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        data = JobPublisherCreateSerializer.parse(request.data)
        publisher = services.publisher_register(
            actor=request.user, village_id=membership.village_id, **data
        )
        return Response(JobPublisherSerializer(publisher).data, status=status.HTTP_201_CREATED)


class PublisherMemberView(APIView):
    @extend_schema(
        request=JobPublisherMemberSerializer,
        responses={201: JobPublisherMemberOutSerializer},
        tags=TAGS,
    )
    def post(self, request: AuthedRequest, slug: str, publisher_id: int) -> Response:
        require_member_by_slug(request.user, slug)
        data = JobPublisherMemberSerializer.parse(request.data)
        member = services.publisher_member_add(
            actor=request.user, publisher_id=publisher_id, **data
        )
        body = {"publisher_id": member.publisher_id, "user_id": member.user_id}
        return Response(body, status=status.HTTP_201_CREATED)


class JobListView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(
        parameters=[JobOfferFilterSerializer],
        responses=JobOfferSerializer(many=True),
        tags=TAGS,
        description=(
            "Published offers of the village, newest first (cursor) or nearest first "
            "(the cursor holds an offset). Distances from `lat`/`lon`, else my household, else the "
            "village centre."
        ),
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        params = JobOfferFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        wants_distance = "max_distance_m" in f or f["order"] == "nearest" or "lat" in f
        origin = (
            distance_origin(membership, (f["lat"], f["lon"]) if "lat" in f else None)
            if wants_distance
            else None
        )
        jobs = selectors.job_list(
            membership=membership,
            employment_type=f.get("employment_type"),
            publisher_id=f.get("publisher_id"),
            origin=origin,
            max_distance_m=f.get("max_distance_m"),
        )
        nearest = f["order"] == "nearest"
        if nearest:
            jobs = jobs.order_by("distance_sq", "-id")  # type: ignore[misc]
        return paginate(
            self,
            request,
            jobs,
            JobOfferSerializer,
            context={"origin": origin},
            pagination_class=OffsetCursorPagination if nearest else None,
        )

    @extend_schema(request=JobOfferCreateSerializer, responses={201: JobOfferSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str) -> Response:
        membership = require_member_by_slug(request.user, slug)
        serializer = JobOfferCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.to_service()
        publisher_id = data.pop("publisher_id")
        if not selectors.publisher_list(membership=membership).filter(pk=publisher_id).exists():
            raise NotFound()
        job = services.job_create(actor=request.user, publisher_id=publisher_id, **data)
        job = _job_or_404(membership, job.pk)
        return Response(JobOfferSerializer(job).data, status=status.HTTP_201_CREATED)


class JobDetailView(APIView):
    @extend_schema(responses=JobOfferSerializer, tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        return Response(JobOfferSerializer(_job_or_404(membership, job_id)).data)

    @extend_schema(
        request=JobOfferWriteSerializer(partial=True), responses=JobOfferSerializer, tags=TAGS
    )
    def patch(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _job_or_404(membership, job_id)
        serializer = JobOfferWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.job_update(actor=request.user, job_id=job_id, **serializer.to_service())
        return Response(JobOfferSerializer(_job_or_404(membership, job_id)).data)

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        _job_or_404(membership, job_id)
        services.job_archive(actor=request.user, job_id=job_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _ld_object(ld_type: str, **properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["@type"],
        "properties": {"@type": {"type": "string", "enum": [ld_type]}, **properties},
    }


_STRING: dict[str, Any] = {"type": "string"}
_NUMBER: dict[str, Any] = {"type": "number"}

# What ``jsonld.job_posting`` answers, as a client generator should see it.
JOB_POSTING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "@context",
        "@type",
        "title",
        "description",
        "identifier",
        "datePosted",
        "validThrough",
        "employmentType",
        "hiringOrganization",
        "jobLocation",
        "url",
        "directApply",
    ],
    "properties": {
        "@context": {"type": "string", "enum": ["https://schema.org/"]},
        "@type": {"type": "string", "enum": ["JobPosting"]},
        "title": _STRING,
        "description": {"type": "string", "description": "HTML paragraphs."},
        "identifier": _ld_object("PropertyValue", name=_STRING, value=_STRING),
        "datePosted": {"type": "string", "format": "date"},
        "validThrough": {"type": "string", "format": "date"},
        "employmentType": {"type": "array", "items": _STRING},
        "hiringOrganization": _ld_object("Organization", name=_STRING, sameAs=_STRING),
        "jobLocation": _ld_object(
            "Place",
            address=_ld_object(
                "PostalAddress",
                addressLocality=_STRING,
                addressCountry=_STRING,
                streetAddress=_STRING,
                postalCode=_STRING,
                addressRegion=_STRING,
            ),
            geo=_ld_object("GeoCoordinates", latitude=_NUMBER, longitude=_NUMBER),
        ),
        "url": {"type": "string", "format": "uri"},
        "directApply": {"type": "boolean"},
        "jobStartDate": {"type": "string", "format": "date"},
        "workHours": _STRING,
        "baseSalary": _ld_object(
            "MonetaryAmount",
            currency=_STRING,
            value=_ld_object(
                "QuantitativeValue",
                unitText=_STRING,
                value=_NUMBER,
                minValue=_NUMBER,
                maxValue=_NUMBER,
            ),
        ),
    },
}


class JobJsonLdView(APIView):
    @extend_schema(
        responses={200: OpenApiResponse(JOB_POSTING_SCHEMA)},
        tags=TAGS,
        description="The offer's schema.org JobPosting (the same the public page embeds).",
    )
    def get(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        membership = require_member_by_slug(request.user, slug)
        job = _job_or_404(membership, job_id)
        return Response(jsonld.job_posting(job, url=request.build_absolute_uri(public_path(job))))


class JobApplicationsView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=JobApplicationSerializer(many=True), tags=TAGS)
    def get(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        """The publisher's members and staff see every application; an applicant theirs."""
        membership = require_member_by_slug(request.user, slug)
        job = _job_or_404(membership, job_id)
        applications = selectors.application_list(user=request.user, membership=membership, job=job)
        return paginate(self, request, applications, JobApplicationSerializer)

    @extend_schema(request=JobApplySerializer, responses={201: JobApplicationSerializer}, tags=TAGS)
    def post(self, request: AuthedRequest, slug: str, job_id: int) -> Response:
        """Apply in the chat: the text is the first message to the offer's contact."""
        membership = require_member_by_slug(request.user, slug)
        _job_or_404(membership, job_id)
        data = JobApplySerializer.parse(request.data)
        application = services.job_apply(user=request.user, job_id=job_id, **data)
        return Response(JobApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


# --- the public page ------------------------------------------------------------------------


def _script_safe_json(value: dict[str, Any]) -> str:
    # Inside <script>, "</script>" in a title would end the element: escape <, > and &.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def job_page(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    """The public page of a published offer, with its JobPosting JSON-LD. No personal data:
    the contact person is not shown, only the ways to apply the publisher chose."""
    job = selectors.public_job_get(village_slug=slug, job_id=job_id)
    if job is None:
        raise Http404
    posting = jsonld.job_posting(job, url=request.build_absolute_uri())
    return render(
        request,
        "jobs/job_posting.html",
        {
            "job": job,
            "posting_json": _script_safe_json(posting),
            "description_html": linebreaks(escape(job.description)),
            "employment_type": EmploymentType(job.employment_type).label,
        },
    )
