"""PostgreSQL through Django's own backend, with the connection health check only after
the connection sat idle.

``CONN_HEALTH_CHECKS`` makes Django send ``SELECT 1`` before the first query of every
request on a kept connection (``CONN_MAX_AGE``): a round trip per request, on the busiest
paths a third of the work PostgreSQL does for a cached read. What it protects against
is a connection that died while nobody used it (PostgreSQL restarted or failed over, a
firewall or pooler dropped the idle socket): without the check, the first request on it
would fail with a 500.

Here the check runs only when the connection's last query is more than
``DORF_DB_HEALTH_CHECK_IDLE_S`` seconds ago. A connection that served a query within that
window is used as it is; if it broke in those seconds, the request fails as one whose
connection breaks mid-request would, and Django closes the connection when that request
ends (``errors_occurred``), so the next request opens a new one. A busy process sends no
``SELECT 1`` at all, a quiet one still checks before it reuses an old connection.

``prepared_cursor()`` gives a cursor that binds its parameters on the server (Django's
default cursor binds them on the client, into the SQL text). psycopg then prepares a
statement the connection has sent ``prepare_threshold`` times (5 by default): PostgreSQL
parses and plans it once per connection, not once per request. The hot read paths run
their fixed SQL through it (``dorf.core.sql``); everything else keeps Django's default.
Behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer
before 1.21), ``DORF_DB_PREPARE_THRESHOLD=off`` turns preparing off; the binding stays.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper
from psycopg.postgres import types
from psycopg.pq import Format


class DatabaseWrapper(base.DatabaseWrapper):
    last_used_at = 0.0
    # Set by Django's BaseDatabaseWrapper (untyped in django-stubs).
    health_check_enabled: bool
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and time.monotonic() - self.last_used_at < settings.DORF_DB_HEALTH_CHECK_IDLE_S
        ):
            self.health_check_done = True
        super().close_if_health_check_failed()
        # Called before every query (Django's _cursor): the time of the last use.
        self.last_used_at = time.monotonic()

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor of this connection binding on the server (so psycopg may prepare its
        statements), wrapped like ``cursor()``: query logging and execute wrappers see it."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            # (django-stubs type Django's cursor classes and helpers as psycopg2's.)
            cursor = base.ServerBindingCursor(self.connection)  # type: ignore[call-arg]
            # As create_cursor(): timestamps in the connection's time zone.
            loader = self.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
            if self.timezone != getattr(loader, "timezone", None):
                register_tzloader(self.timezone, cursor)
            wrapped: CursorWrapper = self._prepare_cursor(cursor)  # type: ignore[attr-defined]
            return wrapped
