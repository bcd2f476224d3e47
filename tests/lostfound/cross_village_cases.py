from __future__ import annotations

from typing import Any

from dorf.lostfound.models import FoundItemPhoto
from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.lostfound.factories import claim_on, find_in, lost_report_in


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _find(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "found_item_id": find_in(village).pk}


def _photo(village: Village) -> dict[str, Any]:
    item = find_in(village)
    photo = FoundItemPhoto.objects.create(
        found_item=item, image="lostfound/x.jpg", width=1, height=1
    )
    return {"slug": village.slug, "found_item_id": item.pk, "photo_id": photo.pk}


def _claim(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "claim_id": claim_on(find_in(village)).pk}


def _report(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "report_id": lost_report_in(village).pk}


register(Case("lostfound:find-list", _slug, methods=("get", "post")))
register(Case("lostfound:lost-list", _slug, methods=("get", "post")))
register(Case("lostfound:find-detail", _find, methods=("get", "patch"), body={"found_place": "x"}))
register(Case("lostfound:find-photos", _find, methods=("post",)))
register(Case("lostfound:find-photo", _photo, methods=("delete",)))
register(Case("lostfound:find-store", _find, methods=("post",), body={"shelf": "A1"}))
register(Case("lostfound:claim-list", _find, methods=("get", "post"), body={"features": "x"}))
register(Case("lostfound:find-handover", _find, methods=("post",), body={"to": "disposed"}))
register(Case("lostfound:claim-decide", _claim, methods=("post",), body={"grant": True}))
register(Case("lostfound:claim-withdraw", _claim, methods=("post",)))
register(Case("lostfound:lost-close", _report, methods=("post",)))
register(Case("lostfound:lost-matches", _report))
