"""Handover PINs, derived instead of stored.

A parcel stores only a random salt. Its 6-digit PIN is an HMAC of that salt under the
server's SECRET_KEY: the recipient can be shown it whenever they ask, the volunteer's
entry is checked in constant time, and a leaked database alone reveals no PIN.
Rotating SECRET_KEY changes every open parcel's PIN (recipients see the new one).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare

PIN_DIGITS = 6


def new_pin_salt() -> str:
    return secrets.token_hex(16)


def pin_from_salt(salt: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"dorf-parcel-pin:{salt}".encode(), hashlib.sha256
    ).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**PIN_DIGITS).zfill(PIN_DIGITS)


def pin_matches(salt: str, entered: str) -> bool:
    return constant_time_compare(pin_from_salt(salt), entered.strip())


def qr_payload(parcel_id: int, pin: str) -> str:
    """What a recipient's app may render as a QR code for the volunteer to scan."""
    return f"dorf-parcel:{parcel_id}:{pin}"
