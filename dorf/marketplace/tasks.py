"""Periodic marketplace work (Celery beat): expiry reminders and expiry. Thin: services decide.

The schedule is declared in ``dorf.marketplace.apps`` (the app registry).
"""

from __future__ import annotations

from celery import shared_task

from dorf.marketplace import services


@shared_task(name="marketplace.send_posting_expiry_reminders")
def send_posting_expiry_reminders() -> int:
    return services.posting_expiry_reminders_send()


@shared_task(name="marketplace.expire_postings")
def expire_postings() -> int:
    return services.postings_expire()
