"""RSS 2.0 and Atom 1.0 feeds of a village's published news (all or one category)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed

from dorf.news.models import Post
from dorf.villages.models import Village

FEED_ITEMS = 50
FORMATS: dict[str, type[SyndicationFeed]] = {"rss": Rss201rev2Feed, "atom": Atom1Feed}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


def feed_etag(
    *, village: Village, kind: str, category: str, count: int, last: datetime | None
) -> str:
    stamp = last.isoformat() if last else "-"
    digest = hashlib.sha256(f"{village.pk}|{kind}|{category}|{count}|{stamp}".encode()).hexdigest()
    return f'"{digest[:32]}"'


def render_feed(
    *,
    kind: str,
    village: Village,
    title: str,
    description: str,
    link: str,
    feed_url: str,
    item_link: str,
    posts: Iterable[Post],
    language: str = "de",
) -> bytes:
    """``item_link`` is a format string with ``{id}`` for each post's own address."""
    feed = FORMATS[kind](
        title=title,
        link=link,
        description=description,
        language=language,
        feed_url=feed_url,
        feed_guid=feed_url,
    )
    for post in posts:
        url = post.link or item_link.format(id=post.pk)
        feed.add_item(
            title=post.title,
            link=url,
            description=post.body_html or post.teaser,
            unique_id=f"{item_link.format(id=post.pk)}",
            unique_id_is_permalink=not post.link,
            pubdate=post.published_at,
            updateddate=post.updated_at,
            categories=[post.category.name],
            author_name=post.publisher.name,
        )
    return feed.writeString("utf-8").encode("utf-8")
