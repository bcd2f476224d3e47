"""Uploaded files (photos, attachments), served only to whoever may see what they belong to.

``MEDIA_URL`` is answered by ``MediaView``, never by a plain file server: a file under
``<app label>/…`` is shown only when that app's ``can_view_media(user=…, name=…)`` (declared
as ``media_access`` in its ``DorfAppConfig``) says yes. Everyone else gets the same 404 as
for a file that does not exist, so nobody can probe another village's uploads.

Who sends the bytes is a setting:

- without ``DORF_MEDIA_ACCEL_PREFIX`` (``make run``, tests) Django streams the file from
  the storage;
- with it (production behind nginx) Django answers with an empty body and
  ``X-Accel-Redirect: <prefix>/<name>``; nginx serves the file from an ``internal``
  location that clients cannot request directly (README, "Production").
"""

from __future__ import annotations

import mimetypes
import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.registry import media_access_check

# Shown inline; anything else (an attachment) is offered as a download, so an uploaded
# HTML or SVG file can never run as a page of dorf's origin.
INLINE_TYPES = {"image/jpeg", "image/png", "image/webp"}


def _clean_name(name: str) -> str | None:
    """The storage name, or None for anything that tries to leave the media root."""
    normalised = posixpath.normpath(name)
    if normalised != name or name.startswith(("/", ".")) or "\\" in name or "\x00" in name:
        return None
    return name


def media_response(name: str) -> HttpResponseBase:
    """The file ``name`` (already authorised): streamed, or handed to the reverse proxy."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    accel_prefix = settings.DORF_MEDIA_ACCEL_PREFIX
    response: HttpResponseBase
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{quote(name)}"
    else:
        if not default_storage.exists(name):
            raise NotFound()
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    if content_type not in INLINE_TYPES:
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Private: a shared cache must not hand one member's photo to someone else.
    response["Cache-Control"] = "private, max-age=3600"
    return response


class MediaView(APIView):
    """An uploaded file, for the people allowed to see what it belongs to."""

    # Anonymous requests are checked like any other: some files are public on purpose
    # (the photo of a public problem report is in the Open311 feed, news images in RSS).
    permission_classes = [AllowAny]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # The success answer is the file itself; errors are always the JSON error shape,
        # whatever image type the client's Accept header asked for.
        return JSONRenderer(), "application/json"

    @extend_schema(
        operation_id="media_retrieve",
        summary="An uploaded photo or attachment",
        description=(
            "Photo and attachment URLs in API answers point here. Answers the file to "
            "whoever may see what it belongs to (village members for village content); "
            "anyone else gets 404, as for a file that does not exist."
        ),
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The file"),
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="An attachment of another type"
            ),
        },
        tags=["media"],
    )
    def get(self, request: Request, name: str) -> HttpResponseBase:
        clean = _clean_name(name)
        if clean is None:
            raise NotFound()
        check = media_access_check(clean.split("/", 1)[0])
        if check is None or not check(user=request.user, name=clean):
            raise NotFound()
        return media_response(clean)
