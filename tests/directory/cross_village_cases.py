from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.directory.factories import claim_on, entry_in


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _entry(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "entry_id": entry_in(village).pk}


def _claim(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "claim_id": claim_on(entry_in(village)).pk}


register(
    Case(
        "directory:entry-list",
        _slug,
        methods=("get", "post"),
        body={"name": "Laden", "category": "shop"},
    )
)
register(
    Case(
        "directory:entry-detail",
        _entry,
        methods=("get", "patch", "delete"),
        body={"name": "Übernommen"},
    )
)
register(Case("directory:claim-list", _entry, methods=("get", "post"), body={"message": "x"}))
register(Case("directory:entry-history", _entry))
register(Case("directory:claim-decide", _claim, methods=("post",), body={"confirm": True}))
