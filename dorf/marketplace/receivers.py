"""The marketplace meets needs other apps announce (``dorf.core.hooks``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dorf.core.hooks import help_requested
from dorf.marketplace import services
from dorf.marketplace.models import PostingCategory, PostingKind
from dorf.villages.models import Membership, MembershipState


@receiver(help_requested, dispatch_uid="marketplace-open-help-request")
def open_help_request(
    sender: Any, *, village_id: int, user_id: int, title: str, text: str, **kwargs: Any
) -> int | None:
    """A help request in the village, with the author's approximate location only."""
    membership = (
        Membership.objects.select_related("village", "household", "user")
        .filter(user_id=user_id, village_id=village_id, state=MembershipState.VERIFIED)
        .first()
    )
    if membership is None:
        return None
    posting = services.posting_create(
        membership=membership,
        kind=PostingKind.REQUEST,
        category=PostingCategory.HELP,
        title=title[:120],
        text=text[:4000],
    )
    return posting.pk
