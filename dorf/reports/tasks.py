"""Periodic work of the Mängelmelder (e-mails are sent by ``notices.send_report_email``).

The schedule is declared in ``dorf.reports.apps`` (the app registry).
"""

from __future__ import annotations

from celery import shared_task

from dorf.reports import services


@shared_task(name="reports.anonymise_closed")
def anonymise_closed() -> int:
    return services.reports_anonymise_closed()
