"""The product's URLs plus the bare baselines of benchmarks/rest_reads.py.

Each bare view returns the same rows as the product endpoint it stands beside, as JSON,
through the same server: one query of all the rows' columns (``values()``) and
``JsonResponse``. No authentication (the user comes as ``?user=``), no scoping, no
serializer, no pagination cursor: what the read costs when the stack costs nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from dorf.chat.models import Message, RoomMember
from dorf.clubs.models import ClubEvent
from dorf.deliveries.models import Parcel
from dorf.ledger.models import Entry
from dorf.marketplace.models import Posting
from dorf.notifications.models import Notification

PAGE = 25


def _rows(request: HttpRequest) -> dict[str, Any]:
    return {key: int(request.GET[key]) for key in request.GET}


def _json(queryset: QuerySet[Any]) -> JsonResponse:
    return JsonResponse({"results": list(queryset)})


def rooms(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(
        RoomMember.objects.filter(user_id=q["user"], state="active")
        .order_by("-room__last_message_id")
        .values("room_id", "room__kind", "room__title", "last_read_id", "room__last_message_id")
    )


def square(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(Message.objects.filter(room_id=q["room"]).order_by("-id").values()[:50])


def postings(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(
        Posting.objects.filter(village_id=q["village"], status="open")
        .order_by("-id")
        .values()[:PAGE]
    )


def events(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(ClubEvent.objects.filter(club_id=q["club"]).order_by("starts_at").values()[:PAGE])


def notifications(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(Notification.objects.filter(user_id=q["user"]).order_by("-id").values()[:PAGE])


def statement(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(
        Entry.objects.filter(account_id=q["account"])
        .order_by("-id")
        .values("id", "minutes", "balance_after_minutes", "transfer__kind", "transfer__memo",
                "transfer__created_at")[:PAGE]
    )  # fmt: skip


def parcels(request: HttpRequest) -> JsonResponse:
    q = _rows(request)
    return _json(Parcel.objects.filter(household_id=q["household"]).order_by("-id").values()[:PAGE])


urlpatterns = [
    *product_urlpatterns,
    path("bench/bare/rooms/", rooms),
    path("bench/bare/square/", square),
    path("bench/bare/postings/", postings),
    path("bench/bare/events/", events),
    path("bench/bare/notifications/", notifications),
    path("bench/bare/statement/", statement),
    path("bench/bare/parcels/", parcels),
]
