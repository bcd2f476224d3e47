"""Who may fetch a news image or attachment (``dorf.core.media``): whoever may read the
post (its village's members once published, its publisher's writers before)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from dorf.core.exceptions import DomainError
from dorf.news.models import PostAttachment, PostImage
from dorf.news.selectors import post_detail
from dorf.users.models import User


def can_view_media(*, user: User | AnonymousUser, name: str) -> bool:
    if not isinstance(user, User):
        return False
    post_id = (
        PostImage.objects.filter(image=name).values_list("post_id", flat=True).first()
        or PostAttachment.objects.filter(file=name).values_list("post_id", flat=True).first()
    )
    if post_id is None:
        return False
    try:
        post_detail(user=user, post_id=post_id)
    except DomainError:
        return False
    return True
