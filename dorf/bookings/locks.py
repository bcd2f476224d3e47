"""The one place that serialises booking writes where the database cannot.

On PostgreSQL nothing is locked: the exclusion constraint ``booking_no_overlap``
decides between concurrent overlapping bookings, and the concurrency test proves it
by dropping the constraint. SQLite has no exclusion constraints; there the service
checks overlaps itself after taking SQLite's database-wide write lock with a dummy
write, so no other writer can insert between its check and its insert.
"""

from __future__ import annotations

from django.db import connection


def database_enforces_no_overlap() -> bool:
    return connection.vendor == "postgresql"


def lock_for_overlap_check(resource_id: int) -> None:
    """Take SQLite's write lock (BEGIN IMMEDIATE semantics) before reading overlaps."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_resource SET updated_at = updated_at WHERE id = %s", [resource_id]
        )
