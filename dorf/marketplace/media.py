"""Who may fetch a posting photo (``dorf.core.media``): whoever may see the posting."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from dorf.marketplace.models import PostingPhoto
from dorf.marketplace.selectors import posting_visible
from dorf.users.models import User


def can_view_media(*, user: User | AnonymousUser, name: str) -> bool:
    if not isinstance(user, User):
        return False
    return PostingPhoto.objects.filter(
        image=name, posting__in=posting_visible(user=user).values("pk")
    ).exists()
