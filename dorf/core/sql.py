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

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.query import ValuesIterable

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]
# (position in the row, the converter functions, the expression they are given)
_Converters = list[tuple[int, list[Converter], Any]]


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
        self._converters: dict[str, _Converters] = {}

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
        return _converted(values, converters, connections[using])

    def instance(self, values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> M:
        """A model instance from the row's values; unselected fields are deferred."""
        return self.model.from_db(using, self.attnames, self.convert(values, using))

    def values(self, values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
        """The row as ``{attname: value}``, like ``QuerySet.values()``."""
        return dict(zip(self.attnames, self.convert(values, using), strict=True))

    def _find_converters(self, using: str) -> _Converters:
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


def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """A cursor for a hot path's fixed SQL: on PostgreSQL one that binds on the server, so
    the statement is prepared once per connection (``dorf.core.database``); elsewhere the
    default cursor."""
    connection = connections[using]
    prepared = getattr(connection, "prepared_cursor", None)
    cursor: CursorWrapper = prepared() if prepared is not None else connection.cursor()
    return cursor


# --- Compiled queries -------------------------------------------------------------------


class ShapeNotCompilable(TypeError):
    """A parameter's value does not reach the SQL unchanged (the ORM transformed it)."""


_MISSING: Any = object()
_SENTINEL_BASE = 1_987_650_000
_SECOND_SEED = 1000


def _sentinel(kind: type[Any], number: int) -> Any:
    """A value of ``kind`` that no query of the product writes as a constant."""
    if kind is int:
        return _SENTINEL_BASE + number
    if kind is str:
        return f"\x1fdorf-parameter-{number}\x1f"
    if kind is float:
        return 12345.678901 + number * 0.37
    if kind is datetime:
        return datetime(1901, 2, 3, tzinfo=UTC) + timedelta(days=number, microseconds=number + 1)
    if kind is date:
        return date(1901, 2, 3) + timedelta(days=number)
    raise TypeError(f"compiled query parameters are int, str, float, date or datetime, not {kind}")


def _is(value: Any, kind: type[Any]) -> bool:
    """Whether ``value`` is a ``kind`` (not a bool for int, not a datetime for date)."""
    return type(value) is kind or (
        isinstance(value, kind)
        and not isinstance(value, bool)
        and not (kind is date and isinstance(value, datetime))
    )


def _contains(value: Any, sentinel: Any) -> bool:
    if isinstance(sentinel, str):
        return isinstance(value, str) and sentinel in value
    return type(value) is type(sentinel) and value == sentinel


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    # (parameter, element of a list parameter or None, places among the SQL's parameters)
    positions: tuple[tuple[str, int | None, tuple[int, ...]], ...]
    names: tuple[str, ...]
    converters: _Converters
    connection_alias: str
    empty: bool = False


class CompiledQuery:
    """An ORM ``values()`` query, built and compiled once per shape, run with new values.

    Building and compiling a QuerySet costs 0.3 to 1 ms of CPU per query on every request;
    the SQL it produces for the same shape is the same each time, only the parameter
    values differ. ``build`` is an ordinary function returning the ``values()`` QuerySet
    (sliced or not). Its keyword arguments named in ``params`` are the values that change
    from request to request (ids, a cursor position, a search term): the first call of a
    shape builds the query with a stand-in for each, compiles it, and records where each
    stand-in lands among the SQL's parameters. Later calls send the recorded SQL with the
    real values in those places, through ``prepared_cursor`` (on PostgreSQL, parsed and
    planned once per connection), and convert the rows as the QuerySet would.

    A parameter declared ``list`` is a list of ints (``id__in=...``): its length is part
    of the shape, each element a parameter.

    The shape is everything else: which parameters are None, and every other keyword
    argument (a filter that is set or not, an order, a page size), so those must be
    hashable and few. A parameter whose value the ORM transforms on its way into the SQL
    (``__icontains`` wraps it in %, SQLite writes datetimes as text) or from which the
    build derives another value (a cosine of a latitude) cannot be substituted: each
    shape is compiled with two sets of stand-ins, and one whose SQL or constants differ
    between the two runs through the ORM each time, with the same result. (A derived
    value belongs in the parameters: compute it before and pass it.)
    """

    MAX_SHAPES = 64

    def __init__(
        self,
        build: Callable[..., QuerySet[Any, Any]],
        *,
        params: Mapping[str, type[Any]],
    ) -> None:
        self.build = build
        self.params = dict(params)
        self._plans: dict[tuple[Any, ...], _Plan | None] = {}
        self._compiling = threading.Lock()

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> list[dict[str, Any]]:
        """The query's rows as ``values()`` dicts."""
        values = {name: kwargs.pop(name, None) for name in self.params}
        for name, value in values.items():
            kind = self.params[name]
            if value is None:
                continue
            if kind is list:
                if not isinstance(value, list) or not all(_is(item, int) for item in value):
                    raise TypeError(f"{name} must be a list of int")
            elif not _is(value, kind):
                raise TypeError(f"{name} must be {kind.__name__}, not {type(value).__name__}")
        key = (
            using,
            tuple(
                None if value is None else len(value) if isinstance(value, list) else True
                for value in values.values()
            ),
            tuple(sorted(kwargs.items())),
        )
        try:
            plan = self._plans[key]
        except KeyError:
            # Rare (a new shape): under a lock, so that threads of one process evicting
            # at once do not pop the same oldest shape.
            with self._compiling:
                plan = self._plans.get(key, _MISSING)
                if plan is _MISSING:
                    plan = self._compile(using, values, kwargs)
                    if len(self._plans) >= self.MAX_SHAPES:
                        del self._plans[next(iter(self._plans))]
                    self._plans[key] = plan
        if plan is None:  # not substitutable: the ORM, each time
            return list(self.build(**values, **kwargs).using(using))
        if plan.empty:
            return []
        sql_params = list(plan.params)
        for name, element, places in plan.positions:
            value = values[name] if element is None else values[name][element]
            for place in places:
                sql_params[place] = value
        with prepared_cursor(using) as cursor:
            cursor.execute(plan.sql, sql_params)
            fetched = cursor.fetchall()
        names = plan.names
        if plan.converters:
            connection = connections[using]
            return [
                dict(zip(names, _converted(row, plan.converters, connection), strict=True))
                for row in fetched
            ]
        return [dict(zip(names, row, strict=True)) for row in fetched]

    def _compile(self, using: str, values: dict[str, Any], shape: dict[str, Any]) -> _Plan | None:
        # Twice, with two sets of stand-ins: a value the build derives from a parameter
        # (a cosine, a date of a datetime) differs between the two and is no constant.
        first = self._compile_with(using, values, shape, seed=0)
        second = self._compile_with(using, values, shape, seed=_SECOND_SEED)
        if first is None or second is None or first.empty:
            return first if first == second else None
        placed = {place for _name, _element, places in first.positions for place in places}
        constant = [v for i, v in enumerate(first.params) if i not in placed]
        if (
            first.sql != second.sql
            or first.positions != second.positions
            or constant != [v for i, v in enumerate(second.params) if i not in placed]
        ):
            return None
        return first

    def _compile_with(
        self, using: str, values: dict[str, Any], shape: dict[str, Any], *, seed: int
    ) -> _Plan | None:
        # One stand-in per scalar parameter and per element of a list parameter.
        sentinels: dict[tuple[str, int | None], Any] = {}
        stand_ins: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            if isinstance(value, list):
                stand_ins[name] = []
                for index in range(len(value)):
                    sentinels[(name, index)] = _sentinel(int, seed + len(sentinels))
                    stand_ins[name].append(sentinels[(name, index)])
            else:
                sentinels[(name, None)] = _sentinel(self.params[name], seed + len(sentinels))
                stand_ins[name] = sentinels[(name, None)]
        queryset = self.build(**{**values, **stand_ins}, **shape).using(using)
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError(f"{self.build.__qualname__} must return a values() QuerySet")
        query = queryset.query
        compiler = query.get_compiler(using)
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        try:
            sql, sql_params = compiler.as_sql()
        except EmptyResultSet:
            return _Plan("", (), (), names, [], using, empty=True)
        positions = []
        for (name, element), sentinel in sentinels.items():
            places = tuple(
                i
                for i, value in enumerate(sql_params)
                if type(value) is type(sentinel) and value == sentinel
            )
            if not places:
                return None
            positions.append((name, element, places))
        placed = {place for _name, _element, places in positions for place in places}
        for i, value in enumerate(sql_params):
            if i not in placed and any(_contains(value, s) for s in sentinels.values()):
                return None
        selected = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        converters = [
            (position, functions, expression)
            for position, (functions, expression) in compiler.get_converters(selected).items()
        ]
        return _Plan(sql, tuple(sql_params), tuple(positions), names, converters, using)


def _converted(values: Sequence[Any], converters: _Converters, connection: Any) -> list[Any]:
    """A row's values passed through ``converters`` (the compiler's apply_converters)."""
    row = list(values)
    for position, functions, expression in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row
