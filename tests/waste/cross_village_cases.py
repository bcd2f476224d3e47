from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, exempt, register
from tests.waste.factories import plan_in


def _slug(village: Village) -> dict[str, Any]:
    plan_in(village)
    return {"slug": village.slug}


register(Case("waste:type-list", _slug))
register(Case("waste:schedule", _slug))
register(Case("waste:next", _slug))
register(
    Case(
        "waste:reminder",
        _slug,
        methods=("get", "put", "delete"),
        body={"days_before": 1, "time": "19:00"},
    )
)
register(Case("waste:feed-token", _slug, methods=("get", "post")))
register(
    Case(
        "waste:import",
        _slug,
        methods=("post",),
        body={"format": "ics", "url": "https://x.example/a.ics"},
    )
)
exempt("waste:household-feed", "the secret token alone authorises; unknown is 404 (test_feed.py)")
