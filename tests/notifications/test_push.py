"""Web Push through the local fake push service: encryption, VAPID, answers, retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from dorf.notifications import delivery, tasks
from dorf.notifications.models import (
    Category,
    Delivery,
    DeliveryState,
    Notification,
    PushSubscription,
    Urgency,
)
from dorf.notifications.services import notify, notify_many
from dorf.users.models import Language
from tests.factories import UserFactory
from tests.notifications.conftest import subscription_of

pytestmark = pytest.mark.django_db


def _notify(capture: Any, **kwargs: Any) -> Notification:
    defaults: dict[str, Any] = {
        "category": Category.MENTION,
        "title": gettext_lazy("%(name)s mentioned you"),
        "params": {"name": "Anna B."},
        "body": "Kommst du morgen?",
    }
    with capture(execute=True):
        return notify(**{**defaults, **kwargs})


def _run_again(delivery_row: Delivery) -> str:
    """The retry's turn: its back-off is over."""
    Delivery.objects.filter(pk=delivery_row.pk).update(due_at=timezone.now())
    return str(tasks.deliver_push(delivery_row.pk))


def test_a_push_round_trips_encrypted_signed_and_in_the_recipients_language(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given: an English resident with a subscribed browser
    user = UserFactory(language=Language.ENGLISH)
    device = subscribe(user)
    # when
    notification = _notify(django_capture_on_commit_callbacks, user=user)
    # then: the fake decrypted it with the device's key and checked the VAPID JWT
    assert push_service.rejected == []
    (payload,) = push_service.payloads(device)
    assert payload == {
        "id": notification.pk,
        "category": "mention",
        "title": "Anna B. mentioned you",
        "body": "Kommst du morgen?",
        "link_type": "",
        "link_id": None,
        "village_id": None,
        "created_at": notification.created_at.isoformat(),
    }
    (received,) = push_service.received
    assert received.headers["ttl"] == str(2 * 24 * 60 * 60)
    assert received.headers["urgency"] == "normal"
    assert "topic" not in received.headers
    assert received.claims["sub"] == "mailto:admin@localhost"
    assert Delivery.objects.get().state == DeliveryState.SENT
    subscription = subscription_of(device)
    assert subscription is not None
    assert subscription.last_success_at is not None


def test_every_device_of_a_user_gets_it_once_and_a_410_in_the_middle_stops_nothing(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given: three people, the second one's browser unsubscribed (410) and a 404
    people = UserFactory.create_batch(3)
    devices = [subscribe(person) for person in people]
    phone = subscribe(people[0])
    push_service.script(devices[1], 410)
    push_service.script(phone, 404)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(recipients=people, category=Category.VILLAGE, title="Wasser abgestellt")
    # then: the others got it; the dead subscriptions are gone at once
    assert [len(push_service.payloads(d)) for d in devices] == [1, 0, 1]
    assert subscription_of(devices[1]) is None
    assert subscription_of(phone) is None
    assert subscription_of(devices[0]) is not None
    assert Notification.objects.count() == 3  # the feed keeps every entry


def test_a_413_shortens_the_body_and_tries_once_more(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given
    user = UserFactory()
    device = subscribe(user)
    push_service.script(device, 413)
    # when
    _notify(django_capture_on_commit_callbacks, user=user, body="Lang " * 150)
    # then
    (payload,) = push_service.payloads(device)
    assert len(payload["body"]) == delivery.SHORT_BODY_CHARS
    assert push_service.answered[device.device_id] == [413, 201]
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_a_payload_never_exceeds_4_kb() -> None:
    notification = Notification(pk=1, category="village", title="T" * 200, body="ä" * 1000)
    notification.created_at = timezone.now()
    assert len(delivery.push_payload(notification)) <= delivery.MAX_PAYLOAD_BYTES < 3993


def test_429_and_5xx_back_off_honouring_retry_after_and_stop_after_five_tries(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given: the push service is overloaded, then broken
    user = UserFactory()
    device = subscribe(user)
    push_service.script(device, (429, {"Retry-After": "120"}), 500, 503, 502, 500)
    # when: the first try
    before = timezone.now()
    _notify(django_capture_on_commit_callbacks, user=user)
    # then: waiting as long as the service asked
    row = Delivery.objects.get()
    assert (row.state, row.tries, row.last_status) == (DeliveryState.PENDING, 1, 429)
    assert timedelta(seconds=119) < row.due_at - before < timedelta(seconds=125)
    # and: a duplicate task before the time is up sends nothing
    assert tasks.deliver_push(row.pk) == "skipped"
    # when: the next four tries fail too
    outcomes = [_run_again(row) for _ in range(4)]
    # then: at most five tries in all, nothing delivered, the subscription kept
    assert outcomes == ["pending", "pending", "pending", "failed"]
    row.refresh_from_db()
    assert (row.state, row.tries, row.last_status) == (DeliveryState.FAILED, 5, 500)
    assert push_service.answered[device.device_id] == [429, 500, 503, 502, 500]
    assert _run_again(row) == "skipped"
    assert subscription_of(device) is not None
    assert Notification.objects.count() == 1


def test_a_retry_after_a_5xx_delivers_once(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given
    user = UserFactory()
    device = subscribe(user)
    push_service.script(device, 503)
    _notify(django_capture_on_commit_callbacks, user=user)
    row = Delivery.objects.get()
    # when: the retry runs, and a duplicate of it as well
    assert _run_again(row) == "sent"
    assert _run_again(row) == "skipped"
    # then
    assert len(push_service.payloads(device)) == 1
    assert push_service.answered[device.device_id] == [503, 201]


def test_retry_after_as_an_http_date_is_understood() -> None:
    now = timezone.now()
    later = now + timedelta(seconds=90)
    header = later.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 88 <= (delivery.retry_after_seconds(header, now=now) or 0) <= 90
    assert delivery.retry_after_seconds("30") == 30
    assert delivery.retry_after_seconds("bald") is None


def test_urgency_topic_and_ttl_follow_the_notification(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given: a severe warning valid for two hours, replacing an older one by topic
    user = UserFactory()
    subscribe(user, quiet_hours_off=False)
    # when (at any hour: severe warnings ignore quiet hours)
    _notify(
        django_capture_on_commit_callbacks,
        user=user,
        category=Category.VILLAGE,
        title="Unwetterwarnung",
        params=None,
        urgency=Urgency.HIGH,
        topic="warning-17",
        expires_at=timezone.now() + timedelta(hours=2),
    )
    # then
    (received,) = push_service.received
    assert received.headers["urgency"] == "high"
    assert received.headers["topic"] == "warning-17"
    assert 7190 <= int(received.headers["ttl"]) <= 7200


def test_a_topic_outside_the_base64url_alphabet_is_hashed_to_32_characters() -> None:
    topic = delivery.push_topic("Müll: Papier am 3.4.")
    assert len(topic) == 32
    assert set(topic) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert delivery.push_topic("waste-17") == "waste-17"


def test_a_duplicated_task_never_pushes_twice(
    push_service, subscribe, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: the deliveries are planned but their tasks not yet run
    user = UserFactory()
    device = subscribe(user)
    monkeypatch.setattr(tasks, "_enqueue", lambda due: len(due))
    _notify(django_capture_on_commit_callbacks, user=user)
    row = Delivery.objects.get()
    # when: the broker hands the task out twice (and the planner runs twice)
    tasks.dispatch([row.notification_id])
    outcomes = [tasks.deliver_push(row.pk), tasks.deliver_push(row.pk)]
    # then
    assert outcomes == ["sent", "skipped"]
    assert len(push_service.payloads(device)) == 1
    assert Delivery.objects.count() == 1


def test_a_send_interrupted_by_a_crash_is_not_repeated(
    push_service, subscribe, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: a worker claimed the delivery and died mid-request
    user = UserFactory()
    subscribe(user)
    monkeypatch.setattr(tasks, "_enqueue", lambda due: len(due))
    _notify(django_capture_on_commit_callbacks, user=user)
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now() - timedelta(minutes=11)
    )
    # when: the sweeper runs and the redelivered task too
    due = delivery.deliveries_due()
    # then: at most once - the push may have gone out, so it is not sent again
    assert due == []
    assert tasks.deliver_push(row.pk) == "skipped"
    row.refresh_from_db()
    assert (row.state, row.last_error) == (DeliveryState.FAILED, "interrupted")


def test_an_unreachable_push_service_loses_nothing_and_is_retried(
    push_service, subscribe, django_capture_on_commit_callbacks
) -> None:
    # given: a subscription whose push service is down (nothing listens on the port)
    user = UserFactory()
    device = subscribe(user)
    push_service.stop()
    # when
    notification = _notify(django_capture_on_commit_callbacks, user=user)
    # then: the feed entry is there, the push waits for its retry
    assert Notification.objects.get() == notification
    row = Delivery.objects.get()
    assert (row.state, row.tries, row.last_error) == (DeliveryState.PENDING, 1, "ConnectionError")
    assert subscription_of(device) is not None


def test_a_broken_broker_never_undoes_the_action(
    member, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: handing work to the background fails
    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.dispatch, "delay", broken)
    # when: the notifying action commits
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=member.user, category=Category.VILLAGE, title="Fest")
    # then: no error reached the caller, the notification is stored
    assert Notification.objects.get() == notification


def test_a_public_name_that_resolves_to_a_private_address_is_never_called(
    push_service, subscribe, settings, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    # given: a stored subscription whose host now points into our network (DNS rebinding)
    user = UserFactory()
    device = subscribe(user)
    PushSubscription.objects.filter(endpoint=device.endpoint).update(
        endpoint="https://push.rebind.example.net/abc"
    )
    settings.DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS = False
    monkeypatch.setattr(
        "dorf.notifications.endpoints.socket.getaddrinfo",
        lambda *a, **k: [(2, 1, 6, "", ("10.0.0.5", 443))],
    )
    # when
    _notify(django_capture_on_commit_callbacks, user=user)
    # then
    assert push_service.received == []
    assert not PushSubscription.objects.exists()


def test_the_cleanup_deletes_subscriptions_not_refreshed_for_90_days(
    push_service, subscribe
) -> None:
    # given
    user = UserFactory()
    stale, fresh = subscribe(user), subscribe(user)
    PushSubscription.objects.filter(endpoint=stale.endpoint).update(
        refreshed_at=timezone.now() - timedelta(days=91)
    )
    # when
    tasks.cleanup()
    # then
    assert subscription_of(stale) is None
    assert subscription_of(fresh) is not None


def test_without_a_vapid_key_nothing_is_pushed(
    push_service, subscribe, settings, django_capture_on_commit_callbacks
) -> None:
    user = UserFactory()
    subscribe(user)
    settings.DORF_VAPID_PRIVATE_KEY = ""
    _notify(django_capture_on_commit_callbacks, user=user)
    assert not Delivery.objects.exists()
    assert push_service.received == []


def test_a_batch_sends_each_push_once_and_handles_each_answer_on_its_own(
    push_service, subscribe, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # given: four residents; one device was revoked (410), one push service is busy (429)
    users = UserFactory.create_batch(4)
    devices = [subscribe(user) for user in users]
    push_service.script(devices[1], 410)
    push_service.script(devices[2], (429, {"Retry-After": "120"}))
    monkeypatch.setattr(tasks, "_enqueue", lambda due: len(due))
    with django_capture_on_commit_callbacks(execute=True):
        notify_many(recipients=users, category=Category.VILLAGE, title="Wasserrohrbruch")
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    # when: the batch task runs, and the broker hands it out a second time
    first = tasks.deliver_push_batch(ids)
    second = tasks.deliver_push_batch(ids)
    # then: two sent, one subscription gone, one waiting for its Retry-After; nothing twice
    assert first == {"sent": 2, "gone": 1, "pending": 1}
    assert second == {}
    assert [len(push_service.payloads(device)) for device in devices] == [1, 0, 0, 1]
    assert not PushSubscription.objects.filter(user=users[1]).exists()
    waiting = Delivery.objects.get(subscription__user=users[2])
    assert waiting.state == DeliveryState.PENDING
    assert waiting.due_at > timezone.now() + timedelta(seconds=100)
    sent = Delivery.objects.filter(state=DeliveryState.SENT)
    assert sent.count() == 2
    assert set(sent.values_list("last_status", flat=True)) == {201}
    assert PushSubscription.objects.exclude(last_success_at=None).count() == 2


def test_a_fan_out_is_handed_to_the_workers_in_batches(monkeypatch) -> None:
    # given: 120 pushes and 3 mails due
    batches: list[list[int]] = []
    mails: list[list[int]] = []
    monkeypatch.setattr(delivery, "deliveries_mark_enqueued", lambda delivery_ids: None)
    monkeypatch.setattr(tasks.deliver_push_batch, "delay", batches.append)
    monkeypatch.setattr(tasks.deliver_email_batch, "delay", mails.append)
    due = [(pk, "push") for pk in range(1, 121)] + [(pk, "email") for pk in range(200, 253)]
    # when
    assert tasks._enqueue(due) == 173
    # then: 50 + 50 + 20 pushes, 50 + 3 mails
    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert sorted(pk for batch in batches for pk in batch) == list(range(1, 121))
    assert mails == [list(range(200, 250)), [250, 251, 252]]
