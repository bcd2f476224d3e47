"""GDPR for appointments: export one's appointments and waitlist entries; erasure cancels
what is still open (the seat goes back to the village) and blanks the free-text note.

Past appointments stay as the town hall's record that a service was given."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dorf.appointments.models import (
    OPEN_STATES,
    Appointment,
    AppointmentStatus,
    WaitlistEntry,
    WaitlistState,
)
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "appointments": [
            {
                "service": a.service.name,
                "starts_at": a.slot_start.isoformat(),
                "status": a.status,
                "note": a.note,
            }
            for a in Appointment.objects.filter(membership__user=user)
            .select_related("service")
            .order_by("id")
        ],
        "waitlist": [
            {"service": w.service.name, "state": w.state, "since": w.created_at.isoformat()}
            for w in WaitlistEntry.objects.filter(membership__user=user)
            .select_related("service")
            .order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    now = timezone.now()
    Appointment.objects.filter(
        membership__user=user, status__in=OPEN_STATES, slot_start__gt=now
    ).update(status=AppointmentStatus.CANCELLED, cancelled_at=now, hold_expires_at=None)
    Appointment.objects.filter(membership__user=user).update(note="", cancel_token_hash=None)
    WaitlistEntry.objects.filter(
        membership__user=user, state__in=[WaitlistState.WAITING, WaitlistState.OFFERED]
    ).update(state=WaitlistState.WITHDRAWN)
