"""Read use-cases of the warnings, scoped to the viewer's villages."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from dorf.core.exceptions import NotFound
from dorf.users.models import User
from dorf.villages.models import Village
from dorf.villages.scoping import member_village_ids
from dorf.warnings.models import CheckIn, OfficialWarning, WarningArea, WarningVillage


def active_q(now: datetime) -> Q:
    return Q(ended_at=None) & (Q(expires=None) | Q(expires__gt=now))


def warning_list(
    *, user: User, village: Village, active_only: bool = False, now: datetime | None = None
) -> QuerySet[OfficialWarning]:
    """The warnings that reached the village, with the viewer's own check-in answer."""
    queryset = OfficialWarning.objects.filter(villages__village=village).annotate(
        checked_in=Exists(CheckIn.objects.filter(warning=OuterRef("pk"), user_id=user.pk))
    )
    if active_only:
        queryset = queryset.filter(active_q(now or timezone.now()))
    return queryset


def warning_detail(*, user: User, warning_id: int) -> tuple[OfficialWarning, int]:
    """The warning and the id of the viewer's village it reached (404 otherwise)."""
    reach = (
        WarningVillage.objects.filter(
            warning_id=warning_id, village_id__in=member_village_ids(user)
        )
        .select_related("warning")
        .order_by("village_id")
        .first()
    )
    if reach is None:
        raise NotFound()
    return reach.warning, reach.village_id


def own_checkin(*, user: User, warning_id: int) -> CheckIn | None:
    return CheckIn.objects.filter(warning_id=warning_id, user=user).first()


def help_needed(*, warning_id: int, village_id: int) -> QuerySet[CheckIn]:
    return (
        CheckIn.objects.filter(warning_id=warning_id, village_id=village_id, answer="need_help")
        .select_related("user")
        .order_by("created_at")
    )


def active_for_feed(*, village: Village, now: datetime | None = None) -> list[OfficialWarning]:
    return list(
        OfficialWarning.objects.filter(
            active_q(now or timezone.now()), villages__village=village
        ).order_by("-sent", "-pk")[:50]
    )


def area_of(*, village: Village) -> WarningArea | None:
    return WarningArea.objects.filter(village=village).first()
