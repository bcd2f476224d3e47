from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from dorf.lostfound import services
from dorf.lostfound.models import Claim, FoundItem, ItemCategory, LostReport
from dorf.villages.models import Membership, Role, Village
from tests.factories import MembershipFactory


def staff_of(village: Village) -> Membership:
    return MembershipFactory(village=village, role=Role.STAFF)


def find_in(village: Village, *, finder: Membership | None = None, **fields: Any) -> FoundItem:
    values: dict[str, Any] = {
        "category": ItemCategory.WALLET,
        "description": "Braune Geldbörse",
        "secret_features": "Foto eines Hundes",
        "found_at": timezone.now() - timedelta(hours=2),
        "found_place": "Dorfplatz",
        "value_cents": 40_00,
    }
    values.update(fields)
    return services.found_item_report(
        membership=finder or MembershipFactory(village=village), **values
    )


def claim_on(item: FoundItem, claimant: Membership | None = None) -> Claim:
    claimant = claimant or MembershipFactory(village=item.village)
    return services.claim_create(user=claimant.user, found_item_id=item.pk, features="Hundefoto")


def lost_report_in(village: Village, reporter: Membership | None = None) -> LostReport:
    reporter = reporter or MembershipFactory(village=village)
    return services.lost_report_create(
        membership=reporter, category=ItemCategory.WALLET, description="Geldbörse"
    )
