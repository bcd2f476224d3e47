"""One way to page a list: ``paginate(view, request, queryset, SerializerClass)``.

Every list of the API answers the same envelope, ``{"next", "previous", "results"}``
(``next``/``previous`` are full URLs or null), with two query parameters: ``cursor``
(opaque, taken from ``next``/``previous``) and ``page_size`` (1 to 100, default 25).

A list view names its paginator in ``pagination_class`` and documents its response as
``Serializer(many=True)``: the schema (``dorf.core.schema.AutoSchema``) then shows the
envelope and both parameters, and ``paginate`` answers with exactly that paginator, so
the documentation and the answer cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib import parse

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from dorf.core.sql import CompiledQuery

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _envelope_schema(results: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    link = {"type": ["string", "null"], "format": "uri"}
    return {
        "type": "object",
        "required": ["next", "previous", "results", *extra],
        "properties": {"next": link, "previous": link, "results": results, **extra},
    }


def _parameters(page_size: int, max_page_size: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "cursor",
            "required": False,
            "in": "query",
            "description": "Opaque position from the `next` or `previous` link.",
            "schema": {"type": "string"},
        },
        {
            "name": "page_size",
            "required": False,
            "in": "query",
            "description": f"Items per page (default {page_size}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": max_page_size},
        },
    ]


class IdCursorPagination(CursorPagination):
    """Newest first by id: stable under inserts, cheap on large tables.

    A cursor is opaque to clients, but it arrives from them: one that does not decode,
    or whose position does not fit the ordering field (``?cursor=cD14`` decodes to
    ``p=x``), is a 400 with code ``invalid_cursor``, not a database error.

    ``extra_schema`` documents top-level fields a view adds next to the envelope's
    (through ``paginate(..., extra=...)``).
    """

    ordering: Any = "-id"
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = _("Invalid cursor.")  # type: ignore[assignment]
    extra_schema: Mapping[str, Any] = {}

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def _invalid(self) -> ValidationError:
        return ValidationError(
            {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
        )

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid() from None
        if cursor is None or cursor.position is None:
            return cursor
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        name = ordering.lstrip("-")
        model = getattr(self, "_model", None)
        if model is None:
            return cursor
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            field.to_python(cursor.position)
        except FieldDoesNotExist:
            return cursor
        except (DjangoValidationError, ValueError, TypeError):
            raise self._invalid() from None
        return cursor

    def get_page_size(self, request: Request) -> int:
        return _page_size(request, self.page_size, self.max_page_size)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _envelope_schema(schema, self.extra_schema)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return _parameters(self.page_size, self.max_page_size)


class CompiledRows:
    """What the cursor paginators ask of a QuerySet, answered by a ``CompiledQuery``.

    ``IdCursorPagination.paginate_queryset`` orders, filters by the cursor's position and
    slices the QuerySet it gets; given this instead, those three become the compiled
    query's shape and parameters, so a page costs one prepared query and no ORM
    compilation, with the paginator's own links and checks unchanged. The compiled
    query's build function takes the query's own ``values`` plus the keywords of
    ``page_slice``: ``ordering`` (a tuple), ``before`` and ``after`` (the position,
    declared with the ordering field's type) and ``start``/``stop``.
    """

    def __init__(self, compiled: CompiledQuery, model: type[Model], **values: Any) -> None:
        self.compiled = compiled
        self.model = model
        self.values = values
        self.ordering: tuple[str, ...] = ()
        self.position: dict[str, Any] = {"before": None, "after": None}

    def order_by(self, *ordering: str) -> CompiledRows:
        page = self._copy()
        page.ordering = ordering
        return page

    def filter(self, **lookup: Any) -> CompiledRows:
        ((key, value),) = lookup.items()
        name, _sep, operator = key.rpartition("__")
        if operator not in ("lt", "gt"):  # what the cursor paginators ask, nothing else
            raise TypeError(f"CompiledRows filters by a cursor position only, not {key}")
        field: Any = self.model._meta.pk if name == "pk" else self.model._meta.get_field(name)
        page = self._copy()
        page.position = {"before": None, "after": None}
        page.position["before" if operator == "lt" else "after"] = field.to_python(value)
        return page

    def __getitem__(self, bounds: slice) -> list[dict[str, Any]]:
        return self.compiled.rows(
            **self.values,
            **self.position,
            ordering=self.ordering,
            start=bounds.start or 0,
            stop=bounds.stop,
        )

    def _copy(self) -> CompiledRows:
        page = CompiledRows(self.compiled, self.model, **self.values)
        page.ordering, page.position = self.ordering, dict(self.position)
        return page


def page_slice(
    queryset: QuerySet[Any, Any],
    *,
    ordering: tuple[str, ...],
    before: Any,
    after: Any,
    start: int,
    stop: int | None,
) -> QuerySet[Any, Any]:
    """``queryset`` ordered, from the cursor's position, sliced: the page a build function
    of a ``CompiledQuery`` fed through ``CompiledRows`` returns."""
    key = ordering[0].lstrip("-")
    queryset = queryset.order_by(*ordering)
    if before is not None:
        queryset = queryset.filter(**{f"{key}__lt": before})
    if after is not None:
        queryset = queryset.filter(**{f"{key}__gt": after})
    return queryset[start:stop]


class OldestFirstCursorPagination(IdCursorPagination):
    ordering = "id"


class OffsetCursorPagination(BasePagination):
    """For orderings no cursor can follow (a computed distance): the opaque cursor holds
    an offset. One row more than the page is fetched to know whether there is a next
    page, so there is no COUNT query. Same envelope and parameters as the others."""

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    invalid_cursor_message = IdCursorPagination.invalid_cursor_message
    extra_schema: Mapping[str, Any] = {}

    def _offset(self, request: Request) -> int:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return 0
        try:
            decoded = base64.b64decode(raw.encode("ascii"), validate=True).decode("ascii")
            offset = int(parse.parse_qs(decoded, strict_parsing=True)["o"][0])
        except (binascii.Error, UnicodeError, ValueError, KeyError, IndexError):
            offset = -1
        if not 0 <= offset <= 10**9:
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor"
            )
        return offset

    def _link(self, offset: int) -> str:
        url = self._request.build_absolute_uri()
        if offset <= 0:
            return remove_query_param(url, self.cursor_query_param)
        token = base64.b64encode(parse.urlencode({"o": offset}).encode("ascii")).decode("ascii")
        return replace_query_param(url, self.cursor_query_param, token)

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self._request = request
        self._size = _page_size(request, self.page_size, self.max_page_size)
        self._start = self._offset(request)
        rows = list(queryset[self._start : self._start + self._size + 1])
        self._has_next = len(rows) > self._size
        return rows[: self._size]

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self._start + self._size) if self._has_next else None,
                "previous": self._link(self._start - self._size) if self._start > 0 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _envelope_schema(schema, self.extra_schema)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return _parameters(self.page_size, self.max_page_size)


def _page_size(request: Request, default: int, maximum: int) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise ValidationError(
            {"page_size": [_("A whole number of at least 1 is required.")]}, code="invalid"
        )
    return min(size, maximum)


def paginate(
    view: Any,
    request: Request,
    queryset: Any,
    serializer_class: Any,
    *,
    context: dict[str, Any] | None = None,
    pagination_class: type[BasePagination] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """One page of ``queryset`` in the list envelope, serialized by ``serializer_class``.

    The paginator is the view's ``pagination_class`` (what the schema documents);
    ``pagination_class`` overrides it for one request (``?order=nearest``), and must
    document the same envelope. ``extra`` adds top-level fields that the paginator's
    ``extra_schema`` documents.
    """
    paginator_class = pagination_class or getattr(view, "pagination_class", None)
    if paginator_class is None:
        raise TypeError(f"{type(view).__name__} names no pagination_class")
    paginator = paginator_class()
    page: Any = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    response = paginator.get_paginated_response(data)
    if extra:
        response.data.update(extra)
    return response
