"""The OpenAPI schema tells the truth: every operation lists the errors it can answer.

``AutoSchema`` (``DEFAULT_SCHEMA_CLASS``) adds the one error shape of
``dorf.core.errors`` to each operation for the statuses that apply to it:

- 400 when the operation takes a body or query parameters, or changes something;
- 401 when it authenticates (a bad or expired token is refused even where anonymous
  callers are welcome), 403 when its permissions apply;
- 404 when its path or body names an object, or it deletes one (another village's
  object is a 404 too);
- 409 when it changes something (a clash with the object's current state);
- 413 and 415 when it takes a body (too large; not JSON, or not multipart for an upload);
- 429 when it is throttled.

A view documents a further status with ``error_responses(...)`` in its ``responses``.
Lists get the envelope of ``dorf.core.pagination`` on GET only (never on a PUT that
answers an array).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

ERROR_DESCRIPTIONS = {
    400: "Invalid input (`fields` maps each field to its messages).",
    401: "Not signed in, or the token is invalid, revoked or expired.",
    403: "Not allowed.",
    404: "Not found (or in another village).",
    405: "Method not allowed.",
    409: "Conflicts with the object's current state.",
    413: "The body is too large (uploads have a larger limit).",
    415: "The body is not JSON (or, for an upload, not multipart/form-data).",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "A service the request needs is unavailable; try again later.",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorDetailSerializer(serializers.Serializer[Any]):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `not_found`.")
    message = serializers.CharField(help_text="In the request's language.")
    fields = serializers.DictField(  # type: ignore[assignment]  # the shape's key, not DRF's
        child=serializers.JSONField(),
        required=False,
        help_text="Validation errors only: field name → list of messages (nested for objects).",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """``{"error": {"status", "code", "message", "fields"?}}``: every 4xx and 5xx."""

    error = ErrorDetailSerializer()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """``responses={201: X, **error_responses(503)}`` for a status the rules above miss."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in statuses
    }


class AutoSchema(SpectacularAutoSchema):
    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(  # type: ignore[no-untyped-call]
            serializer, direction
        )
        # A serializer without a docstring of its own would be described by its base
        # class's (InputSerializer's, on every request body).
        if type(serializer).__doc__ is None:
            schema.pop("description", None)
        # drf-spectacular documents a blank-allowed e-mail or URL field as
        # `oneOf: [{format…}, {maxLength: 0}]`. Validators differ on whether "" has the
        # format, so it is `anyOf` (either will do), and the default "" sits beside it,
        # not inside the branch whose format may refuse it.
        for field_schema in schema.get("properties", {}).values():
            branches = field_schema.get("oneOf", [])
            if {"type": "string", "maxLength": 0} not in branches:
                continue
            field_schema["anyOf"] = field_schema.pop("oneOf")
            for branch in branches:
                if "default" in branch:
                    field_schema["default"] = branch.pop("default")
        return schema

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        # drf-spectacular documents any DELETE as 204 without a body; a view that names a
        # serializer for its DELETE answers 200 with it (``responses={204: None}`` for none).
        response = self.get_response_serializers()
        if self.method == "DELETE" and is_serializer(response):
            return {"200": self._get_response_for_code(response, "200", direction=direction)}  # type: ignore[no-untyped-call]
        return super()._get_response_bodies(direction)

    def _get_paginator(self) -> Any:
        if self.method != "GET":
            return None
        return super()._get_paginator()  # type: ignore[no-untyped-call]

    def _error_statuses(self, operation: dict[str, Any]) -> list[int]:
        parameters = operation.get("parameters", [])
        body = operation.get("requestBody")
        unsafe = self.method in UNSAFE_METHODS
        statuses: list[int] = []
        if body or unsafe or any(p["in"] == "query" for p in parameters):
            statuses.append(400)
        if self.view.get_authenticators():
            statuses.append(401)
        permissions = self.view.get_permissions()
        if any(not isinstance(permission, AllowAny) for permission in permissions):
            statuses.append(403)
        if body or self.method == "DELETE" or any(p["in"] == "path" for p in parameters):
            statuses.append(404)
        if unsafe:
            statuses.append(409)
        if body:
            statuses += [413, 415]
        if self.view.get_throttles():
            statuses.append(429)
        return statuses

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in self._error_statuses(operation):
            if str(status) in responses:
                continue
            response = self._get_response_for_code(  # type: ignore[no-untyped-call]
                ErrorSerializer, str(status)
            )
            response["description"] = ERROR_DESCRIPTIONS[status]
            responses[str(status)] = response
        operation["responses"] = dict(sorted(responses.items()))
        return operation


def text_response(media_type: str, description: str) -> dict[tuple[int, str], OpenApiResponse]:
    """A 200 that is a document, not JSON: ``responses=text_response("text/calendar", ...)``."""
    return {(200, media_type): OpenApiResponse(OpenApiTypes.STR, description=description)}


def binary_response(media_type: str, description: str) -> dict[tuple[int, str], OpenApiResponse]:
    """A 200 that is a file (a PDF)."""
    return {(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


ICALENDAR = text_response("text/calendar", "RFC 5545 iCalendar (VTIMEZONE included).")
