"""Push and e-mail: which deliveries a new notification needs, and sending each one.

``deliveries_plan`` runs once per batch of notifications (in the background, after the
action committed): it reads the recipients' channel choices, quiet hours and push
subscriptions with one query each and stores one ``Delivery`` row per (notification,
subscription) and per e-mail. ``push_send`` and ``email_send`` send one row; each first
flips the row from pending to sending with a guarded update, so a retried or duplicated
task never sends twice. Nothing here runs inside the action's transaction: a failing
push service or mail server never loses the in-app notification nor undoes the action.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import logging
import os
import re
import time as time_module
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import http_ece
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from py_vapid import Vapid

from dorf.notifications.categories import category_label, policy_of
from dorf.notifications.endpoints import resolved_address_kind
from dorf.notifications.models import (
    Delivery,
    DeliveryChannel,
    DeliveryState,
    Notification,
    NotificationPreference,
    PushSubscription,
    QuietHours,
    Urgency,
)
from dorf.notifications.quiet_hours import DEFAULT_ENDS, DEFAULT_STARTS, quiet_until
from dorf.users.models import User
from dorf.villages.models import Membership, MembershipState

logger = logging.getLogger(__name__)

MAX_TRIES = 5
# RFC 8291: one record of at most 4096 bytes; 3993 bytes of plaintext fit. Leave room.
MAX_PAYLOAD_BYTES = 3800
# After a 413 the body is cut to this and the push sent once more.
SHORT_BODY_CHARS = 120
BACKOFF_BASE_S = 10.0
MAX_RETRY_AFTER_S = 6 * 60 * 60
# A send still "sending" after this was interrupted (a worker died mid-request).
SENDING_LEASE = timedelta(minutes=10)
UNSUBSCRIBE_SALT = "dorf.notifications.unsubscribe"


@dataclass(frozen=True)
class Outcome:
    """What a send did; ``retry_in_s``: run the task again after this many seconds."""

    state: str
    retry_in_s: float | None = None


# --- planning ----------------------------------------------------------------------------


def push_configured() -> bool:
    return bool(settings.DORF_VAPID_PRIVATE_KEY)


def deliveries_plan(
    *, notification_ids: Sequence[int], now: datetime | None = None
) -> list[tuple[int, str]]:
    """Store the push and e-mail deliveries of these notifications; return those due now
    as (delivery id, channel).

    Idempotent: running it twice for the same notifications adds nothing.
    """
    now = now or timezone.now()
    notifications = list(
        Notification.objects.filter(pk__in=notification_ids).select_related("user", "village")
    )
    if not notifications:
        return []
    user_ids = {n.user_id for n in notifications}
    preferences = {
        (p.user_id, p.category): p
        for p in NotificationPreference.objects.filter(
            user_id__in=user_ids, category__in={n.category for n in notifications}
        )
    }
    quiet = {q.user_id: q for q in QuietHours.objects.filter(user_id__in=user_ids)}
    subscriptions: dict[int, list[int]] = defaultdict(list)
    if push_configured():
        for user_id, subscription_id in PushSubscription.objects.filter(
            user_id__in=user_ids
        ).values_list("user_id", "pk"):
            subscriptions[user_id].append(subscription_id)
    zones = _home_time_zones({n.user_id for n in notifications if n.village is None})

    rows: list[Delivery] = []
    for notification in notifications:
        user = notification.user
        if not user.is_active or user.erased_at is not None:
            continue
        policy = policy_of(notification.category)
        preference = preferences.get((user.pk, notification.category))
        wants_push = preference.push if preference else policy.push
        wants_email = (
            (preference.email if preference else policy.email)
            and user.email_confirmed_at is not None
            and bool(user.email)
        )
        if not (wants_push and subscriptions[user.pk]) and not wants_email:
            continue
        tz = ZoneInfo(
            notification.village.timezone
            if notification.village is not None
            else zones.get(user.pk, settings.TIME_ZONE)
        )
        due = _due_at(notification, quiet.get(user.pk), tz, now)
        if wants_push and (notification.expires_at is None or due < notification.expires_at):
            rows.extend(
                Delivery(
                    notification=notification,
                    channel=DeliveryChannel.PUSH,
                    subscription_id=subscription_id,
                    due_at=due,
                )
                for subscription_id in subscriptions[user.pk]
            )
        if wants_email:
            rows.append(
                Delivery(notification=notification, channel=DeliveryChannel.EMAIL, due_at=due)
            )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return list(
        Delivery.objects.filter(
            notification_id__in=notification_ids,
            state=DeliveryState.PENDING,
            due_at__lte=now,
            enqueued_at=None,
        )
        .order_by("id")
        .values_list("pk", "channel")
    )


def _home_time_zones(user_ids: set[int]) -> dict[int, str]:
    """For a notification about no village: the time zone of a village the user lives in."""
    if not user_ids:
        return {}
    return dict(
        Membership.objects.filter(user_id__in=user_ids, state=MembershipState.VERIFIED)
        .order_by("user_id", "-id")
        .values_list("user_id", "village__timezone")
    )


def _due_at(
    notification: Notification, quiet: QuietHours | None, tz: ZoneInfo, now: datetime
) -> datetime:
    """Now, or the end of the recipient's quiet hours; urgency HIGH (severe warnings only)
    never waits, nor does a notification at a time its recipient chose inside them."""
    if notification.urgency == Urgency.HIGH or notification.ignore_quiet_hours:
        return now
    if quiet is not None and not quiet.enabled:
        return now
    starts = quiet.starts if quiet else DEFAULT_STARTS
    ends = quiet.ends if quiet else DEFAULT_ENDS
    return quiet_until(now=now, starts=starts, ends=ends, tz=tz) or now


def deliveries_due(*, now: datetime | None = None, limit: int = 5000) -> list[tuple[int, str]]:
    """Pending deliveries whose time has come and that no task holds (the sweeper's list).

    Also closes sends interrupted by a crash: at most once, they are not repeated.
    """
    now = now or timezone.now()
    Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - SENDING_LEASE).update(
        state=DeliveryState.FAILED, last_error="interrupted"
    )
    stale_enqueue = now - SENDING_LEASE
    return list(
        Delivery.objects.filter(state=DeliveryState.PENDING, due_at__lte=now)
        .exclude(enqueued_at__gte=stale_enqueue)
        .order_by("due_at", "id")
        .values_list("pk", "channel")[:limit]
    )


def deliveries_mark_enqueued(*, delivery_ids: Sequence[int]) -> None:
    Delivery.objects.filter(pk__in=delivery_ids).update(enqueued_at=timezone.now())


def deliveries_delete_finished(*, older_than: timedelta = timedelta(days=30)) -> int:
    deleted, _details = Delivery.objects.filter(
        state__in=(DeliveryState.SENT, DeliveryState.FAILED),
        due_at__lt=timezone.now() - older_than,
    ).delete()
    return deleted


def _claim_many(delivery_ids: Sequence[int], channel: str) -> list[Delivery]:
    """Take these deliveries for this task run: those still pending and due, that no
    other run holds (SKIP LOCKED). One short transaction (one commit) for the whole batch,
    then one query loads them with everything a send needs."""
    now = timezone.now()
    with transaction.atomic():
        claimable = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                pk__in=delivery_ids,
                channel=channel,
                state=DeliveryState.PENDING,
                # a retry that comes a moment early (clock skew between workers) still counts
                due_at__lte=now + timedelta(seconds=2),
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not claimable:
            return []
        Delivery.objects.filter(pk__in=claimable).update(
            state=DeliveryState.SENDING, claimed_at=now, tries=F("tries") + 1
        )
    # A push needs the notification and the subscription; a mail also its recipient.
    related = (
        ("notification", "subscription")
        if channel == DeliveryChannel.PUSH
        else ("notification", "notification__user")
    )
    return list(Delivery.objects.select_related(*related).filter(pk__in=claimable).order_by("pk"))


def _claim(delivery_id: int, channel: str) -> Delivery | None:
    """Take the delivery for this task run, or ``None`` if another run has or had it."""
    claimed = _claim_many([delivery_id], channel)
    return claimed[0] if claimed else None


def _finish(
    delivery: Delivery, state: str, *, status: int | None = None, error: str = ""
) -> Outcome:
    Delivery.objects.filter(pk=delivery.pk).update(
        state=state,
        sent_at=timezone.now() if state == DeliveryState.SENT else None,
        last_status=status,
        last_error=error[:200],
    )
    return Outcome(state=state)


def _retry_or_fail(
    delivery: Delivery, *, status: int | None, error: str, retry_after_s: float | None = None
) -> Outcome:
    """Back off (honouring Retry-After) and try again, at most MAX_TRIES tries in all."""
    if delivery.tries >= MAX_TRIES:
        return _finish(delivery, DeliveryState.FAILED, status=status, error=error)
    delay = (
        retry_after_s if retry_after_s is not None else BACKOFF_BASE_S * 2 ** (delivery.tries - 1)
    )
    delay = min(max(delay, 0.0), MAX_RETRY_AFTER_S)
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING,
        due_at=now + timedelta(seconds=delay),
        enqueued_at=now,
        last_status=status,
        last_error=error[:200],
    )
    return Outcome(state=DeliveryState.PENDING, retry_in_s=delay)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """RFC 9110 Retry-After: delay-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or timezone.now())).total_seconds())


# --- Web Push ----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _vapid_for(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def _vapid() -> Vapid:
    return _vapid_for(settings.DORF_VAPID_PRIVATE_KEY)


def vapid_public_key() -> str | None:
    """The application server key for ``PushManager.subscribe`` (base64url, X9.62 point)."""
    if not push_configured():
        return None
    raw = _vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_VAPID_LIFETIME_S = 12 * 60 * 60
_vapid_headers: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
_pools: dict[int, urllib3.PoolManager] = {}


def vapid_headers(endpoint: str) -> dict[str, str]:
    """The VAPID Authorization header for the endpoint's push service.

    Signed once per push service and reused for most of its 12-hour lifetime: an ECDSA
    signature per push would cost more than the encryption.
    """
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time_module.time()
    key = (settings.DORF_VAPID_PRIVATE_KEY, audience)
    cached = _vapid_headers.get(key)
    if cached is not None and cached[0] - now > 60 * 60:
        return cached[1]
    expires = now + _VAPID_LIFETIME_S
    headers = _vapid().sign(
        {"aud": audience, "exp": int(expires), "sub": settings.DORF_VAPID_SUBJECT}
    )
    _vapid_headers[key] = (expires, headers)
    return dict(headers)


def _pool() -> urllib3.PoolManager:
    """The process's HTTP connection pool: keep-alive connections to each push service,
    shared by the process's threads. Plain urllib3: requests cost twice its CPU per push
    (it reads the proxy settings from the environment on every request). No retries and
    no redirects: a push is not sent twice, and never to where a push service points."""
    pid = os.getpid()  # a pool inherited over fork would share the parent's sockets
    pool = _pools.get(pid)
    if pool is None:
        pool = _pools[pid] = urllib3.PoolManager(num_pools=32, maxsize=8, retries=False)
    return pool


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt_payload(subscription: PushSubscription, payload: bytes) -> bytes:
    """The aes128gcm body (RFC 8188) of one push to one subscription (RFC 8291).

    A new ephemeral ECDH key pair and a random salt for every message, as RFC 8291
    requires: nothing of one message's encryption is reused for another. What is reused
    is everything around it: the VAPID signature, the connection.
    """
    return bytes(
        http_ece.encrypt(
            payload,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            dh=_b64url_decode(subscription.p256dh),
            auth_secret=_b64url_decode(subscription.auth),
            version="aes128gcm",
        )
    )


_TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def push_topic(topic: str) -> str:
    """RFC 8030 Topic: at most 32 characters of the base64url alphabet."""
    if not topic or _TOPIC.match(topic):
        return topic
    return base64.urlsafe_b64encode(hashlib.sha256(topic.encode()).digest())[:32].decode()


def push_payload(notification: Notification, *, body_chars: int | None = None) -> bytes:
    """The JSON the service worker shows, at most MAX_PAYLOAD_BYTES."""
    body = notification.body if body_chars is None else notification.body[:body_chars]
    data: dict[str, Any] = {
        "id": notification.pk,
        "category": notification.category,
        "title": notification.title,
        "body": body,
        "link_type": notification.link_type,
        "link_id": notification.link_id,
        "village_id": notification.village_id,
        "created_at": notification.created_at.isoformat(),
    }
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > MAX_PAYLOAD_BYTES and data["body"]:
        data["body"] = data["body"][: len(data["body"]) // 2]
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def push_ttl_s(notification: Notification, now: datetime) -> int:
    if notification.expires_at is not None:
        return max(0, int((notification.expires_at - now).total_seconds()))
    return policy_of(notification.category).ttl_s


@dataclass(frozen=True)
class _Answer:
    """What a push service answered."""

    status: int
    text: str
    retry_after: str | None


def _post(
    subscription: PushSubscription, payload: bytes, headers: dict[str, str], ttl: int
) -> _Answer:
    response = _pool().request(
        "POST",
        subscription.endpoint,
        body=encrypt_payload(subscription, payload),
        headers={
            **headers,
            **vapid_headers(subscription.endpoint),
            "TTL": str(ttl),
            "Content-Encoding": "aes128gcm",
        },
        timeout=settings.DORF_PUSH_TIMEOUT_S,
        retries=False,
    )
    return _Answer(
        status=response.status,
        text=response.data[:200].decode("utf-8", "replace"),
        retry_after=response.headers.get("Retry-After"),
    )


def _transport_error(exc: urllib3.exceptions.HTTPError) -> str:
    # urllib3 derives a refused connection (NewConnectionError) from a connect timeout.
    if isinstance(exc, urllib3.exceptions.NewConnectionError) or not isinstance(
        exc, urllib3.exceptions.TimeoutError
    ):
        return "ConnectionError"
    return "Timeout"


@dataclass
class _Sent:
    """Successful pushes of a batch, written together (one commit instead of one each)."""

    ids_by_status: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    subscriptions_alive: set[int] = field(default_factory=set)

    def write(self, now: datetime) -> None:
        for status, ids in self.ids_by_status.items():
            Delivery.objects.filter(pk__in=ids).update(
                state=DeliveryState.SENT, sent_at=now, last_status=status, last_error=""
            )
        if self.subscriptions_alive:
            PushSubscription.objects.filter(pk__in=self.subscriptions_alive).update(
                last_success_at=now
            )


def push_send(*, delivery_id: int) -> Outcome:
    """Send one push delivery (at most once); see ``push_send_batch``."""
    outcomes = push_send_batch(delivery_ids=[delivery_id])
    return outcomes.get(delivery_id, Outcome(state="skipped"))


def push_send_batch(*, delivery_ids: Sequence[int]) -> dict[int, Outcome]:
    """Send these push deliveries (each at most once), handling each push service's answer;
    returns the outcome of every delivery this run claimed.

    201: sent. 404/410: the subscription is gone, deleted at once (with its pending
    deliveries). 413: the body is shortened and sent once more. 429/5xx or no answer:
    back off honouring Retry-After, at most MAX_TRIES tries.

    A batch costs one commit to claim and one to record its successes, whatever its size:
    with a commit per push the database's fsyncs, not the encryption, set the pace of a
    village-wide fan-out. Each endpoint's host is resolved and checked once per batch,
    right before its sends.
    """
    claimed = _claim_many(delivery_ids, DeliveryChannel.PUSH)
    outcomes: dict[int, Outcome] = {}
    sent = _Sent()
    address_kinds: dict[str, str] = {}
    for delivery in claimed:
        outcomes[delivery.pk] = _push_claimed(delivery, sent, address_kinds)
    sent.write(timezone.now())
    return outcomes


def _push_claimed(delivery: Delivery, sent: _Sent, address_kinds: dict[str, str]) -> Outcome:
    subscription = delivery.subscription
    notification = delivery.notification
    assert subscription is not None
    now = timezone.now()
    ttl = push_ttl_s(notification, now)
    if notification.expires_at is not None and ttl <= 0:
        return _finish(delivery, DeliveryState.FAILED, error="expired")
    host = urlsplit(subscription.endpoint).netloc
    if host not in address_kinds:
        address_kinds[host] = resolved_address_kind(subscription.endpoint)
    kind = address_kinds[host]
    if kind == "private":
        logger.warning(
            "push endpoint of subscription %s resolves to a private address", subscription.pk
        )
        PushSubscription.objects.filter(pk=subscription.pk).delete()
        return Outcome(state="gone")
    if kind == "unresolved":
        return _retry_or_fail(delivery, status=None, error="host not resolved")
    headers = {"Urgency": notification.urgency or Urgency.NORMAL}
    topic = push_topic(notification.topic)
    if topic:
        headers["Topic"] = topic
    try:
        response = _post(subscription, push_payload(notification), headers, ttl)
        if response.status == 413:
            response = _post(
                subscription,
                push_payload(notification, body_chars=SHORT_BODY_CHARS),
                headers,
                ttl,
            )
    except urllib3.exceptions.HTTPError as exc:
        return _retry_or_fail(delivery, status=None, error=_transport_error(exc))
    status = response.status
    if status in (200, 201, 202):
        sent.ids_by_status[status].append(delivery.pk)
        last = subscription.last_success_at
        if last is None or now - last > timedelta(hours=1):  # not one write per push
            sent.subscriptions_alive.add(subscription.pk)
        return Outcome(state=DeliveryState.SENT)
    if status in (404, 410):
        # The subscription expired or was revoked: its pending deliveries go with it.
        PushSubscription.objects.filter(pk=subscription.pk).delete()
        return Outcome(state="gone")
    if status == 429 or status >= 500:
        return _retry_or_fail(
            delivery,
            status=status,
            error=response.text[:200],
            retry_after_s=retry_after_seconds(response.retry_after),
        )
    return _finish(delivery, DeliveryState.FAILED, status=status, error=response.text[:200])


# --- e-mail ------------------------------------------------------------------------------


def unsubscribe_token(*, user_id: int, category: str) -> str:
    return signing.dumps({"u": user_id, "c": category}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"], str(data.get("c", ""))


def unsubscribe_url(*, user_id: int, category: str) -> str:
    token = unsubscribe_token(user_id=user_id, category=category)
    path = reverse("notifications:unsubscribe", kwargs={"token": token})
    return f"{settings.DORF_PUBLIC_URL}{path}"


def notification_email(notification: Notification) -> EmailMessage:
    """The mail of a notification, in its recipient's language, with one-click unsubscribe."""
    user: User = notification.user
    link = unsubscribe_url(user_id=user.pk, category=notification.category)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        category = category_label(notification.category)
        lines = [
            notification.title,
            "",
            notification.body,
            "",
            "-- ",
            _("You get this e-mail because e-mail is switched on for “%(category)s”.")
            % {"category": category},
            _("Switch these e-mails off: %(link)s") % {"link": link},
        ]
    return EmailMessage(
        subject=notification.title,
        body="\n".join(line for line in lines if line is not None),
        to=[user.email],
        headers={
            # RFC 2369 + RFC 8058: mail clients offer an unsubscribe button that POSTs.
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def email_send(*, delivery_id: int) -> Outcome:
    """Send one notification mail (at most once); see ``email_send_batch``."""
    outcomes = email_send_batch(delivery_ids=[delivery_id])
    return outcomes.get(delivery_id, Outcome(state="skipped"))


def email_send_batch(*, delivery_ids: Sequence[int]) -> dict[int, Outcome]:
    """Send these notification mails (each at most once) over one connection to the mail
    server; a mail the server does not take is retried with backoff. Returns the outcome
    of every delivery this run claimed.

    Like a push batch: one commit to claim, one to record the successes; with a task, a
    claim and a connection per mail, a village's reminders cost ten times the CPU.
    """
    claimed = _claim_many(delivery_ids, DeliveryChannel.EMAIL)
    outcomes: dict[int, Outcome] = {}
    if not claimed:
        return outcomes
    sent: list[int] = []
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # smtplib and socket errors alike: the mail server's problem
        logger.warning("the mail server cannot be reached: %s", exc)
        return {d.pk: _retry_or_fail(d, status=None, error=type(exc).__name__) for d in claimed}
    try:
        for delivery in claimed:
            message = notification_email(delivery.notification)
            message.connection = connection
            try:
                message.send(fail_silently=False)
            except Exception as exc:  # as above
                logger.warning("notification mail %s failed: %s", delivery.pk, exc)
                outcomes[delivery.pk] = _retry_or_fail(
                    delivery, status=None, error=type(exc).__name__
                )
                continue
            sent.append(delivery.pk)
            outcomes[delivery.pk] = Outcome(state=DeliveryState.SENT)
    finally:
        connection.close()
    Delivery.objects.filter(pk__in=sent).update(
        state=DeliveryState.SENT, sent_at=timezone.now(), last_status=None, last_error=""
    )
    return outcomes
