"""Read use-cases of the Mängelmelder, each already scoped to one village and to what the
viewer may see, with the related rows it needs loaded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from geopy.distance import geodesic

from dorf.reports.models import (
    OPEN_STATUSES,
    ApiKey,
    Report,
    ReportPhoto,
    ReportSupporter,
    ReportUpdate,
    ServiceAttribute,
    ServiceCategory,
)
from dorf.villages.models import Membership

NEARBY_RADIUS_M = 50
NEARBY_DAYS = 30
METRES_PER_DEGREE_LAT = 111_320.0


def category_list(*, village_id: int, include_inactive: bool = False) -> QuerySet[ServiceCategory]:
    categories = ServiceCategory.objects.filter(village_id=village_id).prefetch_related(
        Prefetch("attributes", queryset=ServiceAttribute.objects.order_by("order"))
    )
    if not include_inactive:
        categories = categories.filter(active=True)
    return categories.order_by("name", "id")


def category_get(
    *, village_id: int, code: str, include_inactive: bool = False
) -> ServiceCategory | None:
    return (
        category_list(village_id=village_id, include_inactive=include_inactive)
        .filter(code=code)
        .first()
    )


def _with_details(
    reports: QuerySet[Report], *, user_id: int | None, staff: bool
) -> QuerySet[Report]:
    photos = ReportPhoto.objects.order_by("id")
    if not staff:
        # Unapproved photos are seen by staff and by the reporter only.
        photos = photos.filter(Q(approved_at__isnull=False) | Q(report__reporter_id=user_id))
    reports = (
        reports.select_related("category")
        .prefetch_related(Prefetch("photos", queryset=photos))
        .annotate(supporter_count=Count("supporters", distinct=True))
    )
    if user_id is not None:
        reports = reports.annotate(
            is_supporter=Exists(
                ReportSupporter.objects.filter(report=OuterRef("pk"), user_id=user_id)
            )
        )
    if staff:
        reports = reports.select_related("reporter", "assigned_to")
    return reports


def reports_for_member(
    *,
    membership: Membership,
    status: Sequence[str] = (),
    category_code: str | None = None,
    mine: bool = False,
) -> QuerySet[Report]:
    """The village's public reports and the member's own private ones (staff: all)."""
    reports = Report.objects.filter(village_id=membership.village_id)
    if mine:
        reports = reports.filter(reporter_id=membership.user_id)
    elif not membership.is_staff:
        reports = reports.filter(Q(public=True) | Q(reporter_id=membership.user_id))
    if status:
        reports = reports.filter(status__in=status)
    if category_code:
        reports = reports.filter(category__code=category_code)
    return _with_details(reports, user_id=membership.user_id, staff=membership.is_staff)


def report_for_member(*, membership: Membership, report_id: int) -> Report | None:
    return (
        reports_for_member(membership=membership)
        .prefetch_related(
            Prefetch(
                "updates", queryset=ReportUpdate.objects.select_related("author").order_by("id")
            )
        )
        .filter(pk=report_id)
        .first()
    )


def staff_queue(
    *,
    membership: Membership,
    status: Sequence[str] = (),
    category_code: str | None = None,
    older_than_days: int | None = None,
    assigned_to_id: int | None = None,
    unassigned: bool = False,
    now: datetime | None = None,
) -> QuerySet[Report]:
    """Every report of the staff member's village; open ones by default."""
    reports = Report.objects.filter(village_id=membership.village_id)
    reports = reports.filter(status__in=status or OPEN_STATUSES)
    if category_code:
        reports = reports.filter(category__code=category_code)
    if older_than_days is not None:
        reports = reports.filter(
            created_at__lte=(now or timezone.now()) - timedelta(days=older_than_days)
        )
    if assigned_to_id is not None:
        reports = reports.filter(assigned_to_id=assigned_to_id)
    if unassigned:
        reports = reports.filter(assigned_to__isnull=True)
    return _with_details(reports, user_id=membership.user_id, staff=True)


@dataclass(frozen=True)
class Nearby:
    report: Report
    distance_m: int


def reports_nearby(
    *,
    membership: Membership,
    category_code: str,
    latitude: float,
    longitude: float,
    now: datetime | None = None,
) -> list[Nearby]:
    """Open public reports of the category within 50 m from the last 30 days, nearest
    first: what a reporter should support instead of filing the same lamp again.

    A bounding box narrows the rows in SQL; the exact geodesic distance decides.
    """
    now = now or timezone.now()
    dlat = NEARBY_RADIUS_M / METRES_PER_DEGREE_LAT
    dlon = NEARBY_RADIUS_M / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(latitude)), 0.01))
    candidates = reports_for_member(membership=membership, category_code=category_code).filter(
        status__in=OPEN_STATUSES,
        public=True,
        created_at__gte=now - timedelta(days=NEARBY_DAYS),
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    )
    found = []
    for report in candidates:
        distance = geodesic((latitude, longitude), (report.latitude, report.longitude)).meters
        if distance <= NEARBY_RADIUS_M:
            found.append(Nearby(report, round(distance)))
    return sorted(found, key=lambda n: (n.distance_m, -n.report.pk))


def api_keys(*, village_id: int) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(village_id=village_id).order_by("-id")
