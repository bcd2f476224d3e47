"""Write use-cases of the Müllkalender: importing plans, reminder settings, planning and
sending reminders, announcing shifts.

Reminders: each ``ReminderSetting`` stores its next firing in UTC (``next_fire_at``) and
the collection date it is for. The minute task claims due rows with
``SELECT … FOR UPDATE SKIP LOCKED`` (two workers never take the same row), records each
(setting, collection, date) in ``ReminderSent`` (unique: exactly once even if a row were
taken twice), hands the notices to ``notify_each`` and plans the next firing, all in one
transaction. The firing time is the wall-clock time in the village's zone on the day
``days_before`` the collection, converted to UTC per date, so 19:00 stays 19:00 across
both clock changes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dorf.core import audit
from dorf.core.exceptions import ValidationFailed
from dorf.core.fetch import FetchError, fetch
from dorf.notifications.models import Category, QuietHours
from dorf.notifications.quiet_hours import DEFAULT_ENDS, DEFAULT_STARTS, quiet_until, wall_clock
from dorf.notifications.services import Notice, NotificationText, notify_each, preferences_set
from dorf.users.models import User
from dorf.villages.models import MembershipState, Village
from dorf.villages.scoping import require_member, require_staff
from dorf.waste import importing, locks, selectors
from dorf.waste.addresses import TourIndex
from dorf.waste.models import (
    MAX_DAYS_BEFORE,
    Bundesland,
    Collection,
    ReminderSent,
    ReminderSetting,
    Tour,
    TourStreet,
    WasteType,
)

logger = logging.getLogger(__name__)

AFTER_IMPORT_TASK = "waste.after_import"
# How far ahead reminders are planned; the daily re-plan moves the horizon on.
PLAN_HORIZON_DAYS = 400
# A reminder missed by more than this (a worker down for hours) is not sent late.
LATE_LIMIT = timedelta(hours=6)
BATCH = 1000
# Reminders per claim: a claim is one transaction and one batch task. Small enough that
# the 10,000 reminders of a big village at 19:00 spread over every worker and the first
# pushes leave while later batches are still claimed, big enough that the per-claim work
# (the village's tours and calendar, a handful of queries) stays a small share.
SEND_BATCH = 250


def local_today(village: Village, now: datetime) -> date:
    return now.astimezone(ZoneInfo(village.timezone)).date()


# --- configuration -------------------------------------------------------------------------


@transaction.atomic
def waste_type_create(*, village: Village, code: str, label: str, colour: str) -> WasteType:
    """A waste type of the village (the operator's admin edits them too)."""
    waste_type = WasteType(village=village, code=code, label=label, colour=colour)
    waste_type.full_clean()
    waste_type.save()
    return waste_type


@transaction.atomic
def tour_create(
    *,
    village: Village,
    name: str,
    waste_type: WasteType,
    streets: Iterable[tuple[str, int | None, int | None, str]],
) -> Tour:
    """A tour with its streets: (street, from number, to number, parity)."""
    tour = Tour.objects.create(village=village, name=name, waste_type=waste_type)
    TourStreet.objects.bulk_create(
        TourStreet(tour=tour, street=s, number_from=a, number_to=b, parity=p)
        for s, a, b, p in streets
    )
    return tour


# --- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    created: int
    shifted: int
    updated: int
    unchanged: int
    cancelled: int
    holidays: int


class ImportFormat:
    ICS = "ics"
    CSV = "csv"


def import_limit() -> int:
    return int(settings.DORF_WASTE_IMPORT_MAX_BYTES)


def collections_import(
    *,
    user: User,
    village_id: int,
    fmt: str,
    content: bytes | None = None,
    url: str = "",
    tour_id: int | None = None,
    bundesland: str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import a collection company's plan (iCalendar file or URL, or CSV) for the staff
    of a village: all or nothing, idempotent, shifts recorded and announced."""
    membership = require_staff(require_member(user, village_id))
    report = collections_import_into(
        village=membership.village,
        fmt=fmt,
        content=content,
        url=url,
        tour_id=tour_id,
        bundesland=bundesland,
        now=now,
    )
    # After the import's own transaction: the fetch before it must not hold one open.
    summary = _("%(created)d new, %(shifted)d shifted, %(cancelled)d cancelled") % {
        "created": report.created,
        "shifted": report.shifted,
        "cancelled": report.cancelled,
    }
    audit.record(
        actor=user,
        instance=membership.village,
        before={},
        verb="collections_import",
        village_id=village_id,
        changes={"waste_plan": [None, summary]},
    )
    return report


def collections_import_into(
    *,
    village: Village,
    fmt: str,
    content: bytes | None = None,
    url: str = "",
    tour_id: int | None = None,
    bundesland: str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """The import itself, for a village already authorised (the API's staff check, or
    the operator in the admin)."""
    now = now or timezone.now()
    if bundesland is not None and bundesland not in Bundesland.values:
        raise ValidationFailed(code="invalid", fields={"bundesland": [_("Unknown federal state.")]})
    if tour_id is not None and not village.waste_tours.filter(pk=tour_id).exists():
        raise ValidationFailed(code="unknown_tour", fields={"tour": [_("Unknown tour.")]})
    limit = import_limit()
    if url:
        # Slow I/O outside any transaction, through the SSRF-safe fetcher.
        try:
            content = fetch(url, max_bytes=limit, accept="text/calendar, text/csv, */*").body
        except FetchError as exc:
            raise ValidationFailed(
                _("The plan could not be fetched: %(error)s") % {"error": exc},
                code="fetch_failed",
                fields={"url": [str(exc)]},
            ) from exc
    if content is None:
        raise ValidationFailed(code="required", fields={"file": [_("Send a file or a URL.")]})
    if len(content) > limit:
        raise ValidationFailed(
            _("The file is larger than %(max)s bytes.") % {"max": limit},
            code="file_too_large",
            fields={"file": [_("The file is larger than %(max)s bytes.") % {"max": limit}]},
        )
    today = local_today(village, now)
    catalogue = selectors.catalogue(village_id=village.pk)
    if fmt == ImportFormat.ICS:
        parsed = importing.parse_ics(
            content,
            tz=ZoneInfo(village.timezone),
            today=today,
            catalogue=catalogue,
            tour_id=tour_id,
        )
    elif fmt == ImportFormat.CSV:
        parsed = importing.parse_csv(content, today=today, catalogue=catalogue)
    else:
        raise ValidationFailed(code="invalid", fields={"format": [_("Use ics or csv.")]})
    if parsed.errors:
        raise ValidationFailed(
            _("The file has errors; nothing was imported."),
            code="import_invalid",
            fields={"file": parsed.errors},
        )
    return _apply_import(village=village, rows=parsed.rows, bundesland=bundesland, today=today)


def _holiday_names(bundesland: str, years: Iterable[int]) -> dict[date, str]:
    if not bundesland:
        return {}
    return dict(
        holidays.country_holidays("DE", subdiv=bundesland, years=sorted(set(years)), language="de")
    )


@transaction.atomic
def _apply_import(
    *,
    village: Village,
    rows: Sequence[importing.PlannedCollection],
    bundesland: str | None,
    today: date,
) -> ImportReport:
    waste_settings = locks.settings_for_update(village)
    if bundesland is not None and bundesland != waste_settings.bundesland:
        waste_settings.bundesland = bundesland
        waste_settings.save(update_fields=["bundesland", "updated_at"])
    tour_ids = {row.tour_id for row in rows}
    existing = {
        (c.tour_id, c.source_key): c
        for c in Collection.objects.filter(tour_id__in=tour_ids).order_by("pk")
    }
    holiday_of = _holiday_names(
        waste_settings.bundesland,
        [row.date.year for row in rows]
        + [row.original_date.year for row in rows if row.original_date is not None],
    )
    created: list[Collection] = []
    changed: list[Collection] = []
    counts: defaultdict[str, int] = defaultdict(int)
    seen: set[tuple[int, str]] = set()
    for row in rows:
        seen.add((row.tour_id, row.key))
        collection = existing.get((row.tour_id, row.key))
        if collection is None:
            collection = Collection(
                tour_id=row.tour_id,
                source_key=row.key,
                date=row.date,
                original_date=row.original_date,
                shift_reason=row.reason if row.original_date else "",
                note=row.note,
            )
            collection.holiday = _holiday_flag(collection, holiday_of)
            counts["holidays"] += bool(collection.holiday)
            created.append(collection)
            continue
        before = (
            collection.date,
            collection.original_date,
            collection.shift_reason,
            collection.note,
            collection.cancelled,
            collection.holiday,
        )
        if collection.date != row.date:
            first_planned = row.original_date or collection.original_date or collection.date
            collection.original_date = None if first_planned == row.date else first_planned
            collection.date = row.date
            collection.shift_reason = row.reason
            collection.announce_pending = max(row.date, first_planned) >= today
            counts["shifted"] += 1
        elif row.original_date is not None and collection.original_date != row.original_date:
            collection.original_date = row.original_date
            collection.shift_reason = row.reason
        collection.note = row.note
        collection.cancelled = False
        collection.holiday = _holiday_flag(collection, holiday_of)
        counts["holidays"] += bool(collection.holiday)
        after = (
            collection.date,
            collection.original_date,
            collection.shift_reason,
            collection.note,
            collection.cancelled,
            collection.holiday,
        )
        if after == before:
            counts["unchanged"] += 1
            continue
        if after[:5] != before[:5]:
            collection.sequence += 1  # calendar apps replace an event only for a higher one
        if before[0] == after[0]:
            counts["updated"] += 1
        changed.append(collection)
    # A plan that no longer lists a collection (of its tours, from its first date on)
    # has cancelled it; earlier dates belong to an older plan and stay as they were.
    first_of_tour: dict[int, date] = {}
    for row in rows:
        first_of_tour[row.tour_id] = min(row.date, first_of_tour.get(row.tour_id, row.date))
    for identity, collection in existing.items():
        if (
            identity not in seen
            and not collection.cancelled
            and collection.date >= first_of_tour[collection.tour_id]
        ):
            collection.cancelled = True
            collection.sequence += 1
            changed.append(collection)
            counts["cancelled"] += 1
    Collection.objects.bulk_create(created, batch_size=1000)
    stamp = timezone.now()
    for collection in changed:
        collection.updated_at = stamp
    Collection.objects.bulk_update(
        changed,
        [
            "date",
            "original_date",
            "shift_reason",
            "note",
            "cancelled",
            "holiday",
            "sequence",
            "announce_pending",
            "updated_at",
        ],
        batch_size=1000,
    )
    if created or changed:
        village_id = village.pk
        transaction.on_commit(lambda: _after_import(village_id))
    return ImportReport(
        created=len(created),
        shifted=counts["shifted"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        cancelled=counts["cancelled"],
        holidays=counts["holidays"],
    )


def _holiday_flag(collection: Collection, holiday_of: dict[date, str]) -> str:
    """The holiday's name when the collection falls on one the plan did not shift it off."""
    if collection.shifted:
        return ""
    return str(holiday_of.get(collection.date, ""))[:80]


def _after_import(village_id: int) -> None:
    try:
        current_app.tasks[AFTER_IMPORT_TASK].delay(village_id)
    except Exception:  # the minute task announces and the daily one re-plans anyway
        logger.exception("could not enqueue the re-plan of village %s", village_id)


# --- reminder settings ---------------------------------------------------------------------


@transaction.atomic
def reminder_setting_set(
    *,
    user: User,
    village_id: int,
    type_codes: list[str] | None = None,
    days_before: int = 1,
    time_local: time = time(19, 0),
    push: bool | None = None,
    email: bool | None = None,
    enabled: bool = True,
    now: datetime | None = None,
) -> ReminderSetting:
    """Create or replace the member's reminder (types: codes, empty or None = all types
    of the household) and plan its next firing. Push and e-mail are the member's
    channels of the ``waste`` notification category."""
    membership = require_member(user, village_id)
    selectors.household_of(membership)
    if not 0 <= days_before <= MAX_DAYS_BEFORE:
        raise ValidationFailed(
            code="invalid",
            fields={"days_before": [_("Between 0 and %(max)s days.") % {"max": MAX_DAYS_BEFORE}]},
        )
    types = selectors.types_by_code(village_id=village_id, codes=type_codes or [])
    setting, _created = ReminderSetting.objects.select_for_update().get_or_create(
        membership=membership
    )
    setting.days_before = days_before
    setting.time_local = time_local.replace(second=0, microsecond=0, tzinfo=None)
    setting.enabled = enabled
    setting.save()
    setting.waste_types.set(types)
    channels = {k: v for k, v in (("push", push), ("email", email)) if v is not None}
    if channels:
        preferences_set(user=user, channels={Category.WASTE: channels})
    reminders_plan(setting_ids=[setting.pk], now=now or timezone.now())
    setting.refresh_from_db()
    return setting


@transaction.atomic
def reminder_setting_delete(*, user: User, village_id: int) -> None:
    membership = require_member(user, village_id)
    ReminderSetting.objects.filter(membership=membership).delete()


# --- planning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    collection_id: int
    tour_id: int
    type_id: int
    date: date


class _Calendar:
    """The collections and tour streets of a batch's villages, loaded once."""

    def __init__(self, village_ids: set[int], *, first: date, last: date) -> None:
        self.indexes = {v: selectors.tour_index(village_id=v) for v in village_ids}
        self.by_tour: dict[int, list[_Planned]] = defaultdict(list)
        # Households of a street share their tours: one sorted list per (tours, types).
        self._found: dict[tuple[frozenset[int], frozenset[int]], list[_Planned]] = {}
        for pk, tour_id, type_id, day in (
            Collection.objects.filter(
                tour__village_id__in=village_ids, date__gte=first, date__lte=last, cancelled=False
            )
            .order_by("date", "id")
            .values_list("pk", "tour_id", "tour__waste_type_id", "date")
        ):
            self.by_tour[tour_id].append(_Planned(pk, tour_id, type_id, day))

    def index(self, village_id: int) -> TourIndex:
        return self.indexes[village_id]

    def collections_of(self, setting: ReminderSetting, type_ids: frozenset[int]) -> list[_Planned]:
        membership = setting.membership
        household = membership.household
        if household is None:
            return []
        tours = frozenset(
            self.index(membership.village_id).tours_of(household.street, household.house_number)
        )
        found = self._found.get((tours, type_ids))
        if found is None:
            found = sorted(
                (
                    c
                    for tour_id in tours
                    for c in self.by_tour.get(tour_id, ())
                    if not type_ids or c.type_id in type_ids
                ),
                key=lambda c: (c.date, c.collection_id),
            )
            self._found[(tours, type_ids)] = found
        return found


def fire_time(*, day: date, days_before: int, at: time, tz: ZoneInfo) -> datetime:
    """When the reminder of a collection on ``day`` fires, in UTC: the wall-clock time
    ``at`` in ``tz`` on the day ``days_before`` earlier (a time in the spring gap moves
    forward by the gap, a time that occurs twice in autumn is the first one)."""
    return wall_clock(day - timedelta(days=days_before), at, tz)


def _next_firing(
    setting: ReminderSetting,
    collections: list[_Planned],
    *,
    sent: set[tuple[int, int, date]],
    after: datetime,
) -> tuple[datetime, date] | None:
    tz = ZoneInfo(setting.membership.village.timezone)
    for collection in collections:
        if (setting.pk, collection.collection_id, collection.date) in sent:
            continue
        at = fire_time(
            day=collection.date, days_before=setting.days_before, at=setting.time_local, tz=tz
        )
        if at >= after:
            return at, collection.date
    return None


def _load_settings(setting_ids: Iterable[int]) -> list[ReminderSetting]:
    return list(
        ReminderSetting.objects.filter(pk__in=list(setting_ids))
        .select_related("membership__village", "membership__household", "membership__user")
        .order_by("pk")
    )


def _type_ids_of(settings_list: Sequence[ReminderSetting]) -> dict[int, frozenset[int]]:
    """Each reminder's chosen types (empty: all), one query: ``prefetch_related`` would
    build a QuerySet per reminder, a tenth of a claim's CPU."""
    chosen: defaultdict[int, set[int]] = defaultdict(set)
    for setting_id, type_id in ReminderSetting.waste_types.through.objects.filter(
        remindersetting_id__in=[s.pk for s in settings_list]
    ).values_list("remindersetting_id", "wastetype_id"):
        chosen[setting_id].add(type_id)
    return {s.pk: frozenset(chosen.get(s.pk, ())) for s in settings_list}


def _plannable(setting: ReminderSetting) -> bool:
    membership = setting.membership
    return (
        setting.enabled
        and membership.state == MembershipState.VERIFIED
        and membership.household_id is not None
        and membership.user.is_active
    )


def _replan(settings_list: list[ReminderSetting], *, now: datetime) -> None:
    if not settings_list:
        return
    today = min(local_today(s.membership.village, now) for s in settings_list)
    calendar = _Calendar(
        {s.membership.village_id for s in settings_list},
        first=today - timedelta(days=1),
        last=today + timedelta(days=PLAN_HORIZON_DAYS),
    )
    sent = set(
        ReminderSent.objects.filter(
            setting_id__in=[s.pk for s in settings_list], collection_date__gte=today
        ).values_list("setting_id", "collection_id", "collection_date")
    )
    chosen = _type_ids_of(settings_list)
    changed = []
    for setting in settings_list:
        found = (
            _next_firing(
                setting,
                calendar.collections_of(setting, chosen[setting.pk]),
                sent=sent,
                after=now,
            )
            if _plannable(setting)
            else None
        )
        fire_at, day = found if found else (None, None)
        if (setting.next_fire_at, setting.next_date) != (fire_at, day):
            setting.next_fire_at, setting.next_date = fire_at, day
            changed.append(setting)
    _save_next(changed)


def _save_next(settings_list: list[ReminderSetting]) -> None:
    """Store the planned firings, one UPDATE per distinct (fire time, date): a village's
    reminders share a few of them, and Django's bulk_update (a CASE per row) cost 12 s
    of a 1,000-row batch under load (docs/benchmarks.md)."""
    groups: defaultdict[tuple[datetime | None, date | None], list[int]] = defaultdict(list)
    for setting in settings_list:
        groups[(setting.next_fire_at, setting.next_date)].append(setting.pk)
    for (fire_at, day), ids in groups.items():
        ReminderSetting.objects.filter(pk__in=ids).update(next_fire_at=fire_at, next_date=day)


def reminders_plan(*, setting_ids: Iterable[int], now: datetime | None = None) -> None:
    """(Re-)plan the next firing of these reminders from ``now`` on."""
    _replan(_load_settings(setting_ids), now=now or timezone.now())


def reminders_plan_all(*, now: datetime | None = None) -> int:
    """The daily re-plan of every village: moves the horizon on, follows moved households."""
    return sum(
        reminders_plan_village(village_id=pk, now=now)
        for pk in Village.objects.order_by("pk").values_list("pk", flat=True)
    )


def reminders_plan_village(*, village_id: int, now: datetime | None = None) -> int:
    """Re-plan every reminder of a village (after an import, and daily); the count."""
    ids = list(
        ReminderSetting.objects.filter(membership__village_id=village_id).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            reminders_plan(setting_ids=ids[start : start + BATCH], now=now)
    return len(ids)


# --- sending -------------------------------------------------------------------------------

REMINDER_TITLE = {
    0: gettext_lazy("Today: %(types)s"),
    1: gettext_lazy("Tomorrow: %(types)s"),
}
REMINDER_TITLE_LATER = gettext_lazy("On %(date)s: %(types)s")
REMINDER_BODY = gettext_lazy("Collection of %(types)s on %(date)s. Put the bins out in time.")


def _in_quiet_hours(user_id: int, at: datetime, quiet: dict[int, QuietHours], tz: ZoneInfo) -> bool:
    stored = quiet.get(user_id)
    if stored is not None and not stored.enabled:
        return False
    starts = stored.starts if stored else DEFAULT_STARTS
    ends = stored.ends if stored else DEFAULT_ENDS
    return quiet_until(now=at, starts=starts, ends=ends, tz=tz) is not None


def _date_label(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def reminders_send_due(*, now: datetime | None = None, batch: int = SEND_BATCH) -> int:
    """Send every reminder due at ``now``, batch after batch in this process; the number
    of notices. (The minute task spreads the batches over the workers instead.)"""
    now = now or timezone.now()
    total = 0
    while True:
        sent, claimed = _send_batch(now=now, batch=batch)
        total += sent
        if claimed < batch:
            return total


def reminders_due_batches(*, now: datetime | None = None, batch: int = SEND_BATCH) -> int:
    """How many claims of ``batch`` reminders the reminders due at ``now`` make up: the
    minute task hands out one batch task per claim, so that all workers send at once."""
    due = ReminderSetting.objects.filter(next_fire_at__lte=now or timezone.now()).count()
    return -(-due // batch)


def reminders_send_batch(*, now: datetime | None = None, batch: int = SEND_BATCH) -> int:
    """Claim up to ``batch`` due reminders and send them; the number of notices.

    Batch tasks running side by side each claim their own rows (SKIP LOCKED); a task
    that runs twice, or after the next minute's run, finds its rows planned ahead and
    sends nothing. What no task claimed is still due and goes with the next minute.
    """
    return _send_batch(now=now or timezone.now(), batch=batch)[0]


@transaction.atomic
def _send_batch(*, now: datetime, batch: int) -> tuple[int, int]:
    # SKIP LOCKED: a second worker running the same minute takes the next rows instead
    # of waiting for these; each row leaves the due set in this very transaction.
    ids = list(
        ReminderSetting.objects.select_for_update(skip_locked=True)
        .filter(next_fire_at__lte=now)
        .order_by("next_fire_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return 0, 0
    claimed = _load_settings(ids)
    today = min(local_today(s.membership.village, now) for s in claimed)
    calendar = _Calendar(
        {s.membership.village_id for s in claimed},
        first=today - timedelta(days=1),
        last=today + timedelta(days=PLAN_HORIZON_DAYS),
    )
    sent = set(
        ReminderSent.objects.filter(setting_id__in=ids, collection_date__gte=today).values_list(
            "setting_id", "collection_id", "collection_date"
        )
    )
    chosen = _type_ids_of(claimed)
    quiet = {
        q.user_id: q
        for q in QuietHours.objects.filter(user_id__in={s.membership.user_id for s in claimed})
    }
    labels = dict(
        WasteType.objects.filter(
            village_id__in={s.membership.village_id for s in claimed}
        ).values_list("pk", "label")
    )
    texts: dict[tuple[int, str, date], NotificationText] = {}
    notices: list[Notice] = []
    records: list[ReminderSent] = []
    for setting in claimed:
        if not _plannable(setting) or setting.next_fire_at is None or setting.next_date is None:
            continue
        fire_at, day = setting.next_fire_at, setting.next_date
        tz = ZoneInfo(setting.membership.village.timezone)
        if now - fire_at > LATE_LIMIT or local_today(setting.membership.village, now) > day:
            continue  # too late to be useful; the re-plan below moves on
        due = [
            c
            for c in calendar.collections_of(setting, chosen[setting.pk])
            if c.date == day and (setting.pk, c.collection_id, day) not in sent
        ]
        if not due:
            continue
        types = ", ".join(sorted({labels[c.type_id] for c in due}))
        key = (setting.days_before, types, day)
        if key not in texts:
            texts[key] = NotificationText(
                title=REMINDER_TITLE.get(setting.days_before, REMINDER_TITLE_LATER),
                body=REMINDER_BODY,
                params={"types": types, "date": _date_label(day)},
            )
        notices.append(
            Notice(
                user=setting.membership.user,
                category=Category.WASTE,
                text=texts[key],
                village_id=setting.membership.village_id,
                link_type="waste_collection",
                link_id=due[0].collection_id,
                topic=f"waste-{setting.pk}-{day.isoformat()}",
                # Pointless once the collection day is over.
                expires_at=wall_clock(day + timedelta(days=1), time(0, 0), tz),
                ignore_quiet_hours=_in_quiet_hours(setting.membership.user_id, fire_at, quiet, tz),
            )
        )
        records.extend(
            ReminderSent(
                setting=setting, collection_id=c.collection_id, collection_date=day, sent_at=now
            )
            for c in due
        )
        sent.update((setting.pk, c.collection_id, day) for c in due)
    ReminderSent.objects.bulk_create(records, batch_size=1000)
    notify_each(notices=notices)
    changed = []
    for setting in claimed:
        found = (
            _next_firing(
                setting,
                calendar.collections_of(setting, chosen[setting.pk]),
                sent=sent,
                after=max(now, setting.next_fire_at or now) + timedelta(seconds=1),
            )
            if _plannable(setting)
            else None
        )
        setting.next_fire_at, setting.next_date = found if found else (None, None)
        changed.append(setting)
    _save_next(changed)
    return len(notices), len(ids)


# --- shifts --------------------------------------------------------------------------------

SHIFT_TITLE = gettext_lazy("Collection date changed")
SHIFT_BODY = gettext_lazy("New dates: %(lines)s")
SHIFT_LINE = gettext_lazy("%(type)s on %(date)s instead of %(original)s")


def _shift_lines(collections: list[Collection]) -> str:
    # Evaluated lazily, inside the recipient's language (NotificationText.render).
    return "; ".join(
        str(SHIFT_LINE)
        % {
            "type": c.tour.waste_type.label,
            "date": _date_label(c.date),
            "original": _date_label(c.original_date or c.date),
        }
        for c in collections
    )


_lazy_shift_lines = lazy(_shift_lines, str)


@transaction.atomic
def shifts_announce(*, now: datetime | None = None, batch: int = 200) -> int:
    """Tell each member with a reminder whose household a shifted collection serves, once
    per shift, and re-plan their reminders; the number of notices."""
    now = now or timezone.now()
    pending = list(
        Collection.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(announce_pending=True)
        .select_related("tour__village", "tour__waste_type")
        .order_by("pk")[:batch]
    )
    if not pending:
        return 0
    Collection.objects.filter(pk__in=[c.pk for c in pending]).update(announce_pending=False)
    by_village: dict[int, list[Collection]] = defaultdict(list)
    for collection in pending:
        if max(collection.date, collection.original_date or collection.date) >= local_today(
            collection.tour.village, now
        ):
            by_village[collection.tour.village_id].append(collection)
    notices: list[Notice] = []
    replan: list[ReminderSetting] = []
    for village_id, shifted in by_village.items():
        index = selectors.tour_index(village_id=village_id)
        candidates = _load_settings(
            ReminderSetting.objects.filter(
                membership__village_id=village_id, enabled=True
            ).values_list("pk", flat=True)
        )
        chosen = _type_ids_of(candidates)
        for setting in candidates:
            if not _plannable(setting):
                continue
            household = setting.membership.household
            assert household is not None
            tours = index.tours_of(household.street, household.house_number)
            type_ids = chosen[setting.pk]
            mine = [
                c
                for c in shifted
                if c.tour_id in tours and (not type_ids or c.tour.waste_type_id in type_ids)
            ]
            if not mine:
                continue
            notices.append(
                Notice(
                    user=setting.membership.user,
                    category=Category.WASTE,
                    text=NotificationText(
                        title=SHIFT_TITLE,
                        body=SHIFT_BODY,
                        params={"lines": _lazy_shift_lines(mine)},
                    ),
                    village_id=village_id,
                    link_type="waste_collection",
                    link_id=mine[0].pk,
                    topic=f"waste-shift-{mine[0].pk}",
                )
            )
            replan.append(setting)
    notify_each(notices=notices)
    _replan(replan, now=now)
    return len(notices)


@transaction.atomic
def reminders_erase(*, user: User) -> int:
    """Delete the user's reminder settings (and with them what was sent); the count."""
    deleted, _by_model = ReminderSetting.objects.filter(membership__user=user).delete()
    return deleted
