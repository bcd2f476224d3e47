"""Read use-cases of the marketplace, already scoped to what the viewer may see.

Distance: postings store the centre of a ~250 m grid cell. The list annotates the squared
equirectangular distance (metres²) from the viewer's household in SQL, which is accurate
to well under 1 % at village scale, so the database can filter by radius and order
"nearest first" with a plain ORDER BY; the distance shown to the client is then the
geodesic one (geopy), rounded to 100 m, computed only for the rows of the page.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from geopy.distance import geodesic

from dorf.core.geo import distance_sq_m2
from dorf.marketplace.models import Agreement, Conversation, Posting, PostingReport
from dorf.users.models import User
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
) -> QuerySet[Posting]:
    postings = posting_visible(user=user).filter(village_id=village_id)
    postings = postings.filter(status=status or "open")
    if kind:
        postings = postings.filter(kind=kind)
    if category:
        postings = postings.filter(category=category)
    if text:
        postings = _text_search(postings, text)
    if origin is not None:
        postings = postings.exclude(approx_lat=None).annotate(
            distance_sq=distance_sq_m2(origin, lat_field="approx_lat", lon_field="approx_lon")
        )
        if max_distance_m is not None:
            postings = postings.filter(distance_sq__lte=float(max_distance_m) ** 2)
    return postings.select_related("author").prefetch_related("photos")


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


def geodesic_distance_m(origin: tuple[float, float] | None, posting: Posting) -> int | None:
    """The geodesic distance rounded to 100 m (postings are placed on a ~250 m grid)."""
    if origin is None or posting.approx_lat is None or posting.approx_lon is None:
        return None
    metres = geodesic(origin, (posting.approx_lat, posting.approx_lon)).meters
    return int(round(metres / 100.0) * 100)


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
