from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.events.factories import ExternalCalendarFactory, VillageEventFactory


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _event(village: Village) -> dict[str, Any]:
    return {"event_id": VillageEventFactory(village=village).pk}


def _calendar(village: Village) -> dict[str, Any]:
    return {"calendar_id": ExternalCalendarFactory(village=village).pk}


register(
    Case(
        "events:event-list",
        _slug,
        methods=("get", "post"),
        body={
            "publisher_id": 1,
            "title": "Fremd",
            "starts_at": "2030-01-01T10:00:00Z",
            "ends_at": "2030-01-01T11:00:00Z",
        },
    )
)
register(
    Case("events:event-detail", _event, methods=("get", "patch", "delete"), body={"title": "x"})
)
register(
    Case(
        "events:calendar-list",
        _slug,
        methods=("get", "post"),
        body={"name": "Fremd", "url": "https://example.org/x.ics"},
    )
)
register(
    Case(
        "events:calendar-detail", _calendar, methods=("get", "patch", "delete"), body={"name": "x"}
    )
)
register(Case("events:calendar-import", _calendar, methods=("post",)))
