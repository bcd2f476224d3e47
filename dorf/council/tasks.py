"""Periodic council import; the schedule is declared in dorf.council.apps. Thin."""

from __future__ import annotations

from celery import shared_task

from dorf.council import services


@shared_task(name="council.import_all")
def import_all() -> int:
    return services.sources_import_all()


@shared_task(name="council.import_source")
def import_source(source_id: int) -> bool:
    return services.source_import(source_id=source_id) is not None
