"""One JSON error shape for every 4xx (and the rare 5xx):

    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {...}}}

``fields`` is present only for validation errors and maps a field name to its messages.
Messages follow the request's language (German default, English by Accept-Language).

The pages people read in a browser (the town hall's backoffice, the operators' admin) get
the same errors as a small HTML page with a way back instead (``html_error_page``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from dorf.core.exceptions import DomainError


def error_body(
    status: int, code: str, message: str, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def flatten_detail(detail: Any) -> Any:
    """DRF's ErrorDetail lists → plain strings (keeping nesting for nested serializers)."""
    if isinstance(detail, list):
        return [flatten_detail(item) for item in detail]
    if isinstance(detail, dict):
        return {str(key): flatten_detail(value) for key, value in detail.items()}
    return str(detail)


def _first_code(detail: Any, default: str) -> str:
    if isinstance(detail, list) and detail:
        return _first_code(detail[0], default)
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())), default)
    return str(getattr(detail, "code", None) or default)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        set_rollback()
        fields = flatten_detail(exc.fields) if exc.fields else None
        return Response(
            error_body(exc.status_code, exc.code, str(exc.message), fields),
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        exc = drf_exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, drf_exceptions.APIException):
        return response

    detail: Any = exc.detail
    if isinstance(exc, drf_exceptions.ValidationError):
        if isinstance(detail, dict):
            fields = flatten_detail(detail)
        else:
            fields = {"non_field_errors": flatten_detail(detail)}
        body = error_body(
            response.status_code, _first_code(detail, "invalid"), _("Invalid input."), fields
        )
    else:
        message = str(detail) if not isinstance(detail, list | dict) else _("Invalid input.")
        body = error_body(response.status_code, _first_code(detail, exc.default_code), message)
    response.data = body
    return response


# Paths of the browser pages, each the start page its error page links back to.
HTML_PAGE_PREFIXES = ("/backoffice/", "/admin/")


def html_error_page(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    """The error as an HTML page for a browser page's path; None for API and feed paths.

    Rendered without the request's context processors, so it also works where the
    database is what failed (500)."""
    home = next((p for p in HTML_PAGE_PREFIXES if request.path.startswith(p)), None)
    if home is None:
        return None
    titles = {
        400: _("Bad request"),
        403: _("Access denied"),
        404: _("Page not found"),
        500: _("Server error"),
    }
    page = render_to_string(
        "core/error_page.html",
        {
            "language": get_language() or "de",
            "title": titles.get(status, _("Error")),
            "message": message,
            "home": home,
            "home_label": _("Back to the start page"),
        },
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for URLs that match no route (or an object the requester may not see), in the
    API's error shape, or as a page on the browser pages."""
    message = _("Not found.")
    page = html_error_page(request, 404, _("This page does not exist or is not yours to see."))
    return page or JsonResponse(error_body(404, "not_found", message), status=404)


def json_server_error(request: HttpRequest) -> HttpResponse:
    message = _("Something went wrong on our side.")
    page = html_error_page(request, 500, message)
    return page or JsonResponse(error_body(500, "server_error", message), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = _("Bad request.")
    page = html_error_page(request, 400, message)
    return page or JsonResponse(error_body(400, "bad_request", message), status=400)


def json_permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    message = _("You are not allowed to do this.")
    page = html_error_page(request, 403, message)
    return page or JsonResponse(error_body(403, "permission_denied", message), status=403)
