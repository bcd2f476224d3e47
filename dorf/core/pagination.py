from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class IdCursorPagination(CursorPagination):
    """Newest first by id: stable under inserts, cheap on large tables.

    A cursor is opaque to clients, but it arrives from them: one that does not decode,
    or whose position does not fit the ordering field (``?cursor=cD14`` decodes to
    ``p=x``), is a 400 with code ``invalid_cursor``, not a database error.
    """

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_cursor_message = _("Invalid cursor.")  # type: ignore[assignment]

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


class OldestFirstCursorPagination(IdCursorPagination):
    ordering = "id"
