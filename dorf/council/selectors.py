"""Read use-cases of the council import, scoped to the viewer's village."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from dorf.council.models import AgendaItem, Follow, Meeting, Organization, Paper
from dorf.villages.models import Membership


def meeting_list(
    *, membership: Membership, starts_after: datetime | None = None
) -> QuerySet[Meeting]:
    meetings = Meeting.objects.filter(village_id=membership.village_id, deleted=False)
    if starts_after is not None:
        meetings = meetings.filter(start__gte=starts_after)
    return meetings.annotate(agenda_item_count=Count("agenda_items")).prefetch_related(
        Prefetch("organizations", queryset=Organization.objects.only("pk", "name", "short_name"))
    )


def meeting_get(*, membership: Membership, meeting_id: int) -> Meeting | None:
    return (
        meeting_list(membership=membership)
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.select_related("paper"))
        )
        .filter(pk=meeting_id)
        .first()
    )


def organization_list(*, membership: Membership) -> QuerySet[Organization]:
    mine = Follow.objects.filter(organization=OuterRef("pk"), user_id=membership.user_id)
    return Organization.objects.filter(village_id=membership.village_id, deleted=False).annotate(
        followed_by_me=Exists(mine)
    )


def paper_list(*, membership: Membership) -> QuerySet[Paper]:
    mine = Follow.objects.filter(paper=OuterRef("pk"), user_id=membership.user_id)
    return Paper.objects.filter(village_id=membership.village_id, deleted=False).annotate(
        followed_by_me=Exists(mine)
    )
