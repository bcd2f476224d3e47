"""Write services scope themselves: another village's ids are not found, whoever calls.

The views resolve the membership from the URL's village; these tests call the services
directly (as the admin, a consumer or a script would), with a membership of village A
and the ids of village B's rows. Each refuses with 404 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dorf.core.exceptions import NotFound
from dorf.deliveries import services
from dorf.deliveries.models import (
    DeliveryShift,
    Parcel,
    ParcelEvent,
    PickupPoint,
    PlanningJob,
    Route,
    RouteStatus,
)
from dorf.villages.models import Role, Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> list[object]:
    return [
        list(Parcel.objects.order_by("pk").values_list("status", "pin_attempts", "delivery_date")),
        list(Route.objects.order_by("pk").values_list("status", "accepted_at")),
        list(DeliveryShift.objects.order_by("pk").values_list("status")),
        list(PickupPoint.objects.order_by("pk").values_list("is_active")),
        PlanningJob.objects.count(),
        ParcelEvent.objects.count(),
    ]


def test_a_service_called_with_another_villages_ids_refuses_even_for_their_own_volunteer(
    village: Village, other_village: Village, client_for, django_capture_on_commit_callbacks
) -> None:
    # given: a planned day in village B whose volunteer is also staff in village A
    day = register_day(make_people(other_village, recipients=2), client_for)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(day.coordinator.user).post(
            day.url("plans/"), {"date": tomorrow().isoformat()}
        )
    assert response.status_code == 202, response.content
    route = Route.objects.get(village=other_village, status=RouteStatus.PROPOSED)
    volunteer_b = day.volunteers[0]
    assert route.shift.volunteer_id == volunteer_b.user_id
    acting = MembershipFactory(village=village, user=volunteer_b.user, role=Role.STAFF)
    parcel_id = day.parcel_ids[0]
    before = _snapshot()

    # when: every write service that takes an id is called with A's membership
    calls: dict[str, Callable[[], object]] = {
        "pickup_point_set_active": lambda: services.pickup_point_set_active(
            actor=acting, point_id=day.point_id, is_active=False
        ),
        "parcel_pickup": lambda: services.parcel_pickup(membership=acting, parcel_id=parcel_id),
        "parcel_deliver": lambda: services.parcel_deliver(
            membership=acting, parcel_id=parcel_id, pin="000000"
        ),
        "parcel_fail": lambda: services.parcel_fail(
            membership=acting, parcel_id=parcel_id, reason="recipient_absent"
        ),
        "parcel_pin_reset": lambda: services.parcel_pin_reset(actor=acting, parcel_id=parcel_id),
        "parcel_reschedule": lambda: services.parcel_reschedule(
            actor=acting, parcel_id=parcel_id, delivery_date=tomorrow()
        ),
        "route_accept": lambda: services.route_accept(membership=acting, route_id=route.pk),
        "route_decline": lambda: services.route_decline(membership=acting, route_id=route.pk),
        "route_no_show": lambda: services.route_no_show(actor=acting, route_id=route.pk),
        "delivery_shift_withdraw": lambda: services.delivery_shift_withdraw(
            membership=acting, shift_id=route.shift_id
        ),
    }
    refused = {}
    for name, call in calls.items():
        with pytest.raises(NotFound):
            call()
        refused[name] = True

    # then: each refused as if the row did not exist, and nothing changed in village B
    assert refused == dict.fromkeys(calls, True)
    assert _snapshot() == before
