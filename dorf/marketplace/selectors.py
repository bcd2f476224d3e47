"""Read use-cases of the marketplace, already scoped to what the viewer may see.

Distance: postings store the centre of a ~250 m grid cell. The list annotates the squared
equirectangular distance (metres²) from the viewer's household in SQL, which is accurate
to well under 1 % at village scale, so the database can filter by radius and order
"nearest first" with a plain ORDER BY; the distance shown to the client is then the
geodesic one (geopy's, on WGS-84), rounded to 100 m, computed only for the rows of the
page (``geodesic_rounded_m``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from geopy.distance import ELLIPSOIDS, geodesic

from dorf.core.geo import distance_sq_m2, metres_per_deg_lon
from dorf.core.pagination import CompiledRows, page_slice
from dorf.core.sql import CompiledQuery
from dorf.marketplace.models import (
    Agreement,
    Conversation,
    Posting,
    PostingPhoto,
    PostingReport,
)
from dorf.users.models import Block, User
from dorf.users.selectors import blocked_user_ids
from dorf.villages.scoping import scope_to_member_villages


def posting_visible(*, user: User) -> QuerySet[Posting]:
    """Postings of the viewer's villages, minus hidden ones (except their own) and minus
    authors the viewer blocked or who blocked the viewer."""
    postings = scope_to_member_villages(Posting.objects.all(), user)
    hidden = blocked_user_ids(user)
    if hidden:
        postings = postings.exclude(author_id__in=hidden)
    return postings.filter(Q(hidden_at=None) | Q(author=user))


# What a list row shows of a posting and its author (``PostingSerializer``'s fields): not
# the whole rows, whose model instances cost more CPU than the query.
POSTING_ROW_FIELDS = (
    "id",
    "kind",
    "category",
    "title",
    "text",
    "estimated_minutes",
    "author_id",
    "author__first_name",
    "author__last_name",
    "approx_lat",
    "approx_lon",
    "status",
    "expires_at",
    "hidden_at",
    "created_at",
)


def posting_list(
    *,
    user: User,
    village_id: int,
    kind: str | None = None,
    category: str | None = None,
    status: str | None = None,
    text: str | None = None,
    origin: tuple[float, float] | None = None,
    max_distance_m: int | None = None,
) -> CompiledRows:
    """Postings of ``village_id``, a village where the caller found ``user`` a verified
    member (``require_member_place``), as ``POSTING_ROW_FIELDS`` rows and ``has_photos``
    (the photos: ``posting_photo_rows``), minus hidden ones (except the viewer's own) and authors the
    viewer blocked or who blocked them. With ``origin``, only postings with a location,
    annotated ``distance_sq`` (m²). For the cursor paginators (newest first by id, or
    ``order_by("distance_sq", "-id")`` with an offset); one prepared query a page."""
    return CompiledRows(
        _POSTING_PAGE,
        Posting,
        village_id=village_id,
        user_id=user.pk,
        status=status or "open",
        kind=kind or None,
        category=category or None,
        text=text or None,
        origin_lat=None if origin is None else float(origin[0]),
        origin_lon=None if origin is None else float(origin[1]),
        lon_scale=None if origin is None else metres_per_deg_lon(origin[0]),
        max_distance_sq=None if max_distance_m is None else float(max_distance_m) ** 2,
    )


def _posting_page(
    *,
    village_id: int,
    user_id: int,
    status: str,
    kind: str | None,
    category: str | None,
    text: str | None,
    origin_lat: float | None,
    origin_lon: float | None,
    lon_scale: float | None,
    max_distance_sq: float | None,
    **page: Any,
) -> QuerySet[Posting, dict[str, Any]]:
    postings = Posting.objects.filter(village_id=village_id, status=status)
    # The blocks as subqueries of this query, not a query of their own.
    postings = postings.exclude(
        author_id__in=Block.objects.filter(blocker_id=user_id).values("blocked_id")
    ).exclude(author_id__in=Block.objects.filter(blocked_id=user_id).values("blocker_id"))
    postings = postings.filter(Q(hidden_at=None) | Q(author_id=user_id))
    if kind is not None:
        postings = postings.filter(kind=kind)
    if category is not None:
        postings = postings.filter(category=category)
    if text is not None:
        postings = _text_search(postings, text)
    if origin_lat is not None and origin_lon is not None:
        postings = postings.exclude(approx_lat=None).annotate(
            distance_sq=distance_sq_m2(
                (origin_lat, origin_lon),
                lat_field="approx_lat",
                lon_field="approx_lon",
                lon_scale=lon_scale,
            )
        )
        if max_distance_sq is not None:
            postings = postings.filter(distance_sq__lte=max_distance_sq)
    # Whether a row has photos: the photos' query runs only for a page that shows some.
    postings = postings.annotate(
        has_photos=Exists(PostingPhoto.objects.filter(posting_id=OuterRef("pk")))
    )
    return page_slice(postings.values(*POSTING_ROW_FIELDS, "has_photos"), **page)


# Compiled once per shape (dorf.core.sql): the list is read on every app start.
_POSTING_PAGE = CompiledQuery(
    _posting_page,
    params={
        "village_id": int,
        "user_id": int,
        "status": str,
        "kind": str,
        "category": str,
        "text": str,
        "origin_lat": float,
        "origin_lon": float,
        "lon_scale": float,
        "max_distance_sq": float,
        "before": int,
        "after": int,
    },
)


def _photo_rows(*, posting_ids: list[int]) -> QuerySet[PostingPhoto, Any]:
    return PostingPhoto.objects.filter(posting_id__in=posting_ids).values(
        "posting_id", "id", "image", "width", "height"
    )


_PHOTO_ROWS = CompiledQuery(_photo_rows, params={"posting_ids": list})


def posting_photo_rows(posting_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The photos of these postings by posting id, as ``id``, ``image`` (the stored
    name), ``width`` and ``height``; one query (none for no postings)."""
    by_posting: dict[int, list[dict[str, Any]]] = {}
    for row in _PHOTO_ROWS.rows(posting_ids=list(posting_ids)):
        posting_id = row.pop("posting_id")
        by_posting.setdefault(posting_id, []).append(row)
    return by_posting


def _text_search(postings: QuerySet[Posting], text: str) -> QuerySet[Posting]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("title", weight="A", config="german") + SearchVector(
            "text", weight="B", config="german"
        )
        query = SearchQuery(text, config="german", search_type="websearch")
        return postings.annotate(search=vector).filter(search=query)
    # SQLite (demo without services): a plain substring match.
    return postings.filter(Q(title__icontains=text) | Q(text__icontains=text))


# One geopy solver for the process (``geodesic(a, b)`` builds a new one for every pair);
# ``measure`` answers kilometres on geopy's WGS-84.
_GEODESIC = geodesic()
_KM, _, _FLATTENING = ELLIPSOIDS["WGS-84"]
_A_M: float = _KM * 1000.0
_E2: float = _FLATTENING * (2 - _FLATTENING)
# Where the short-line formula below is used; its error there is under 2 mm (the test
# compares it with geopy on random pairs), so a distance more than 5 cm away from a
# rounding boundary rounds as the exact one does.
_SHORT_LINE_M = 50_000.0
_ROUNDING_MARGIN_M = 0.05


def geodesic_rounded_m(
    origin: tuple[float, float] | None, lat: float | None, lon: float | None
) -> int | None:
    """The geodesic (WGS-84) distance from ``origin``, rounded to 100 m; None when a
    point is missing. Exactly ``round(geopy.distance.geodesic(...).meters / 100) * 100``,
    at about a hundredth of its CPU: Karney's solver (geopy's) costs ~0.1 ms a pair, a
    page of 25 postings 2.5 ms; only lines over 50 km or within 5 cm of a rounding
    boundary (x50 m) still go through it."""
    if origin is None or lat is None or lon is None:
        return None
    metres = _short_line_m(origin[0], origin[1], lat, lon)
    if metres > _SHORT_LINE_M or abs(metres % 100.0 - 50.0) < _ROUNDING_MARGIN_M:
        metres = float(_GEODESIC.measure(origin, (lat, lon))) * 1000.0
    return int(round(metres / 100.0) * 100)


def _ecef(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    sin_phi, cos_phi = math.sin(phi), math.cos(phi)
    n = _A_M / math.sqrt(1.0 - _E2 * sin_phi * sin_phi)
    return n * cos_phi * math.cos(lam), n * cos_phi * math.sin(lam), n * (1 - _E2) * sin_phi


def _short_line_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The geodesic length of a short line: the straight chord through the ellipsoid
    plus the arc's excess c³/24R², R the radius of curvature in the line's direction
    at its middle (Euler's formula). Under 2 mm off up to 50 km."""
    x1, y1, z1 = _ecef(lat1, lon1)
    x2, y2, z2 = _ecef(lat2, lon2)
    chord = math.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2 + (z2 - z1) ** 2)
    mid = math.radians((lat1 + lat2) / 2)
    w = 1.0 - _E2 * math.sin(mid) ** 2
    prime_vertical = _A_M / math.sqrt(w)
    meridional = _A_M * (1 - _E2) / (w * math.sqrt(w))
    north = meridional * math.radians(lat2 - lat1)
    east = prime_vertical * math.cos(mid) * math.radians(lon2 - lon1)
    squared = north * north + east * east
    if squared == 0.0:
        return chord
    curvature = (north * north / meridional + east * east / prime_vertical) / squared
    return chord + chord * chord * chord * curvature * curvature / 24.0


def conversation_list(*, user: User, posting: Posting) -> QuerySet[Conversation]:
    """The author sees every conversation of the posting; a replier only their own. The
    messages are in each conversation's chat room."""
    conversations = Conversation.objects.filter(posting=posting).select_related(
        "replier", "agreement", "room__last_message"
    )
    if posting.author_id != user.pk:
        conversations = conversations.filter(replier=user)
    return conversations


def conversation_for(*, user: User, conversation_id: int) -> Conversation | None:
    conversation = (
        Conversation.objects.filter(
            pk=conversation_id, posting__in=posting_visible_to_party(user=user)
        )
        .select_related("posting__village", "replier")
        .first()
    )
    if conversation is None:
        return None
    if user.pk not in (conversation.posting.author_id, conversation.replier_id):
        return None
    return conversation


def agreement_for_party(*, user: User, agreement_id: int) -> Agreement | None:
    """An agreement of the user's villages in which the user helps or is helped."""
    agreements = scope_to_member_villages(
        Agreement.objects.select_related("helper", "helped"), user, "posting__village"
    )
    return agreements.filter(Q(helper=user) | Q(helped=user), pk=agreement_id).first()


def posting_visible_to_party(*, user: User) -> QuerySet[Posting]:
    # Parties keep their conversation even after a moderator hid the posting or someone
    # blocked (the chat room then refuses new messages between them).
    return scope_to_member_villages(Posting.objects.all(), user)


def report_list(*, village_id: int) -> QuerySet[PostingReport]:
    return (
        PostingReport.objects.filter(posting__village_id=village_id, resolved_at=None)
        .select_related("posting", "reporter")
        .order_by("id")
    )
