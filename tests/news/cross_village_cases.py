from __future__ import annotations

from typing import Any

from dorf.news.models import FeedSource, PostState
from dorf.villages.models import Village
from tests.cross_village import Case, exempt, register
from tests.news.factories import (
    NewsCategoryFactory,
    PostFactory,
    PublisherFactory,
    PublisherRoleFactory,
)


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _post(village: Village) -> dict[str, Any]:
    return {"post_id": PostFactory(village=village).pk}


def _draft(village: Village) -> dict[str, Any]:
    post = PostFactory(village=village, state=PostState.DRAFT, publish_at=None, published_at=None)
    return {"post_id": post.pk}


def _category(village: Village) -> dict[str, Any]:
    return {"category_id": NewsCategoryFactory(village=village).pk}


def _publisher(village: Village) -> dict[str, Any]:
    return {"publisher_id": PublisherFactory(village=village).pk}


def _role(village: Village) -> dict[str, Any]:
    role = PublisherRoleFactory(publisher=PublisherFactory(village=village))
    return {"publisher_id": role.publisher_id, "user_id": role.user_id}


def _source(village: Village) -> dict[str, Any]:
    post = PostFactory(village=village)
    source = FeedSource.objects.create(
        village=village, url="https://example.org/f.rss", publisher=post.publisher,
        category=post.category,
    )  # fmt: skip
    return {"source_id": source.pk}


register(Case("news:post-list", _slug, methods=("get", "post"), body={"title": "x"}))
register(Case("news:writer-posts", _slug))
register(Case("news:digest", _slug))
register(Case("news:category-list", _slug, methods=("get", "post"), body={"name": "x"}))
register(Case("news:publisher-list", _slug, methods=("get", "post"), body={"name": "x"}))
register(Case("news:mutes", _slug, methods=("get", "put"), body={"muted_category_ids": []}))
register(Case("news:feed-source-list", _slug, methods=("get", "post"), body={"url": "x"}))
register(Case("news:post-detail", _post, methods=("get", "patch", "delete"), body={"title": "x"}))
register(Case("news:post-read", _post, methods=("post",)))
register(Case("news:post-submit", _draft, methods=("post",)))
register(Case("news:post-publish", _draft, methods=("post",)))
register(Case("news:post-draft", _draft, methods=("post",)))
register(Case("news:post-archive", _post, methods=("post",)))
register(Case("news:post-images", _draft, methods=("post",)))
register(Case("news:post-attachments", _draft, methods=("post",)))
register(Case("news:category-detail", _category, methods=("patch", "delete"), body={"name": "x"}))
register(
    Case(
        "news:role-list", _publisher, methods=("get", "put"), body={"user_id": 1, "role": "editor"}
    )
)
register(Case("news:role-detail", _role, methods=("delete",)))
register(Case("news:feed-source-detail", _source, methods=("get", "patch"), body={"active": False}))
register(Case("news:feed-source-import", _source, methods=("post",)))
exempt("news:feed-rss", "public RSS feed of published news (feed readers cannot sign in)")
exempt("news:feed-atom", "public Atom feed of published news (feed readers cannot sign in)")
