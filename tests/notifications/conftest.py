from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid

from dorf.notifications import services
from dorf.notifications.models import PushSubscription
from dorf.users.models import User
from tests.notifications.fake_push import Device, FakePushService, b64url


@pytest.fixture(scope="session")
def vapid_pair() -> tuple[str, str]:
    """A VAPID key pair: (private key as DORF_VAPID_PRIVATE_KEY wants it, public key)."""
    vapid = Vapid()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(private).rstrip(b"=").decode(), b64url(public)


@pytest.fixture
def push_service(settings: Any, vapid_pair: tuple[str, str]) -> Iterator[FakePushService]:
    """The fake push service on 127.0.0.1, and the server configured to push to it."""
    private, public = vapid_pair
    settings.DORF_VAPID_PRIVATE_KEY = private
    # The fake lives on 127.0.0.1 over http: only tests switch the SSRF guard off.
    settings.DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS = True
    service = FakePushService(server_public_key=public).start()
    yield service
    service.stop()


@pytest.fixture
def subscribe(push_service: FakePushService) -> Callable[[User], Device]:
    """A new device of ``user`` subscribed (at any hour: quiet hours off)."""

    def make(user: User, *, quiet_hours_off: bool = True) -> Device:
        device = push_service.device()
        services.push_subscription_save(
            user=user, endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth
        )
        if quiet_hours_off:
            services.preferences_set(user=user, quiet_hours={"enabled": False})
        return device

    return make


def subscription_of(device: Device) -> PushSubscription | None:
    return PushSubscription.objects.filter(endpoint=device.endpoint).first()
