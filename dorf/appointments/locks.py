"""The one place that locks rows for appointments.

The household limit (at most two open bookings) is a read-then-write rule: two holds of
the same household racing each other would both see one open booking. Each hold locks
the household's row (or, without a household, the membership's row) first, so a
household's holds queue behind each other. Seats need no lock: the unique constraint
``appointment_one_per_seat`` decides between concurrent holds of different households.
"""

from __future__ import annotations

from django.db import connection

from dorf.villages.models import Household, Membership


def lock_booker(membership: Membership) -> None:
    """Serialise the bookings of one household (or one resident without a household)."""
    if not connection.features.has_select_for_update:
        # SQLite serialises writers by itself.
        return
    if membership.household_id is not None:
        list(Household.objects.select_for_update().filter(pk=membership.household_id))
    else:
        list(Membership.objects.select_for_update().filter(pk=membership.pk))
