"""Periodic job-offer work; the schedule is declared in dorf.jobs.apps. Thin."""

from __future__ import annotations

from celery import shared_task

from dorf.jobs import services


@shared_task(name="jobs.archive_expired")
def archive_expired() -> int:
    return services.jobs_archive_expired()
