"""Celery tasks of deliveries: thin, they call a service."""

from __future__ import annotations

from celery import shared_task

from dorf.deliveries.services import planning_job_run


@shared_task(name="deliveries.plan")
def plan_task(job_id: int) -> None:
    """Build the matrix, solve and store the routes of one planning job."""
    planning_job_run(job_id=job_id)
