from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from dorf.core.errors import error_body


class BodySizeLimitMiddleware:
    """Refuse oversized bodies (413) before anything reads them.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE only guards ``request.body``; DRF's parsers read
    the stream directly, so the limit is enforced here from Content-Length. Multipart
    uploads (photos) get the larger upload limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.DORF_MAX_UPLOAD_BYTES
            if content_type.startswith("multipart/form-data")
            else settings.DORF_MAX_BODY_BYTES
        )
        if length < 0 or length > limit:
            language = translation.get_language_from_request(request)
            with translation.override(language):
                if length < 0:
                    body = error_body(400, "bad_request", _("Invalid Content-Length header."))
                    return JsonResponse(body, status=400)
                message = _("The request body is too large (at most %(limit)d bytes).") % {
                    "limit": limit
                }
                return JsonResponse(error_body(413, "too_large", message), status=413)
        return self.get_response(request)
