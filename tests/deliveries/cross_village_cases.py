from __future__ import annotations

from typing import Any

from django.utils import timezone

from dorf.deliveries.models import JobStatus, PlanningJob, Route
from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.deliveries.factories import (
    DeliveryShiftFactory,
    ParcelFactory,
    PickupPointFactory,
    tomorrow,
)


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _point(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "point_id": PickupPointFactory(village=village).pk}


def _parcel(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "parcel_id": ParcelFactory(village=village).pk}


def _shift(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "shift_id": DeliveryShiftFactory(village=village).pk}


def _job(village: Village) -> dict[str, Any]:
    job = PlanningJob.objects.create(village=village, date=tomorrow(), status=JobStatus.DONE)
    return {"slug": village.slug, "job_id": job.pk}


def _route(village: Village) -> dict[str, Any]:
    job = PlanningJob.objects.create(village=village, date=tomorrow(), status=JobStatus.DONE)
    now = timezone.now()
    route = Route.objects.create(
        village=village,
        job=job,
        shift=DeliveryShiftFactory(village=village),
        date=job.date,
        start_at=now,
        end_at=now,
        work_start_at=now,
        travel_s=0,
        distance_m=0,
    )
    return {"slug": village.slug, "route_id": route.pk}


TOMORROW = {"date": "2099-01-01"}

register(Case("deliveries:pickup-point-list", _slug, methods=("get", "post")))
register(Case("deliveries:pickup-point-detail", _point, ("get", "patch"), {"is_active": False}))
register(Case("deliveries:parcel-list", _slug, methods=("get", "post")))
register(Case("deliveries:my-parcels", _slug))
register(Case("deliveries:parcel-detail", _parcel))
register(Case("deliveries:parcel-pickup", _parcel, methods=("post",)))
register(Case("deliveries:parcel-deliver", _parcel, ("post",), {"pin": "123456"}))
register(Case("deliveries:parcel-fail", _parcel, ("post",), {"reason": "recipient_absent"}))
register(Case("deliveries:parcel-pin-reset", _parcel, methods=("post",)))
register(Case("deliveries:parcel-reschedule", _parcel, ("post",), {"delivery_date": "2099-01-01"}))
register(Case("deliveries:shift-list", _slug, methods=("get", "post")))
register(Case("deliveries:shift-detail", _shift))
register(Case("deliveries:shift-withdraw", _shift, methods=("post",)))
register(Case("deliveries:plan-list", _slug, ("get", "post"), TOMORROW))
register(Case("deliveries:plan-detail", _job))
register(Case("deliveries:route-list", _slug))
register(Case("deliveries:route-detail", _route))
register(Case("deliveries:route-accept", _route, methods=("post",)))
register(Case("deliveries:route-decline", _route, methods=("post",)))
register(Case("deliveries:route-no-show", _route, methods=("post",)))
