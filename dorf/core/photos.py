"""Photo uploads: checked and re-encoded with Pillow before anything is stored.

Shared by every app that takes photos (marketplace postings, news, problem reports,
proposals, the Fundbüro's finds).

Re-encoding (instead of storing the upload) does three jobs at once: it proves the file
is really an image of an accepted type, it bounds the size (long edge at most
``PHOTO_MAX_EDGE``), and it drops EXIF, which often carries the GPS position of the
author's house.

Hostile files get a 400 (code ``invalid_image``), never a 500: pixel bombs (too many
pixels for their bytes), decompression bombs in PNG text or colour-profile chunks
(zTXt/iCCP, Pillow's "Decompressed data too large"), and polyglots: an image with
anything after its end marker (a ZIP, HTML or script appended to a valid picture).
"""

from __future__ import annotations

import io
import struct
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


_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after a baseline or progressive JPEG's EOI marker, walking segments."""
    pos = 2  # after SOI
    length = len(data)
    while pos + 2 <= length:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > length:
            return None
        segment = int.from_bytes(data[pos + 2 : pos + 4], "big")
        pos += 2 + segment
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            while pos + 1 < length:
                if data[pos] == 0xFF and data[pos + 1] not in (0x00, *range(0xD0, 0xD8)):
                    break
                pos += 1
    return None


def _image_end(data: bytes, image_format: str) -> int | None:
    if image_format == "PNG":
        index = data.find(_PNG_IEND)
        return None if index < 0 else index + len(_PNG_IEND)
    if image_format == "JPEG":
        return _jpeg_end(data)
    if image_format == "WEBP":
        riff_size = int.from_bytes(data[4:8], "little")
        return 8 + riff_size + (riff_size & 1)
    return None


def _has_trailing_data(data: bytes, image_format: str) -> bool:
    end = _image_end(data, image_format)
    if end is None:
        return True
    # Some cameras pad with zero bytes; anything else after the end is a second file.
    return bool(data[end:].strip(b"\x00"))


def photo_prepare(upload: IO[bytes], *, size: int, max_bytes: int | None = None) -> PreparedPhoto:
    """Validate an uploaded image and return a resized JPEG without metadata.
    ``max_bytes``: an app's own limit; the deployment's photo limit always applies."""
    limit = settings.DORF_MAX_PHOTO_BYTES
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    if size > limit:
        raise _invalid(_("The photo is too large."))
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _invalid(_("The photo is too large."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise _invalid(_("Only JPEG, PNG or WebP photos are accepted."))
            if probe.width * probe.height > MAX_PIXELS:
                raise _invalid(_("The photo has too many pixels."))
            image_format = probe.format
            probe.verify()
        if _has_trailing_data(data, image_format):
            raise _invalid(_("The file contains more than one image."))
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            gps = _gps_of(image)
            # Apply the camera's rotation before the EXIF that carries it is dropped.
            oriented = ImageOps.exif_transpose(image) or image
            rgb = oriented.convert("RGB")
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        SyntaxError,
        # zTXt/iCCP/iTXt chunks that inflate past Pillow's limit, broken EXIF, bad
        # struct sizes: all "not a readable image" for the uploader.
        ValueError,
        struct.error,
        EOFError,
    ) as exc:
        raise _invalid(_("This file is not a readable image.")) from exc
    rgb.thumbnail((PHOTO_MAX_EDGE, PHOTO_MAX_EDGE))
    out = io.BytesIO()
    # No exif= argument: the re-encoded file carries no metadata.
    rgb.save(out, format="JPEG", quality=85, optimize=True)
    return PreparedPhoto(
        ContentFile(out.getvalue(), name="photo.jpg"), rgb.width, rgb.height, gps=gps
    )
