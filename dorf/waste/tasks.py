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
    """Every minute: announce shifts, and hand each batch of due reminders to a task of its
    own, so that every worker process claims and sends at once (no chord: the batches
    need nothing from each other)."""
    clock = _clock(now)
    shifts = services.shifts_announce(now=clock)
    batches = services.reminders_due_batches(now=clock)
    for _ in range(batches):
        send_reminder_batch.delay(now)
    return {"reminder_batches": batches, "shift_notices": shifts}


@shared_task(name="waste.send_reminder_batch", ignore_result=True, acks_late=True)
def send_reminder_batch(now: str | None = None) -> int:
    return services.reminders_send_batch(now=_clock(now))


@shared_task(name="waste.after_import")
def after_import(village_id: int) -> int:
    services.shifts_announce()
    return services.reminders_plan_village(village_id=village_id)


@shared_task(name="waste.replan_all")
def replan_all() -> int:
    return services.reminders_plan_all()
