"""Photo uploads (marketplace postings, news images): checked and re-encoded with Pillow
before anything is stored.

Shared by every app that takes photos (marketplace postings, problem reports).

Re-encoding (instead of storing the upload) does three jobs at once: it proves the file
is really an image of an accepted type, it bounds the size (long edge at most
``PHOTO_MAX_EDGE``), and it drops EXIF, which often carries the GPS position of the
author's house.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from dorf.core.exceptions import ValidationFailed

PHOTO_MAX_EDGE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Pixel bomb guard: a tiny file may decode to gigabytes.
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class PreparedPhoto:
    content: ContentFile[bytes]
    width: int
    height: int
    # The camera's GPS position (latitude, longitude) read before the EXIF is dropped;
    # a caller may offer it as a location, it is never stored with the photo.
    gps: tuple[float, float] | None = None


_GPS_IFD = 0x8825


def _degrees(value: Any) -> float:
    d, m, s = (float(part) for part in value)
    return d + m / 60 + s / 3600


def _gps_of(image: Image.Image) -> tuple[float, float] | None:
    try:
        gps = image.getexif().get_ifd(_GPS_IFD)
        lat, lon = _degrees(gps[2]), _degrees(gps[4])
        if gps.get(1) == "S":
            lat = -lat
        if gps.get(3) == "W":
            lon = -lon
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return (lat, lon)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(fields={"image": [message]}, code="invalid_image")


def photo_prepare(upload: IO[bytes], *, size: int) -> PreparedPhoto:
    """Validate an uploaded image and return a resized JPEG without metadata."""
    if size > settings.DORF_MAX_UPLOAD_BYTES:
        raise _invalid(_("The photo is too large."))
    try:
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise _invalid(_("Only JPEG, PNG or WebP photos are accepted."))
            if probe.width * probe.height > MAX_PIXELS:
                raise _invalid(_("The photo has too many pixels."))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            gps = _gps_of(image)
            # Apply the camera's rotation before the EXIF that carries it is dropped.
            oriented = ImageOps.exif_transpose(image) or image
            rgb = oriented.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise _invalid(_("This file is not a readable image.")) from exc
    rgb.thumbnail((PHOTO_MAX_EDGE, PHOTO_MAX_EDGE))
    out = io.BytesIO()
    # No exif= argument: the re-encoded file carries no metadata.
    rgb.save(out, format="JPEG", quality=85, optimize=True)
    return PreparedPhoto(
        ContentFile(out.getvalue(), name="photo.jpg"), rgb.width, rgb.height, gps=gps
    )
