"""Celery tasks of deliveries: thin, they call a service.

The services enqueue these by name (``PLAN_TASK``) and never import this module, so
the import graph has no circle.
"""

from __future__ import annotations

from celery import shared_task

from dorf.deliveries.services.planning_jobs import PLAN_TASK, planning_job_run


@shared_task(name=PLAN_TASK)
def plan_task(job_id: int) -> None:
    """Build the matrix, solve and store the routes of one planning job."""
    planning_job_run(job_id=job_id)
