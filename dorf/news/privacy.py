"""What the news keep about a person: roles, authored posts, read markers, muted
categories. Published posts are the publisher's words, not the author's: erasure keeps
them without the author; unpublished drafts of the person are deleted."""

from __future__ import annotations

from typing import Any

from dorf.news.models import CategoryMute, Post, PostRead, PostState, PublisherRole
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "publisher_roles": [
            {"publisher": role.publisher.name, "role": role.role}
            for role in PublisherRole.objects.filter(user=user).select_related("publisher")
        ],
        "authored_posts": [
            {"title": post.title, "state": post.state, "created_at": post.created_at.isoformat()}
            for post in Post.objects.filter(author=user).order_by("pk")
        ],
        "read_posts": list(
            PostRead.objects.filter(user=user).order_by("post_id").values_list("post_id", flat=True)
        ),
        "muted_news_categories": list(
            CategoryMute.objects.filter(user=user)
            .order_by("category_id")
            .values_list("category__name", flat=True)
        ),
    }


def erase_personal_data(user: User) -> None:
    Post.objects.filter(author=user, state__in=(PostState.DRAFT, PostState.IN_REVIEW)).delete()
    Post.objects.filter(author=user).update(author=None)
    PostRead.objects.filter(user=user).delete()
    CategoryMute.objects.filter(user=user).delete()
    PublisherRole.objects.filter(user=user).delete()
