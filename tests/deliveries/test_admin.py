"""The read-only delivery admin: operators see a planned day, never edit it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dorf.deliveries.models import (
    DeliveryShift,
    Parcel,
    ParcelEvent,
    PickupPoint,
    PlanningJob,
    Route,
)
from dorf.users.models import User
from dorf.villages.models import Village
from tests.deliveries.factories import ParcelFactory, tomorrow
from tests.deliveries.helpers import make_people, register_day

pytestmark = pytest.mark.django_db

MODELS = ("pickuppoint", "parcel", "deliveryshift", "planningjob", "route")


@pytest.fixture
def operator(client: Any) -> Any:
    admin = User.objects.create_superuser("op@example.org", "pw", first_name="O", last_name="P")
    client.force_login(admin)
    return client


@pytest.fixture
def planned_day(village: Village, client_for: Any, django_capture_on_commit_callbacks: Any) -> int:
    day = register_day(make_people(village, volunteers=1, recipients=2), client_for)
    coordinator = client_for(day.coordinator.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(day.url("plans/"), {"date": tomorrow().isoformat()})
    assert response.status_code == 202, response.content
    job_id: int = response.json()["id"]
    assert Route.objects.filter(job_id=job_id).exists()
    return job_id


def test_operator_sees_every_list_and_page_of_a_planned_day(
    operator: Any, planned_day: int
) -> None:
    for model in MODELS:
        assert operator.get(reverse(f"admin:deliveries_{model}_changelist")).status_code == 200
    route = Route.objects.get(job_id=planned_day)
    page = operator.get(reverse("admin:deliveries_route_change", args=[route.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("of parcel") == route.stops.count()  # stops inline
    job_page = operator.get(reverse("admin:deliveries_planningjob_change", args=[planned_day]))
    assert f"Route {route.pk}" in job_page.content.decode()


def test_parcel_page_shows_its_history_but_never_the_pin_salt(
    operator: Any, planned_day: int
) -> None:
    parcel = Parcel.objects.filter(stops__route__job_id=planned_day).first()
    assert parcel is not None
    assert ParcelEvent.objects.filter(parcel=parcel).exists()

    page = operator.get(reverse("admin:deliveries_parcel_change", args=[parcel.pk])).content
    assert b"pin_salt" not in page
    assert parcel.pin_salt.encode() not in page
    assert b"planned" in page.lower() or b"geplant" in page.lower()


@pytest.mark.parametrize(
    ("model", "instance"),
    [
        ("parcel", lambda: Parcel.objects.first()),
        ("deliveryshift", lambda: DeliveryShift.objects.first()),
        ("route", lambda: Route.objects.first()),
        ("planningjob", lambda: PlanningJob.objects.first()),
        ("pickuppoint", lambda: PickupPoint.objects.first()),
    ],
)
def test_nothing_can_be_added_changed_or_deleted(
    operator: Any, planned_day: int, model: str, instance: Any
) -> None:
    row = instance()
    assert operator.get(reverse(f"admin:deliveries_{model}_add")).status_code == 403
    response = operator.post(
        reverse(f"admin:deliveries_{model}_delete", args=[row.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()
    page = operator.get(reverse(f"admin:deliveries_{model}_change", args=[row.pk])).content
    assert b'name="_save"' not in page


def test_parcel_list_costs_the_same_queries_for_more_parcels(
    operator: Any, village: Village, planned_day: int
) -> None:
    url = reverse("admin:deliveries_parcel_changelist")
    with CaptureQueriesContext(connection) as few:
        operator.get(url)
    ParcelFactory.create_batch(10, village=village)
    with CaptureQueriesContext(connection) as many:
        response = operator.get(url)

    assert response.status_code == 200
    assert Parcel.objects.count() == 12
    assert len(many) == len(few)
