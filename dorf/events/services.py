"""Write use-cases of the village calendar's own events and of external calendars.

Who may do what:
- a person with the *publisher* role of a news publisher (the municipality, a club ...)
  writes that publisher's events; the village's staff write any publisher's events;
- staff subscribe the village to external calendars (the import is in ``importing``);
- imported events are the source's: they are changed by importing again, not by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils.translation import gettext as _

from dorf.calendar.recurrence import validate_rule
from dorf.calendar.sources import CalendarCategory
from dorf.core import audit
from dorf.core.exceptions import Conflict, Forbidden, ValidationFailed
from dorf.core.fetch import FetchError, UnsafeURL, check_url
from dorf.events import importing, locks
from dorf.events.models import ExternalCalendar, VillageEvent
from dorf.users.models import User
from dorf.villages.models import Membership, Role
from dorf.villages.publishers import directory
from dorf.villages.scoping import require_member, require_staff

MAX_EXDATES = 500
MAX_TAGS = 20
# An event longer than this is a mistake (a festival week is fine, a year is not).
MAX_DURATION = timedelta(days=31)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

EVENT_FIELDS = (
    "title",
    "description",
    "place",
    "latitude",
    "longitude",
    "category",
    "starts_at",
    "ends_at",
    "timezone",
    "rrule",
    "exdates",
    "capacity",
    "public",
)


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or a 400 on the field ``timezone``."""
    try:
        if not name or len(name) > 64:
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            fields={"timezone": [_("Unknown time zone. Give one like Europe/Berlin.")]}
        ) from None


def _check_publisher(membership: Membership, publisher_id: int) -> None:
    """Staff may act for every publisher of their village, others for publishers they
    hold the publisher role of. A publisher of another village is unknown (400)."""
    found = directory().publisher(publisher_id=publisher_id)
    if found is None or found.village_id != membership.village_id:
        raise ValidationFailed(fields={"publisher_id": [_("No such publisher here.")]})
    if membership.role == Role.STAFF:
        return
    mine = directory().publishers_of(user=membership.user, village_id=membership.village_id)
    if not any(p.id == publisher_id for p in mine):
        raise Forbidden(_("Only this publisher's publishers and the village's staff may do this."))


def _exdates(values: Iterable[datetime]) -> list[str]:
    instants = sorted({value.astimezone(UTC) for value in values})
    if len(instants) > MAX_EXDATES:
        raise ValidationFailed(
            fields={"exdates": [_("At most %(n)d left-out dates.") % {"n": MAX_EXDATES}]}
        )
    return [value.isoformat() for value in instants]


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    """Checks across fields, on the merged values of an event; returns them normalised."""
    tz = zone(fields["timezone"])
    starts_at, ends_at = fields["starts_at"], fields["ends_at"]
    if ends_at <= starts_at:
        raise ValidationFailed(
            fields={"ends_at": [_("The end must come after the start.")]}, code="invalid_window"
        )
    if starts_at < EARLIEST or ends_at >= LATEST:
        raise ValidationFailed(
            fields={"starts_at": [_("Give a date between 1970 and 2099.")]}, code="invalid_window"
        )
    if ends_at - starts_at > MAX_DURATION:
        raise ValidationFailed(fields={"ends_at": [_("An event may last at most 31 days.")]})
    if fields["category"] not in CalendarCategory.values:
        raise ValidationFailed(fields={"category": [_("Unknown category.")]})
    fields["rrule"] = validate_rule(fields["rrule"] or "", starts_at=starts_at, tz=tz)
    if fields["exdates"] and not fields["rrule"]:
        raise ValidationFailed(
            fields={"exdates": [_("Only a recurring event has dates to leave out.")]}
        )
    fields["exdates"] = _exdates(
        datetime.fromisoformat(v) if isinstance(v, str) else v for v in fields["exdates"]
    )
    return fields


@transaction.atomic
def event_create(
    *,
    actor: User,
    village_id: int,
    publisher_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    place: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    category: str = CalendarCategory.MUNICIPALITY,
    timezone: str | None = None,
    rrule: str = "",
    exdates: Iterable[datetime] = (),
    capacity: int | None = None,
    public: bool = True,
) -> VillageEvent:
    """A publisher's event (single or recurring, in ``timezone``, default the village's)."""
    membership = require_member(actor, village_id)
    _check_publisher(membership, publisher_id)
    fields = _validated(
        {
            "title": title,
            "description": description,
            "place": place,
            "latitude": latitude,
            "longitude": longitude,
            "category": category,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "timezone": timezone or membership.village.timezone,
            "rrule": rrule,
            "exdates": list(exdates),
            "capacity": capacity,
            "public": public,
        }
    )
    return VillageEvent.objects.create(
        village_id=village_id, publisher_id=publisher_id, created_by=actor, **fields
    )


def _writable(actor: User, event: VillageEvent) -> None:
    membership = require_member(actor, event.village_id)
    if event.calendar_id is not None:
        raise Conflict(
            _("This event comes from an external calendar; it changes when that calendar does.")
        )
    if event.publisher_id is None:  # pragma: no cover - the constraint forbids it
        require_staff(membership)
        return
    _check_publisher(membership, event.publisher_id)


@transaction.atomic
def event_update(*, actor: User, event_id: int, **changes: Any) -> VillageEvent:
    """Change any of ``EVENT_FIELDS``; the rule and exceptions are checked again and the
    sequence is bumped so subscribed calendar apps take the change."""
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise ValidationFailed(
            fields={name: [_("This field is not accepted here.")] for name in unknown}
        )
    event = locks.event_for(actor, event_id)
    _writable(actor, event)
    merged = {name: getattr(event, name) for name in EVENT_FIELDS}
    merged.update(changes)
    for name, value in _validated(merged).items():
        setattr(event, name, value)
    event.sequence += 1
    event.save()
    return event


@transaction.atomic
def event_delete(*, actor: User, event_id: int) -> None:
    event = locks.event_for(actor, event_id)
    _writable(actor, event)
    event.delete()


# --- external calendars -------------------------------------------------------------------


def _tags(values: Iterable[str]) -> list[str]:
    tags = sorted({value.strip().casefold() for value in values if value.strip()})
    if len(tags) > MAX_TAGS or any(len(tag) > 60 for tag in tags):
        raise ValidationFailed(
            fields={"tag_filter": [_("At most 20 tags of up to 60 characters.")]}
        )
    return tags


def _check_url(url: str) -> None:
    try:
        check_url(url)
    except UnsafeURL:
        raise ValidationFailed(
            fields={"url": [_("This address cannot be fetched (not a public web address).")]},
            code="unsafe_url",
        ) from None
    except FetchError:
        raise ValidationFailed(
            fields={"url": [_("This host name cannot be resolved.")]}, code="unresolvable"
        ) from None


@transaction.atomic
def external_calendar_create(
    *,
    actor: User,
    village_id: int,
    name: str,
    url: str,
    category: str = CalendarCategory.OTHER,
    tag_filter: Iterable[str] = (),
    recording: bytes | None = None,
) -> ExternalCalendar:
    """Staff subscribe the village to an ICS calendar (imported by the periodic task or
    ``importing.external_calendar_import``).

    With ``recording`` (the demo: a recorded file, no network) the calendar is created
    paused with that file imported; its address is checked when someone activates it."""
    require_staff(require_member(actor, village_id))
    if recording is None:
        _check_url(url)
    if category not in CalendarCategory.values:
        raise ValidationFailed(fields={"category": [_("Unknown category.")]})
    if ExternalCalendar.objects.filter(village_id=village_id, url=url).exists():
        raise Conflict(_("This calendar is imported already."))
    calendar = ExternalCalendar.objects.create(
        village_id=village_id,
        name=name,
        url=url,
        category=category,
        tag_filter=_tags(tag_filter),
        created_by=actor,
        active=recording is None,
    )
    audit.record(
        actor=actor,
        instance=calendar,
        before={},
        verb="external_calendar_create",
        village_id=village_id,
    )
    if recording is not None:
        importing.external_calendar_import_body(calendar=calendar, body=recording)
    return calendar


@transaction.atomic
def external_calendar_update(*, actor: User, calendar_id: int, **changes: Any) -> ExternalCalendar:
    """Rename, recategorise, change the tag filter or (de)activate. A new tag filter or
    category applies from the next import on, which is forced by forgetting the ETag."""
    calendar = locks.calendar_for(actor, calendar_id)
    require_staff(require_member(actor, calendar.village_id))
    before = audit.snapshot(calendar)
    if "category" in changes and changes["category"] not in CalendarCategory.values:
        raise ValidationFailed(fields={"category": [_("Unknown category.")]})
    if "tag_filter" in changes:
        changes["tag_filter"] = _tags(changes["tag_filter"])
    if changes.get("active") and not calendar.active:
        _check_url(calendar.url)
    for name in ("name", "category", "tag_filter", "active"):
        if name in changes:
            setattr(calendar, name, changes[name])
    if {"category", "tag_filter"} & set(changes):
        calendar.etag = ""
        calendar.last_modified = ""
    calendar.save()
    audit.record(
        actor=actor,
        instance=calendar,
        before=before,
        verb="external_calendar_update",
        village_id=calendar.village_id,
    )
    return calendar


@transaction.atomic
def external_calendar_delete(*, actor: User, calendar_id: int) -> None:
    """Unsubscribe: the calendar and every event imported from it go."""
    calendar = locks.calendar_for(actor, calendar_id)
    require_staff(require_member(actor, calendar.village_id))
    audit.record_deletion(
        actor=actor,
        instance=calendar,
        verb="external_calendar_delete",
        village_id=calendar.village_id,
    )
    calendar.delete()
