"""Print a new VAPID key pair for Web Push (RFC 8292), as environment variables."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Command(BaseCommand):
    help = "Print a new VAPID key pair: DORF_VAPID_PRIVATE_KEY and its public key."

    def handle(self, *args: Any, **options: Any) -> None:
        vapid = Vapid()
        vapid.generate_keys()
        private_raw = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
        public_raw = vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"DORF_VAPID_PRIVATE_KEY={_b64url(private_raw)}")
        self.stdout.write(
            f"# public key (GET /api/v1/push/vapid-public-key/ serves it): {_b64url(public_raw)}"
        )
        self.stdout.write(
            "# keep the private key secret; changing it invalidates every subscription"
        )
