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
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base


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
