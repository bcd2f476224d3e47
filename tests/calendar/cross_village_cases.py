from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, exempt, register


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


register(Case("calendar:village-calendar", _slug))
exempt(
    "calendar:village-feed", "public: a village's public events, for calendar apps without login"
)
