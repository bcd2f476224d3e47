"""GDPR for the marketplace: export what a user wrote; erasure replaces their free texts.

Postings, conversations and agreements stay (the other party's records and the ledger's
links keep their shape); only the words the erased person wrote are replaced. The
messages of a conversation are chat messages: the chat's own privacy module exports and
erases them; here the titles of the rooms about the erased person's postings go too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from dorf.chat import services as chat_services
from dorf.core.privacy import ERASED as ERASED_TEXT
from dorf.marketplace import services
from dorf.marketplace.models import (
    Agreement,
    Conversation,
    Posting,
    PostingPhoto,
    PostingReport,
)
from dorf.users.models import User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "postings": [
            {
                "id": p.pk,
                "kind": p.kind,
                "category": p.category,
                "title": p.title,
                "text": p.text,
                "status": p.status,
                "approx_lat": p.approx_lat,
                "approx_lon": p.approx_lon,
                "created_at": p.created_at.isoformat(),
                "photos": [photo.image.name for photo in p.photos.all()],
            }
            for p in Posting.objects.filter(author=user).prefetch_related("photos").order_by("id")
        ],
        "reports": [
            {"posting_id": r.posting_id, "reason": r.reason, "at": r.created_at.isoformat()}
            for r in PostingReport.objects.filter(reporter=user).order_by("id")
        ],
        "agreements": [
            {
                "id": a.pk,
                "posting_id": a.posting_id,
                "role": "helper" if a.helper_id == user.pk else "helped",
                "status": a.status,
                "minutes": a.proposed_minutes,
            }
            for a in Agreement.objects.filter(Q(helper=user) | Q(helped=user)).order_by("id")
        ],
        # The messages themselves are in the chat section (by room id).
        "conversations": [
            {"id": c.pk, "posting_id": c.posting_id, "room_id": c.room_id}
            for c in Conversation.objects.filter(replier=user).order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    for photo in PostingPhoto.objects.filter(posting__author=user):
        photo.image.delete(save=False)
    PostingPhoto.objects.filter(posting__author=user).delete()
    Posting.objects.filter(author=user).update(
        title=ERASED_TEXT, text="", approx_lat=None, approx_lon=None
    )
    # Open postings of an erased account can no longer be answered.
    Posting.objects.filter(author=user, status="open").update(status="withdrawn")
    # The chat rooms of their postings' conversations carry the posting's title.
    chat_services.rooms_retitle(
        subject_type=services.REPLY_SUBJECT,
        subject_ids=Conversation.objects.filter(posting__author=user).values_list("pk", flat=True),
        title=ERASED_TEXT,
    )
    PostingReport.objects.filter(reporter=user).update(reason=ERASED_TEXT)
