"""The one table from our status chain to Open311's open/closed and FixMyStreet's states."""

from __future__ import annotations

import pytest

from dorf.reports.models import (
    OPEN_STATUSES,
    RESOLUTIONS,
    STATUS_TABLE,
    ReportStatus,
    allowed_next,
    fms_status,
    open311_status,
    statuses_for_open311,
)

EXPECTED = {
    "received": ("open", "open"),
    "confirmed": ("open", "investigating"),
    "in_progress": ("open", "in_progress"),
    "scheduled": ("open", "action_scheduled"),
    "fixed": ("closed", "fixed"),
    "not_responsible": ("closed", "not_councils_responsibility"),
    "duplicate": ("closed", "duplicate"),
    "no_action": ("closed", "no_further_action"),
    "closed": ("closed", "closed"),
}


def test_every_status_maps_to_open311_and_fixmystreet_exactly_once() -> None:
    assert set(STATUS_TABLE) == set(ReportStatus.values)
    assert {s: (open311_status(s), fms_status(s)) for s in ReportStatus.values} == EXPECTED


def test_open311_open_and_closed_split_the_chain() -> None:
    assert statuses_for_open311("open") == list(OPEN_STATUSES)
    assert statuses_for_open311("closed") == [*RESOLUTIONS, ReportStatus.CLOSED]


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [
        ("received", "confirmed", True),
        ("received", "scheduled", True),
        ("scheduled", "in_progress", False),  # the open chain only moves forward
        ("in_progress", "fixed", True),
        ("fixed", "closed", True),
        ("fixed", "in_progress", True),  # work resumed
        ("fixed", "received", False),
        ("no_action", "fixed", True),
        ("closed", "received", False),  # closed is final
        ("closed", "confirmed", False),
        ("received", "closed", False),  # a report is resolved before it is closed
    ],
)
def test_staff_transitions(old: str, new: str, allowed: bool) -> None:
    assert (new in allowed_next(old)) is allowed
