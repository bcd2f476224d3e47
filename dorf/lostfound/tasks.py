"""Periodic Fundbüro work; the schedule is declared in dorf.lostfound.apps. Thin."""

from __future__ import annotations

from celery import shared_task

from dorf.lostfound import services


@shared_task(name="lostfound.process_deadlines")
def process_deadlines() -> tuple[int, int]:
    return services.deadlines_process()


@shared_task(name="lostfound.erase_closed_cases")
def erase_closed_cases() -> int:
    return services.closed_cases_erase()
