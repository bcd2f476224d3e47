from __future__ import annotations

from typing import Any

from dorf.villages.models import MembershipState, Village
from tests.cross_village import Case, exempt, register
from tests.factories import HouseholdFactory, MembershipFactory


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _pending_member(village: Village) -> dict[str, Any]:
    membership = MembershipFactory(village=village, state=MembershipState.PENDING)
    return {"slug": village.slug, "membership_id": membership.pk}


def _household(village: Village) -> dict[str, Any]:
    HouseholdFactory(village=village)
    return {"slug": village.slug}


exempt("villages:village-detail", "a village's public profile (name, centre) is public data")
exempt("villages:join", "joining is how an outsider becomes a member; needs the invite code")
register(Case("villages:member-list", _slug))
register(Case("villages:member-verify", _pending_member, methods=("post",)))
register(Case("villages:member-ban", _pending_member, methods=("post",), body={"reason": "x"}))
register(Case("villages:invite-code", _slug, methods=("get", "post")))
register(
    Case(
        "villages:household",
        _household,
        methods=("get", "put"),
        body={"street": "Lindenweg", "house_number": "1"},
    )
)
register(Case("villages:address-search", _slug))
