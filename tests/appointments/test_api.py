from __future__ import annotations

import pytest

from dorf.appointments.models import Appointment
from dorf.villages.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/villages/musterdorf/appointments/"


def test_a_resident_finds_a_slot_holds_confirms_and_cancels_by_link(
    clock, service, resident, client_for, api_client
) -> None:
    client = client_for(resident.user)
    # given
    slots = client.get(
        f"{BASE}availability/", {"service": service.pk, "from": "2026-04-02", "to": "2026-04-02"}
    )
    assert slots.status_code == 200, slots.json()
    first = slots.json()[0]
    assert first["starts_at"] == "2026-04-02T08:00:00+02:00"
    # when
    hold = client.post(
        f"{BASE}holds/", {"service": service.pk, "starts_at": first["starts_at"]}, format="json"
    )
    confirmed = client.post(f"{BASE}{hold.json()['id']}/confirm/")
    # then
    assert hold.status_code == 201, hold.json()
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert body["status"] == "confirmed"
    ics = client.get(f"{BASE}{body['id']}/invitation.ics")
    assert ics.status_code == 200
    assert b"METHOD:REQUEST" in ics.content
    cancel = api_client.post(f"/api/v1/appointments/cancel/{body['cancel_token']}/")
    assert cancel.status_code == 200
    assert cancel.json()["status"] == "cancelled"


def test_a_full_slot_answers_409_in_the_error_shape_in_german(
    clock, service, resident, make_resident, client_for
) -> None:
    start = "2026-04-02T08:00:00+02:00"
    client_for(make_resident().user).post(
        f"{BASE}holds/", {"service": service.pk, "starts_at": start}, format="json"
    )
    answer = client_for(resident.user).post(
        f"{BASE}holds/", {"service": service.pk, "starts_at": start}, format="json"
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "slot_full"
    assert answer.json()["error"]["message"] == "Dieser Termin ist gerade ausgebucht worden."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": 1, "starts_at": "2026-04-02T08:00:00+02:00", "seat": 3}, "seat"),
        ({"service": 1}, "starts_at"),
    ],
)
def test_holds_refuse_unknown_and_missing_fields(
    clock, service, resident, client_for, body, field
) -> None:
    answer = client_for(resident.user).post(f"{BASE}holds/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]
    assert not Appointment.objects.exists()


def test_another_villages_resident_gets_404_everywhere(
    clock, service, resident, outsider, client_for, api_client
) -> None:
    hold = client_for(resident.user).post(
        f"{BASE}holds/",
        {"service": service.pk, "starts_at": "2026-04-02T08:00:00+02:00"},
        format="json",
    )
    client = client_for(outsider.user)
    assert client.get(f"{BASE}services/").status_code == 404
    assert client.post(f"{BASE}{hold.json()['id']}/confirm/").status_code == 404
    own_village = f"/api/v1/villages/{outsider.village.slug}/appointments/"
    assert (
        client.post(
            f"{own_village}holds/",
            {"service": service.pk, "starts_at": "2026-04-02T08:00:00+02:00"},
            format="json",
        ).status_code
        == 404
    )
    assert client.post(f"{own_village}{hold.json()['id']}/confirm/").status_code == 404
    unknown = api_client.post("/api/v1/appointments/cancel/" + "A" * 43 + "/")
    assert unknown.status_code == 404


def test_availability_refuses_an_end_before_the_start(clock, service, resident, client_for):
    answer = client_for(resident.user).get(
        f"{BASE}availability/", {"service": service.pk, "from": "2026-04-05", "to": "2026-04-01"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "end_before_start"


def test_the_staff_day_list_has_a_fixed_number_of_queries(
    clock, service, village, make_resident, client_for, django_assert_num_queries
) -> None:
    from datetime import UTC, datetime

    from dorf.appointments import services

    for minute in (0, 15, 30):
        member = make_resident()
        hold = services.appointment_hold(
            membership=member,
            service_id=service.pk,
            starts_at=datetime(2026, 4, 2, 6, minute, tzinfo=UTC),
        )
        services.appointment_confirm(membership=member, appointment_id=hold.pk)
    staff = MembershipFactory(village=village, role=Role.STAFF)
    client = client_for(staff.user)
    with django_assert_num_queries(4):  # token, membership, list, (session-free) throttle-free
        answer = client.get(f"{BASE}day/", {"date": "2026-04-02"})
    assert answer.status_code == 200
    assert [row["starts_at"][11:16] for row in answer.json()] == ["08:00", "08:15", "08:30"]
    resident_answer = client_for(member.user).get(f"{BASE}day/", {"date": "2026-04-02"})
    assert resident_answer.status_code == 403
