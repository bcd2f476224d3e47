"""Periodic import of external calendars (Celery beat, declared in ``dorf.events.apps``)."""

from __future__ import annotations

from celery import shared_task

from dorf.events import importing


@shared_task(name="events.import_calendars")
def import_calendars() -> int:
    return importing.external_calendars_import_all()
