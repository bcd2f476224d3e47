"""Periodic booking work: desks nobody checked in to are released."""

from __future__ import annotations

from celery import shared_task

from dorf.bookings import services


@shared_task(name="bookings.release_unchecked")
def release_unchecked() -> int:
    return services.unchecked_release()
