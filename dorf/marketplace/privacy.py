"""GDPR for the marketplace: export what a user wrote; erasure replaces their free texts.

Postings, threads and agreements stay (the other party's records and the ledger's links
keep their shape); only the words the erased person wrote are replaced.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from dorf.marketplace.models import (
    Agreement,
    Conversation,
    Posting,
    PostingPhoto,
    PostingReport,
    ReplyMessage,
)
from dorf.users.models import User

ERASED_TEXT = "[gelöscht]"


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
        "messages": [
            {"conversation_id": m.conversation_id, "text": m.text, "at": m.created_at.isoformat()}
            for m in ReplyMessage.objects.filter(sender=user).order_by("id")
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
        "conversations": list(
            Conversation.objects.filter(replier=user).order_by("id").values_list("id", flat=True)
        ),
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
    ReplyMessage.objects.filter(sender=user).update(text=ERASED_TEXT)
    PostingReport.objects.filter(reporter=user).update(reason=ERASED_TEXT)
