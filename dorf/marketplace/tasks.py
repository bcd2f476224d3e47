"""Periodic marketplace work (Celery beat): expiry reminders and expiry. Thin: services decide."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.schedules import crontab

from config.celery import app
from dorf.marketplace import services


@shared_task
def send_posting_expiry_reminders() -> int:
    return services.posting_expiry_reminders_send()


@shared_task
def expire_postings() -> int:
    return services.postings_expire()


@app.on_after_finalize.connect
def _schedule(sender: Any, **kwargs: Any) -> None:
    # Registered here so the marketplace owns its schedule; beat picks it up at start.
    sender.add_periodic_task(
        crontab(minute=15), send_posting_expiry_reminders.s(), name="marketplace-reminders"
    )
    sender.add_periodic_task(crontab(minute=20), expire_postings.s(), name="marketplace-expire")
