"""Periodic warning work (Celery beat, declared in ``dorf.warnings.apps``). Thin."""

from __future__ import annotations

from celery import shared_task

from dorf.warnings import services, sources


@shared_task(name="warnings.poll_sources")
def poll_sources() -> int:
    """NINA, then the DWD feed when configured; returns the messages stored."""
    return sources.poll_nina().stored + sources.poll_dwd().stored


@shared_task(name="warnings.end_expired")
def end_expired() -> int:
    return services.warnings_end_expired()


@shared_task(name="warnings.drop_old_checkins")
def drop_old_checkins() -> int:
    return services.checkins_drop_old()
