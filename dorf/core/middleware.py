from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework.response import Response

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


# The browser sites keep their HTML error pages.
HTML_SITES = ("/admin/", "/backoffice/")

ERROR_CODES = {
    400: ("bad_request", _lazy("Bad request.")),
    403: ("permission_denied", _lazy("You are not allowed to do this.")),
    404: ("not_found", _lazy("Not found.")),
    405: ("method_not_allowed", _lazy("Method not allowed.")),
    500: ("server_error", _lazy("Something went wrong on our side.")),
}


class JsonErrorPagesMiddleware:
    """Django's own HTML error pages become the API's JSON error shape.

    ``handler404``/``handler500`` only apply with DEBUG off; with DEBUG on (``make run``)
    Django answers an unknown URL or a crash with its English HTML debug page, and plain
    Django views answer a wrong method with an empty HTML 405. Outside the admin and the
    backoffice, every such HTML error answer is replaced here (the traceback is still
    logged). DRF's answers (the browsable API included) and documents (Open311's XML)
    are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or request.path.startswith(HTML_SITES)
            or isinstance(response, Response)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        status = response.status_code
        code, message = ERROR_CODES.get(status, ("error", _lazy("The request failed.")))
        with translation.override(translation.get_language_from_request(request)):
            json_response = JsonResponse(error_body(status, code, str(message)), status=status)
        if "Allow" in response:
            json_response["Allow"] = response["Allow"]
        return json_response
