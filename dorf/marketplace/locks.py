"""The one place that loads the marketplace rows a write changes.

Each helper takes the acting user and finds the row only in villages where that user is a
verified member: a service called with another village's id answers 404, whoever calls it.
Postings and agreements are locked (``select_for_update``) so status changes and payment
are serialised per row.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from dorf.core.exceptions import NotFound
from dorf.marketplace.models import Agreement, Conversation, Posting
from dorf.users.models import User
from dorf.villages.scoping import member_village_ids

M = TypeVar("M", bound=Model)


def _one(queryset: QuerySet[M], pk: int) -> M:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def posting_for(user: User, posting_id: int, *, lock: bool = True) -> Posting:
    postings = Posting.objects.select_related("village").filter(
        village__in=member_village_ids(user)
    )
    return _one(postings.select_for_update() if lock else postings, posting_id)


def conversation_for(user: User, conversation_id: int) -> Conversation:
    conversations = Conversation.objects.select_related("posting").filter(
        posting__village__in=member_village_ids(user)
    )
    return _one(conversations, conversation_id)


def agreement_for(user: User, agreement_id: int) -> Agreement:
    agreements = (
        Agreement.objects.select_for_update()
        .select_related("posting__village", "helper", "helped")
        .filter(posting__village__in=member_village_ids(user))
    )
    return _one(agreements, agreement_id)
