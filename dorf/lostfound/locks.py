"""The one place that loads the Fundbüro rows a write changes, scoped to the acting
user's villages (another village's id is a 404) and row-locked for status changes."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from dorf.core.exceptions import NotFound
from dorf.lostfound.models import Claim, FoundItem, LostReport
from dorf.users.models import User
from dorf.villages.scoping import member_village_ids

M = TypeVar("M", bound=Model)


def _one(queryset: QuerySet[M], pk: int) -> M:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def found_item_for(user: User, found_item_id: int, *, lock: bool = True) -> FoundItem:
    items = FoundItem.objects.select_related("village").filter(village__in=member_village_ids(user))
    return _one(items.select_for_update(of=("self",)) if lock else items, found_item_id)


def claim_for(user: User, claim_id: int) -> Claim:
    claims = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("found_item__village", "claimant")
        .filter(found_item__village__in=member_village_ids(user))
    )
    return _one(claims, claim_id)


def lost_report_for(user: User, report_id: int) -> LostReport:
    reports = LostReport.objects.select_for_update(of=("self",)).filter(
        village__in=member_village_ids(user)
    )
    return _one(reports, report_id)
