"""Celery tasks of the notification channels: thin, they call dorf.notifications.delivery."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from celery import Task, shared_task

from dorf.notifications import delivery, services
from dorf.notifications.models import DeliveryChannel

# Pushes (and mails) per task: a village-wide warning is a hundred tasks, not five
# thousand, and each batch commits twice (claim, successes) instead of three times per push.
PUSH_BATCH = 50
EMAIL_BATCH = 50


def _enqueue(due: Sequence[tuple[int, str]]) -> int:
    delivery.deliveries_mark_enqueued(delivery_ids=[pk for pk, _channel in due])
    pushes = [pk for pk, channel in due if channel == DeliveryChannel.PUSH]
    for start in range(0, len(pushes), PUSH_BATCH):
        deliver_push_batch.delay(pushes[start : start + PUSH_BATCH])
    mails = [pk for pk, channel in due if channel == DeliveryChannel.EMAIL]
    for start in range(0, len(mails), EMAIL_BATCH):
        deliver_email_batch.delay(mails[start : start + EMAIL_BATCH])
    return len(due)


@shared_task(name=services.DISPATCH_TASK, ignore_result=True)
def dispatch(notification_ids: list[int]) -> int:
    """New notifications: plan their push and e-mail deliveries, send those due now."""
    return _enqueue(delivery.deliveries_plan(notification_ids=notification_ids))


@shared_task(name="notifications.send_due", ignore_result=True)
def send_due() -> int:
    """Every minute: deliveries whose quiet hours or back-off ended, and lost tasks."""
    return _enqueue(delivery.deliveries_due())


def _again(task: Task[Any, Any], outcome: delivery.Outcome) -> None:
    # Inline (no broker) a retry would run at once, ignoring Retry-After: the sweeper
    # (send_due) picks the delivery up when its time has come instead.
    inline = task.request.is_eager or task.request.called_directly
    if outcome.retry_in_s is not None and not inline:
        raise task.retry(countdown=outcome.retry_in_s, max_retries=None)


@shared_task(bind=True, name="notifications.deliver_push", ignore_result=True, acks_late=True)
def deliver_push(self: Task[Any, Any], delivery_id: int) -> str:
    """One push: a retry of a push that a batch could not deliver yet."""
    outcome = delivery.push_send(delivery_id=delivery_id)
    _again(self, outcome)
    return outcome.state


@shared_task(bind=True, name="notifications.deliver_push_batch", ignore_result=True, acks_late=True)
def deliver_push_batch(self: Task[Any, Any], delivery_ids: list[int]) -> dict[str, int]:
    """Up to PUSH_BATCH pushes; each one that must be tried again later gets its own
    retry task with its own countdown (Retry-After or back-off)."""
    outcomes = delivery.push_send_batch(delivery_ids=delivery_ids)
    inline = self.request.is_eager or self.request.called_directly
    states: dict[str, int] = {}
    for pk, outcome in outcomes.items():
        states[outcome.state] = states.get(outcome.state, 0) + 1
        if outcome.retry_in_s is not None and not inline:
            deliver_push.apply_async((pk,), countdown=outcome.retry_in_s)
    return states


@shared_task(bind=True, name="notifications.deliver_email", ignore_result=True, acks_late=True)
def deliver_email(self: Task[Any, Any], delivery_id: int) -> str:
    """One mail: a retry of a mail that a batch could not deliver yet."""
    outcome = delivery.email_send(delivery_id=delivery_id)
    _again(self, outcome)
    return outcome.state


@shared_task(
    bind=True, name="notifications.deliver_email_batch", ignore_result=True, acks_late=True
)
def deliver_email_batch(self: Task[Any, Any], delivery_ids: list[int]) -> dict[str, int]:
    """Up to EMAIL_BATCH mails over one connection; each one that must be tried again later
    gets its own retry task with its own countdown."""
    outcomes = delivery.email_send_batch(delivery_ids=delivery_ids)
    inline = self.request.is_eager or self.request.called_directly
    states: dict[str, int] = {}
    for pk, outcome in outcomes.items():
        states[outcome.state] = states.get(outcome.state, 0) + 1
        if outcome.retry_in_s is not None and not inline:
            deliver_email.apply_async((pk,), countdown=outcome.retry_in_s)
    return states


@shared_task(name="notifications.cleanup", ignore_result=True)
def cleanup() -> int:
    """Daily: subscriptions not refreshed for 90 days, finished deliveries after 30."""
    return services.push_subscriptions_delete_stale() + delivery.deliveries_delete_finished()
