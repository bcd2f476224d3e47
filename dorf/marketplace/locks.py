"""The one place that loads the marketplace rows a write changes.

Each helper takes the acting user and finds the row only in villages where that user is a
verified member: a service called with another village's id answers 404, whoever calls it.
Postings and agreements are locked (``select_for_update``) so status changes and payment
are serialised per row.
"""

from __future__ import annotations

from dorf.marketplace.models import Agreement, Conversation, Posting
from dorf.users.models import User
from dorf.villages.scoping import get_scoped_or_404, member_village_ids


def posting_for(user: User, posting_id: int, *, lock: bool = True) -> Posting:
    postings = Posting.objects.select_related("village").filter(
        village__in=member_village_ids(user)
    )
    return get_scoped_or_404(postings.select_for_update() if lock else postings, pk=posting_id)


def conversation_for(user: User, conversation_id: int) -> Conversation:
    conversations = Conversation.objects.select_related("posting").filter(
        posting__village__in=member_village_ids(user)
    )
    return get_scoped_or_404(conversations, pk=conversation_id)


def agreement_for(user: User, agreement_id: int) -> Agreement:
    agreements = (
        Agreement.objects.select_for_update()
        .select_related("posting__village", "helper", "helped")
        .filter(posting__village__in=member_village_ids(user))
    )
    return get_scoped_or_404(agreements, pk=agreement_id)
