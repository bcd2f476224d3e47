"""Background work of the Müllkalender; the schedule is declared in dorf.waste.apps. Thin."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils.dateparse import parse_datetime

from dorf.waste import services


def _clock(now: str | None) -> datetime | None:
    # A fixed "now" (ISO 8601) for the benchmark's fake clock; None is the real time.
    return parse_datetime(now) if now else None


@shared_task(name="waste.send_due_reminders")
def send_due_reminders(now: str | None = None) -> dict[str, int]:
    clock = _clock(now)
    shifts = services.shifts_announce(now=clock)
    return {"reminders": services.reminders_send_due(now=clock), "shift_notices": shifts}


@shared_task(name="waste.after_import")
def after_import(village_id: int) -> int:
    services.shifts_announce()
    return services.reminders_plan_village(village_id=village_id)


@shared_task(name="waste.replan_all")
def replan_all() -> int:
    return services.reminders_plan_all()
