"""Operations: one log line per request, the request id on every log line, error reporting
to Sentry, and the Prometheus metrics endpoint for the operator.

- ``RequestLogMiddleware`` writes one line per request on the ``dorf.request`` logger:
  request id, user id, village, method, route, status, duration. With
  ``DORF_LOG_FORMAT=json`` every log line is one JSON object (python-json-logger).
- The request id is the client's ``X-Request-ID`` when it looks like one, else a new one;
  it is answered in ``X-Request-ID`` and added to every log line written meanwhile.
- ``sentry_init`` is called by the settings when ``SENTRY_DSN`` is set.
- ``metrics`` answers django-prometheus' metrics, only with the ``DORF_METRICS_TOKEN``
  bearer token or to a signed-in operator (staff); everyone else gets 404.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase

request_logger = logging.getLogger("dorf.request")

_request_id: ContextVar[str] = ContextVar("dorf_request_id", default="-")
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RequestLogMiddleware:
    """One line per request; outermost, so the duration covers every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, duration_ms)
            return response
        finally:
            _request_id.reset(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, duration_ms: float) -> None:
        # DRF authenticates inside the view and sets the user on the Django request too.
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        match = request.resolver_match
        # The route, not the path: paths may carry secrets (calendar feed tokens).
        route = f"/{match.route}" if match is not None else request.path[:200]
        village = match.kwargs.get("slug") if match is not None else None
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            route,
            status,
            duration_ms,
            extra={
                "request_id": _request_id.get(),
                "user_id": user_id,
                "village": village,
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
            },
        )


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float, **extra: Any) -> None:
    """Error reporting: unhandled exceptions of requests and Celery tasks go to Sentry.
    No personal data: no user e-mails, addresses, cookies or request bodies."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No personal data: no user identity, cookies, bodies, query strings or the
        # values of local variables (they hold e-mails, addresses, tokens).
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "stack_frame_variables": False,
        },
        traces_sample_rate=traces_sample_rate,
        **extra,
    )


def _may_read_metrics(request: HttpRequest) -> bool:
    token = settings.DORF_METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(offered.encode(), token.encode()):
            return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, for the scraper (bearer token) or a signed-in operator."""
    if not _may_read_metrics(request):
        raise Http404()
    from django_prometheus.exports import ExportToDjangoView

    response: HttpResponse = ExportToDjangoView(request)
    response["Cache-Control"] = "no-store"
    return response
