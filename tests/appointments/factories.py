from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dorf.appointments.models import Appointment, AppointmentStatus, Service
from dorf.villages.models import Village
from tests.factories import MembershipFactory


def service_in(village: Village) -> Service:
    return Service.objects.create(village=village, name="Meldebescheinigung", duration_minutes=10)


def appointment_in(village: Village) -> Appointment:
    start = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)
    return Appointment.objects.create(
        village=village,
        service=service_in(village),
        membership=MembershipFactory(village=village),
        slot_start=start,
        slot_end=start + timedelta(minutes=15),
        seat=1,
        status=AppointmentStatus.CONFIRMED,
    )
