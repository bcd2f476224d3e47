"""Celery application: workers and beat read their settings from Django's (CELERY_*)."""

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dorf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _beat_schedule_from_registry(sender: Celery, **kwargs: Any) -> None:
    """Every app declares its periodic tasks in its AppConfig; beat reads them here."""
    from dorf.core.registry import beat_schedule

    sender.conf.beat_schedule = {**(sender.conf.beat_schedule or {}), **beat_schedule()}
