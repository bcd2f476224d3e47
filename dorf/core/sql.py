"""Hand-written SQL for the few queries every request runs, without the ORM's compilation.

The ORM builds and compiles a query anew on every call: for a one-row lookup by a unique
key that is about 0.35 ms of CPU against 0.1 ms for the same SQL through a cursor
(docs/benchmarks.md, "REST reads"). Paths that run on every request (token
authentication) or on every app start (the chat's room list) write their SQL once with
``Columns`` and keep the ORM's semantics for the values:

- the column list comes from the model's ``_meta`` (no column names typed twice);
- each value passes through the converters the ORM's compiler would apply (SQLite's
  timestamps become aware datetimes, PostgreSQL's need none), so ``instance()`` and
  ``values()`` give what a QuerySet gives;
- ``instance()`` builds the model with ``Model.from_db``: fields not selected are
  deferred and load on first access, like ``QuerySet.only()``.

Everything else reads through the ORM. This is for hot paths with a fixed shape only;
scoping rules stay in the selector that owns the query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


class Columns(Generic[M]):
    """Some columns of ``model`` under a table alias, for a hand-written SELECT."""

    def __init__(
        self,
        model: type[M],
        alias: str,
        *,
        only: Iterable[str] | None = None,
        exclude: Iterable[str] = (),
    ) -> None:
        self.model = model
        self.alias = alias
        wanted = None if only is None else set(only)
        skipped = set(exclude)
        self.fields: list[Field[Any, Any]] = [
            field
            for field in model._meta.concrete_fields
            if (wanted is None or field.attname in wanted or field.name in wanted)
            and field.attname not in skipped
            and field.name not in skipped
        ]
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    @property
    def table(self) -> str:
        """``"table" alias`` for the FROM or JOIN clause."""
        quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
        return f"{quote(self.model._meta.db_table)} {self.alias}"

    def select(self, using: str = DEFAULT_DB_ALIAS) -> str:
        """The comma-separated column list, in ``attnames`` order."""
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(field.column))}" for field in self.fields)

    def convert(self, values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        """The row's values as the ORM would give them (backend and field converters)."""
        converters = self._converters.get(using)
        if converters is None:
            converters = self._converters[using] = self._find_converters(using)
        row = list(values)
        if converters:
            connection = connections[using]
            for position, functions, expression in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
        return row

    def instance(self, values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> M:
        """A model instance from the row's values; unselected fields are deferred."""
        return self.model.from_db(using, self.attnames, self.convert(values, using))

    def values(self, values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
        """The row as ``{attname: value}``, like ``QuerySet.values()``."""
        return dict(zip(self.attnames, self.convert(values, using), strict=True))

    def _find_converters(self, using: str) -> list[tuple[int, list[Converter], Any]]:
        connection = connections[using]
        found = []
        for position, field in enumerate(self.fields):
            column = field.get_col(self.alias)
            functions = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection
            )
            if functions:
                found.append((position, functions, column))
        return found
