"""Read use-cases of the Branchenverzeichnis, scoped to the viewer's village."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from dorf.core.geo import distance_sq_m2
from dorf.directory.hours import HoursState, Schedule
from dorf.directory.models import DirectoryEntry, OwnershipClaim
from dorf.villages.models import Membership, Role, Village


def entry_list(
    *,
    membership: Membership,
    category: str | None = None,
    text: str | None = None,
    delivers: bool | None = None,
    pickup_point: bool | None = None,
    origin: tuple[float, float] | None = None,
    max_distance_m: int | None = None,
) -> QuerySet[DirectoryEntry]:
    """The village's entries; with ``origin``, annotated with ``distance_sq`` (m²) and
    limited to entries with a location (within ``max_distance_m`` if given)."""
    entries = DirectoryEntry.objects.filter(
        village_id=membership.village_id, archived_at__isnull=True
    )
    if category:
        entries = entries.filter(category=category)
    if text:
        entries = entries.filter(Q(name__icontains=text) | Q(description__icontains=text))
    if delivers is not None:
        entries = entries.filter(delivers=delivers)
    if pickup_point is not None:
        entries = entries.filter(pickup_point__isnull=not pickup_point)
    if origin is not None:
        entries = entries.exclude(latitude=None).annotate(
            distance_sq=distance_sq_m2(origin, lat_field="latitude", lon_field="longitude")
        )
        if max_distance_m is not None:
            entries = entries.filter(distance_sq__lte=float(max_distance_m) ** 2)
    return entries.select_related("pickup_point")


def entry_get(*, membership: Membership, entry_id: int) -> DirectoryEntry | None:
    return (
        DirectoryEntry.objects.filter(
            village_id=membership.village_id, pk=entry_id, archived_at__isnull=True
        )
        .select_related("pickup_point", "village")
        .first()
    )


def schedule_of(entry: DirectoryEntry, village: Village) -> Schedule | None:
    """The entry's opening hours in the village's time zone and Bundesland (None: no hours
    given). Expressions are validated on write, so this parses."""
    if not entry.opening_hours:
        return None
    return Schedule(
        entry.opening_hours, tz=ZoneInfo(village.timezone), bundesland=village.bundesland
    )


def hours_at(entry: DirectoryEntry, village: Village, moment: datetime) -> HoursState | None:
    schedule = schedule_of(entry, village)
    return None if schedule is None else schedule.at(moment)


def ids_with_state(
    entries: QuerySet[DirectoryEntry], *, village: Village, moment: datetime, is_open: bool
) -> list[int]:
    """Ids of the entries open (or not open) at ``moment``: evaluated in Python, one query
    for the expressions. A village has dozens of entries, not thousands."""
    tz = ZoneInfo(village.timezone)
    found = []
    for pk, expression in entries.values_list("pk", "opening_hours"):
        open_then = bool(expression) and (
            Schedule(expression, tz=tz, bundesland=village.bundesland).at(moment).is_open
        )
        if open_then == is_open:
            found.append(pk)
    return found


def may_edit(membership: Membership, entry: DirectoryEntry) -> bool:
    return membership.role == Role.STAFF or entry.owner_id == membership.user_id


def claim_list(*, membership: Membership, entry: DirectoryEntry) -> QuerySet[OwnershipClaim]:
    """Staff see every claim on the entry; anyone else only their own."""
    claims = OwnershipClaim.objects.filter(entry=entry).select_related("claimant")
    if membership.role != Role.STAFF:
        claims = claims.filter(claimant_id=membership.user_id)
    return claims


def entry_history(entry: DirectoryEntry) -> QuerySet[LogEntry]:
    """Every recorded change of the entry (django-auditlog), newest first by id."""
    history: QuerySet[LogEntry] = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(DirectoryEntry),
        object_pk=str(entry.pk),
    ).select_related("actor")
    return history
