from __future__ import annotations

from typing import Any

from dorf.notifications.models import Category
from dorf.notifications.services import notify
from dorf.villages.models import Village
from tests.cross_village import Case, exempt, register
from tests.factories import MembershipFactory


def _notification(village: Village) -> dict[str, Any]:
    member = MembershipFactory(village=village)
    notification = notify(user=member.user, category=Category.VILLAGE, title="x", village=village)
    return {"notification_id": notification.pk}


register(Case("notifications:read", _notification, methods=("post",)))
exempt(
    "notifications:unsubscribe",
    "the signed token names one user and one category of their own; no village object",
)
