from __future__ import annotations

import pytest

from dorf.core.privacy import ERASED
from dorf.deliveries import privacy, services
from dorf.deliveries.models import DeliveryShift, Parcel, ParcelEvent
from dorf.villages.models import Village
from tests.deliveries.factories import tomorrow
from tests.deliveries.helpers import make_people, register_day

pytestmark = pytest.mark.django_db


def test_export_lists_my_parcels_shifts_and_routes(village: Village, client_for) -> None:
    # given: a planned day
    day = register_day(make_people(village, recipients=1), client_for)
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)
    # when
    recipient = privacy.export_personal_data(day.recipients[0].user)
    volunteer = privacy.export_personal_data(day.volunteers[0].user)
    staff = privacy.export_personal_data(day.staff.user)
    # then
    assert [p["id"] for p in recipient["parcels_received"]] == day.parcel_ids
    assert [s["id"] for s in volunteer["shifts"]] == day.shift_ids
    assert len(volunteer["routes"]) == 1
    assert staff["parcels_registered"][0]["note"] == "Bitte beim Nachbarn klingeln"


def test_erasure_replaces_the_notes_i_wrote_and_my_shift_addresses(
    village: Village, client_for
) -> None:
    # given: a parcel registered with a note, a volunteer's shift from home
    day = register_day(make_people(village, recipients=1), client_for)
    ParcelEvent.objects.filter(parcel_id=day.parcel_ids[0]).update(note="Hinterhof, Hund!")
    # when
    privacy.erase_personal_data(day.staff.user)
    privacy.erase_personal_data(day.volunteers[0].user)
    # then
    parcel = Parcel.objects.get(pk=day.parcel_ids[0])
    assert parcel.note == ERASED
    assert set(ParcelEvent.objects.values_list("note", flat=True)) == {ERASED}
    shift = DeliveryShift.objects.get(pk=day.shift_ids[0])
    assert (shift.start_latitude, shift.start_longitude) == (village.centre_lat, village.centre_lon)
    assert shift.status == "withdrawn"


def test_erasing_the_last_resident_of_a_household_keeps_its_parcels_without_the_address(
    village: Village, client_for
) -> None:
    # given: a parcel for a household with one resident
    from dorf.users.services import user_erase
    from tests.factories import TEST_PASSWORD

    day = register_day(make_people(village, recipients=1), client_for)
    recipient = day.recipients[0]
    # when: the resident erases their account (villages then deletes the empty household)
    user_erase(user=recipient.user, password=TEST_PASSWORD)
    # then: the parcel stays, without a household, and is no longer planned
    parcel = Parcel.objects.get(pk=day.parcel_ids[0])
    assert parcel.household_id is None
    job = services.plan_request(actor=day.coordinator, date=tomorrow())
    services.planning_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert not job.routes.exists()
    staff_view = client_for(day.staff.user).get(day.url(f"parcels/{parcel.pk}/")).json()
    assert staff_view["household"] is None
