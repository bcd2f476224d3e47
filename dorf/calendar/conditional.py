"""Conditional GET for our own iCalendar feeds: an ETag and a Last-Modified on every
answer, 304 Not Modified when the calendar app already has this content.

Calendar apps poll a subscribed feed every hour or so, mostly for nothing. Two renders of
an unchanged feed differ only in DTSTAMP (the time of rendering, which RFC 5545 asks
for), so the ETag is a hash of the feed without its DTSTAMP lines: it changes exactly
when something a calendar shows changes (an event added, moved, cancelled, or fallen
out of the feed's window). It is weak (``W/``) because the bytes behind it are not
identical from one render to the next.

Last-Modified is the time this URL first answered this ETag, remembered in the cache
(keyed by a hash of the URL, so a personal feed's token is not stored). When the cache
has forgotten it or is down, it is now: a client then downloads the feed once more, and
never keeps an old one. Content that changes back to an earlier state gets a new time.
"""

from __future__ import annotations

import hashlib
import re
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

_DTSTAMP = re.compile(rb"^DTSTAMP[;:][^\r\n]*\r?\n", re.MULTILINE)
# Longer than any calendar app's polling interval; after it, one extra download.
REMEMBER_S = 30 * 24 * 3600


# The answers of a feed view, for its @extend_schema(responses=...).
FEED_RESPONSES = {
    (200, "text/calendar"): OpenApiResponse(
        OpenApiTypes.STR,
        description="RFC 5545 iCalendar (VTIMEZONE included), with ETag and Last-Modified.",
    ),
    304: OpenApiResponse(
        description="Not modified: the request's If-None-Match (or, without it, "
        "If-Modified-Since) matches the feed's current content."
    ),
}


def feed_etag(body: bytes) -> str:
    """A weak ETag of the feed's content, DTSTAMP left out."""
    return 'W/"' + hashlib.sha256(_DTSTAMP.sub(b"", body)).hexdigest()[:32] + '"'


def _first_served(request: HttpRequest, etag: str) -> int:
    """When this URL first answered ``etag`` (seconds since the epoch)."""
    key = "ics-feed-seen:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()[:40]
    now = int(time.time())
    seen = cache.get(key)
    if isinstance(seen, tuple) and len(seen) == 2:
        if seen[0] == etag:
            return int(seen[1])
        # A change within the second the previous content was first served must still
        # be newer for a client that only sends If-Modified-Since (whole seconds).
        now = max(now, int(seen[1]) + 1)
    cache.set(key, (etag, now), REMEMBER_S)
    return now


def feed_response(
    request: HttpRequest, body: bytes, *, filename: str, cache_control: str
) -> HttpResponseBase:
    """The feed as ``text/calendar`` with ETag and Last-Modified, or 304 when the
    request's If-None-Match (or, without it, If-Modified-Since) says the client has it."""
    etag = feed_etag(body)
    last_modified = _first_served(request, etag)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = cache_control
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    # Django's implementation of RFC 9110 § 13.2.2: If-None-Match first (weak
    # comparison), If-Modified-Since only without it; the 304 keeps ETag,
    # Last-Modified and Cache-Control.
    answer = get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=response
    )
    return answer if answer is not None else response
