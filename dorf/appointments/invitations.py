"""The iCalendar invitation of an appointment (METHOD:REQUEST, METHOD:CANCEL once
cancelled), one UID per appointment and a SEQUENCE that grows with every change, so the
resident's calendar app replaces or removes the entry it already has."""

from __future__ import annotations

from datetime import UTC

import icalendar
from django.utils import timezone

from dorf.appointments.models import Appointment, AppointmentStatus

PRODID = "-//dorf//Bürgertermine//DE"


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{appointment.village.slug}.dorf"


def invitation(appointment: Appointment) -> bytes:
    cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.EXPIRED)
    cal = icalendar.Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", PRODID)
    cal.add("METHOD", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("UID", uid(appointment))
    event.add("DTSTAMP", timezone.now().astimezone(UTC).replace(microsecond=0))
    event.add("DTSTART", appointment.slot_start.astimezone(UTC))
    event.add("DTEND", appointment.slot_end.astimezone(UTC))
    event.add("SUMMARY", appointment.service.name)
    location = ", ".join(p for p in (appointment.service.location, appointment.service.desk) if p)
    if location:
        event.add("LOCATION", location)
    if appointment.service.documents:
        event.add("DESCRIPTION", "\n".join(appointment.service.documents))
    event.add("SEQUENCE", appointment.sequence)
    event.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
    user = appointment.membership.user
    event.add("ORGANIZER", f"mailto:rathaus@{appointment.village.slug}.dorf")
    event.add("ATTENDEE", f"mailto:{user.email}", parameters={"PARTSTAT": "ACCEPTED"})
    cal.add_component(event)
    return bytes(cal.to_ical())
