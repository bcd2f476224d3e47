"""Periodic appointment work: lapsed holds free their seats, reminders go out."""

from __future__ import annotations

from celery import shared_task

from dorf.appointments import services


@shared_task(name="appointments.expire_holds")
def expire_holds() -> int:
    return services.holds_expire()


@shared_task(name="appointments.send_reminders")
def send_reminders() -> int:
    return services.reminders_send()
