"""A phone's full-size photo (up to 10 MiB) is accepted; one byte more is not; a multipart
body has room for a problem report's five of them."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from PIL import Image

from dorf.core.exceptions import ValidationFailed
from dorf.core.photos import photo_prepare

MIB = 1024 * 1024


def _big_jpeg(at_least: int) -> bytes:
    """A valid JPEG padded to ``at_least`` bytes with an application segment of noise
    (photos from phones carry large APPn segments too)."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, format="JPEG")
    data = out.getvalue()
    segments: list[bytes] = []
    size = len(data)
    while size < at_least:
        chunk = os.urandom(65_000)
        segments.append(b"\xff\xe9" + (len(chunk) + 2).to_bytes(2, "big") + chunk)
        size += len(segments[-1])
    return data[:2] + b"".join(segments) + data[2:]


def test_a_nine_mebibyte_photo_is_accepted_and_re_encoded() -> None:
    data = _big_jpeg(9 * MIB)
    prepared = photo_prepare(io.BytesIO(data), size=len(data))
    assert 0 < prepared.content.size < MIB


def test_a_photo_above_ten_mebibytes_is_refused_before_it_is_read() -> None:
    with pytest.raises(ValidationFailed):
        photo_prepare(io.BytesIO(b""), size=10 * MIB + 1)


def test_a_multipart_body_has_room_for_five_full_size_photos() -> None:
    assert settings.DORF_MAX_PHOTO_BYTES == 10 * MIB
    assert settings.DORF_MAX_UPLOAD_BYTES >= 5 * settings.DORF_MAX_PHOTO_BYTES
