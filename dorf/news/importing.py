"""Import of the municipality's website feed (RSS or Atom) as published news posts.

Fetched outside any transaction with a conditional GET (``If-None-Match`` /
``If-Modified-Since``); the XML is checked by ``defusedxml`` first (no entity
declarations, no external entities: a billion-laughs or XXE document is refused before
``feedparser`` sees it). An entry is known by its GUID, or by a hash of its link when it
has none: importing the same feed twice creates nothing. A failed fetch or parse is
logged and stored on the source; its posts and its ETag stay as they were.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dorf.core import audit
from dorf.core.exceptions import NotFound, ValidationFailed
from dorf.core.fetch import FetchError, UnsafeURL, check_url, fetch
from dorf.news import locks
from dorf.news.models import FeedSource, NewsCategory, Post, PostState, Publisher, PushLevel
from dorf.news.rendering import plain_text, sanitise_html
from dorf.users.models import User
from dorf.villages.scoping import require_member, require_staff

logger = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    known: int = 0
    # Entries without a title or without a GUID and a link (nothing to know them by).
    skipped: int = 0
    not_modified: bool = False
    error: str = ""


def _check_feed_url(url: str) -> None:
    """The SSRF check of a source's address, as a refusal on the field ``url``."""
    try:
        check_url(url)
    except UnsafeURL:
        raise ValidationFailed(
            fields={"url": [_("This address cannot be fetched (not a public web address).")]},
            code="unsafe_url",
        ) from None
    except FetchError:
        raise ValidationFailed(
            fields={"url": [_("This host name cannot be resolved.")]}, code="unresolvable"
        ) from None


def _check_publisher_and_category(
    *, village_id: int, publisher_id: int | None, category_id: int | None
) -> None:
    if (
        publisher_id is not None
        and not Publisher.objects.filter(pk=publisher_id, village_id=village_id).exists()
    ):
        raise ValidationFailed(fields={"publisher_id": [_("No such publisher here.")]})
    if (
        category_id is not None
        and not NewsCategory.objects.filter(pk=category_id, village_id=village_id).exists()
    ):
        raise ValidationFailed(fields={"category_id": [_("No such category here.")]})


@transaction.atomic
def feed_source_create(
    *,
    actor: User,
    village_id: int,
    url: str,
    publisher_id: int,
    category_id: int,
    name: str = "",
) -> FeedSource:
    """Staff add (or re-activate) the village's feed at ``url``, imported periodically."""
    require_staff(require_member(actor, village_id))
    _check_feed_url(url)
    _check_publisher_and_category(
        village_id=village_id, publisher_id=publisher_id, category_id=category_id
    )
    existing = FeedSource.objects.filter(village_id=village_id, url=url).first()
    before = audit.snapshot(existing) if existing is not None else {}
    defaults: dict[str, Any] = {
        "publisher_id": publisher_id,
        "category_id": category_id,
        "active": True,
    }
    if name.strip():
        defaults["name"] = name.strip()
    source, _created = FeedSource.objects.update_or_create(
        village_id=village_id, url=url, defaults=defaults
    )
    audit.record(
        actor=actor,
        instance=source,
        before=before,
        verb="feed_source_create",
        village_id=village_id,
    )
    return source


@transaction.atomic
def feed_source_update(
    *,
    actor: User,
    source_id: int,
    name: str | None = None,
    url: str | None = None,
    publisher_id: int | None = None,
    category_id: int | None = None,
    active: bool | None = None,
) -> FeedSource:
    """Staff rename a feed source, move it to another address, publisher or category, or
    pause (``active=False``) and activate it; ``None`` leaves a field as it is.

    A paused source is left out by the periodic import. A new address is checked like a
    new source's (public web addresses only) and forgets the old server's ETag; so does
    activating, since the host may resolve elsewhere by now. A new publisher or category
    applies to the posts imported from then on; the posts already imported keep theirs.
    """
    source = locks.feed_source_for(actor, source_id)
    require_staff(require_member(actor, source.village_id))
    before = audit.snapshot(source)
    _check_publisher_and_category(
        village_id=source.village_id, publisher_id=publisher_id, category_id=category_id
    )
    if url is not None and url != source.url:
        taken = FeedSource.objects.filter(village_id=source.village_id, url=url)
        if taken.exclude(pk=source.pk).exists():
            raise ValidationFailed(
                fields={"url": [_("This village imports this feed already.")]},
                code="duplicate",
            )
        _check_feed_url(url)
        source.url = url
        source.etag = ""
        source.last_modified = ""
    elif active and not source.active:
        _check_feed_url(source.url)
    if name is not None:
        source.name = name.strip()
    if publisher_id is not None:
        source.publisher_id = publisher_id
    if category_id is not None:
        source.category_id = category_id
    if active is not None:
        source.active = active
    source.save()
    # An unchanged save writes no entry (audit.record compares with the snapshot).
    audit.record(
        actor=actor,
        instance=source,
        before=before,
        verb="feed_source_update",
        village_id=source.village_id,
    )
    return source


def entry_key(entry: Any) -> str:
    """The entry's identity: its GUID, else a hash of its link ("" when it has neither)."""
    guid = str(entry.get("id") or "").strip()
    if guid:
        return f"g:{guid}" if len(guid) <= 120 else f"g:{hashlib.sha256(guid.encode()).hexdigest()}"
    link = str(entry.get("link") or "").strip()
    if link:
        return f"l:{hashlib.sha256(link.encode()).hexdigest()}"
    return ""


def _entry_time(entry: Any, fallback: datetime) -> datetime:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return fallback
    when = datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    return min(when, fallback)  # a date in the future is not believed


def parse_feed(body: bytes) -> Any:
    """feedparser's result, after defusedxml refused entities and external references."""
    try:
        defused_fromstring(body)
    except (DefusedXmlException, SyntaxError, ValueError) as exc:
        # ParseError is a SyntaxError subclass: malformed XML lands here too.
        raise FetchError(f"unsafe or malformed XML: {type(exc).__name__}") from exc
    parsed = feedparser.parse(body)
    if parsed.get("bozo") and not parsed.get("entries"):
        raise FetchError(f"not a feed: {parsed.get('bozo_exception')!r}"[:200])
    return parsed


def _record_failure(source: FeedSource, message: str) -> ImportResult:
    logger.warning("news feed import failed for source %s (%s): %s", source.pk, source.url, message)
    FeedSource.objects.filter(pk=source.pk).update(
        last_polled_at=timezone.now(), last_error=message[:300]
    )
    return ImportResult(error=message)


def feed_source_import(*, source_id: int) -> ImportResult:
    """Fetch and import one feed; never raises for a bad source (logged and stored)."""
    source = FeedSource.objects.filter(pk=source_id, active=True).first()
    if source is None:
        raise NotFound()
    try:
        result = fetch(
            source.url,
            etag=source.etag,
            last_modified=source.last_modified,
            accept=FEED_ACCEPT,
        )
        if result.status == 304:
            FeedSource.objects.filter(pk=source.pk).update(
                last_polled_at=timezone.now(), last_error=""
            )
            return ImportResult(not_modified=True)
        parsed = parse_feed(result.body)
    except FetchError as exc:
        return _record_failure(source, str(exc))
    return _store_entries(source, parsed, etag=result.etag, last_modified=result.last_modified)


@transaction.atomic
def _store_entries(
    source: FeedSource, parsed: Any, *, etag: str, last_modified: str
) -> ImportResult:
    now = timezone.now()
    # Lock the source: staff may have moved it to another address while we fetched the old
    # one, and that address must not inherit the old server's ETag or its posts.
    current = FeedSource.objects.select_for_update().filter(pk=source.pk).first()
    if current is None or current.url != source.url:
        return ImportResult(error="the source was changed during the import")
    entries: dict[str, Any] = {}
    skipped = 0
    for entry in parsed.entries:
        key = entry_key(entry)
        title = plain_text(str(entry.get("title") or ""))[:200]
        if key and title:
            entries.setdefault(key, entry)
        else:
            skipped += 1
    known = set(
        Post.objects.filter(village_id=source.village_id, import_key__in=entries).values_list(
            "import_key", flat=True
        )
    )
    posts = []
    for key, entry in entries.items():
        if key in known:
            continue
        contents = entry.get("content") or []
        html = str(contents[0].get("value", "")) if contents else str(entry.get("summary") or "")
        when = _entry_time(entry, now)
        posts.append(
            Post(
                village_id=source.village_id,
                publisher_id=current.publisher_id,
                category_id=current.category_id,
                feed_source=source,
                import_key=key,
                link=str(entry.get("link") or "")[:500],
                title=plain_text(str(entry.get("title") or ""))[:200],
                teaser=plain_text(str(entry.get("summary") or html))[:500],
                body_html=sanitise_html(html),
                state=PostState.PUBLISHED,
                push=PushLevel.NONE,
                publish_at=when,
                published_at=when,
            )
        )
    # ignore_conflicts: a second worker importing the same feed at the same moment.
    Post.objects.bulk_create(posts, ignore_conflicts=True)
    result = ImportResult(created=len(posts), known=len(known), skipped=skipped)
    FeedSource.objects.filter(pk=source.pk).update(
        etag=etag[:200],
        last_modified=last_modified[:100],
        last_polled_at=now,
        last_error="",
        last_imported_at=now,
        last_import_created=result.created,
        last_import_known=result.known,
        last_import_skipped=result.skipped,
    )
    return result


def feed_sources_import_all() -> int:
    """Import every active source (the periodic task); returns posts created."""
    created = 0
    for source_id in FeedSource.objects.filter(active=True).values_list("pk", flat=True):
        created += feed_source_import(source_id=source_id).created
    return created
