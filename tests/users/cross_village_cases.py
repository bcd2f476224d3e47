from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.cross_village import Case, register
from tests.factories import MembershipFactory


def _member_of(village: Village) -> dict[str, Any]:
    return {"user_id": MembershipFactory(village=village).user_id}


# Unblocking someone one never shared a village with must not reveal that they exist.
register(Case("villages:block-detail", _member_of, methods=("delete",)))
