"""Reads of the Open311 endpoint: public data of one village, as plain rows.

``GET requests`` may return a thousand reports; plain rows (``values``) with the first
approved photo as a subquery keep that one query and no model instances.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from dorf.reports.models import (
    ApiKey,
    Report,
    ReportPhoto,
    ReportUpdate,
    ServiceAttribute,
    ServiceCategory,
    UpdateKind,
    statuses_for_open311,
)
from dorf.reports.services import api_key_hash
from dorf.villages.models import AddressEntry

REQUEST_FIELDS = (
    "id",
    "status",
    "status_notes",
    "category__name",
    "category__code",
    "category__responsible_team",
    "category__service_notice",
    "description",
    "created_at",
    "updated_at",
    "address",
    "latitude",
    "longitude",
    "media",
)


def categories(*, village_id: int) -> QuerySet[ServiceCategory]:
    return (
        ServiceCategory.objects.filter(village_id=village_id, active=True)
        .prefetch_related(
            Prefetch("attributes", queryset=ServiceAttribute.objects.order_by("order"))
        )
        .order_by("name", "id")
    )


def request_rows(
    *,
    village_id: int,
    ids: list[int] | None = None,
    codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    open311_statuses: list[str] | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Public reports of the village, newest first; never who reported them."""
    reports = Report.objects.filter(village_id=village_id, public=True)
    if ids is not None:
        reports = reports.filter(pk__in=ids)
    if codes:
        reports = reports.filter(category__code__in=codes)
    if start is not None:
        reports = reports.filter(created_at__gte=start)
    if end is not None:
        reports = reports.filter(created_at__lte=end)
    if open311_statuses:
        statuses = [s for o in set(open311_statuses) for s in statuses_for_open311(o)]
        reports = reports.filter(status__in=statuses)
    first_photo = ReportPhoto.objects.filter(
        report=OuterRef("pk"), approved_at__isnull=False
    ).order_by("id")
    rows = (
        reports.annotate(media=Subquery(first_photo.values("image")[:1]))
        .order_by("-created_at", "-id")
        .values(*REQUEST_FIELDS)[offset : offset + limit]
    )
    return list(rows)


def report_id_for_token(*, village_id: int, token: str) -> int | None:
    return (
        Report.objects.filter(village_id=village_id, token=token[:32])
        .values_list("pk", flat=True)
        .first()
    )


def api_key_for(raw: str) -> ApiKey | None:
    if not raw or len(raw) > 100:
        return None
    try:  # get(): the hash is unique
        return ApiKey.objects.get(key_hash=api_key_hash(raw), revoked_at__isnull=True)
    except ApiKey.DoesNotExist:
        return None


def address_entry(*, village_id: int, address_id: str) -> AddressEntry | None:
    if not address_id.isdigit() or len(address_id) > 18:
        return None
    return AddressEntry.objects.filter(village_id=village_id, pk=int(address_id)).first()


def update_rows(
    *, village_id: int, start: datetime, end: datetime, limit: int = 1000
) -> list[dict[str, Any]]:
    """Public status changes of public reports, oldest first."""
    return [
        dict(row)
        for row in ReportUpdate.objects.filter(
            report__village_id=village_id,
            report__public=True,
            public=True,
            kind__in=(UpdateKind.STATUS, UpdateKind.REOPEN, UpdateKind.MERGE),
            created_at__gte=start,
            created_at__lte=end,
        )
        .order_by("created_at", "id")
        .values("id", "report_id", "new_status", "note", "created_at")[:limit]
    ]
