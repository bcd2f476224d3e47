"""The iCalendar invitation of an appointment (METHOD:REQUEST, METHOD:CANCEL once
cancelled), one UID per appointment and a SEQUENCE that grows with every change, so the
resident's calendar app replaces or removes the entry it already has. Writing iCalendar
(local times with VTIMEZONE) is the calendar module's job; this module decides what goes
in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dorf.appointments.models import Appointment, AppointmentStatus
from dorf.calendar.ics import Entry, render_calendar


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{appointment.village.slug}.dorf"


def invitation(appointment: Appointment) -> bytes:
    cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.EXPIRED)
    service = appointment.service
    entry = Entry(
        uid=uid(appointment),
        summary=service.name,
        starts_at=appointment.slot_start,
        ends_at=appointment.slot_end,
        location=", ".join(p for p in (service.location, service.desk) if p),
        description="\n".join(service.documents) if service.documents else "",
        sequence=appointment.sequence,
        status="CANCELLED" if cancelled else "CONFIRMED",
        organizer=f"mailto:rathaus@{appointment.village.slug}.dorf",
        attendees=[f"mailto:{appointment.membership.user.email}"],
    )
    return render_calendar(
        name="",
        tz=ZoneInfo(appointment.village.timezone),
        entries=[entry],
        method="CANCEL" if cancelled else "REQUEST",
    )
