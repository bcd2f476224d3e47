"""Recurring dates: RFC 5545 RRULEs (via python-dateutil) expanded in a village's time zone.

A series is a first start and end given as aware datetimes, a rule evaluated on the
*local wall clock* of the village's zone (zoneinfo), single occurrences left out (EXDATE)
or moved or cancelled (keyed by their original start, like RECURRENCE-ID), and results in
UTC. "Every Tuesday 19:30" is 19:30 CET in winter and 19:30 CEST in summer.

Clock changes follow RFC 5545 (3.3.5): a local time that falls in the spring gap is read
with the offset before the gap, i.e. shifted forward by the gap (02:30 on the last Sunday
of March is 03:30 CEST); a local time that exists twice in the autumn is the first of the
two and is taken once. Each occurrence keeps the series' wall-clock duration counted from
its (shifted) start, so it never ends before it starts.

Limits (the product needs no more; docs/calendar.md): a rule repeats at most once an hour
and may only combine parts that always produce dates (see ``validate_rule``), so dateutil
never searches for years without finding one. Expansion is lazy: occurrences are produced
one by one, in order of their start, and stop at a per-series step cap
(``MAX_STEPS_PER_SERIES``) and, across many series, at a per-request budget
(``MAX_STEPS_PER_REQUEST``) and a result limit. Series without COUNT start iterating
near the requested window instead of at their first date.
"""

from __future__ import annotations

import calendar
import heapq
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import islice
from typing import TypeVar
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.utils.translation import gettext as _

from dorf.core.exceptions import ValidationFailed

logger = logging.getLogger(__name__)

MAX_RULE_LENGTH = 500
# Steps of dateutil's iterator (dates produced, the window's and those before it) for
# one series in one expansion: 5,000 is 13 years of a daily rule, 208 days of one at
# every hour. A COUNT above it is refused.
MAX_STEPS_PER_SERIES = 5_000
# Steps shared by every series of one request (a village's calendar, a feed).
MAX_STEPS_PER_REQUEST = 50_000
# Occurrences one window returns at most.
MAX_OCCURRENCES_PER_WINDOW = 1_000
MAX_INTERVAL = {"DAILY": 366, "WEEKLY": 53, "MONTHLY": 12, "YEARLY": 10}

_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TOO_FREQUENT = ("SECONDLY", "MINUTELY", "HOURLY")
_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
)
_UNSUPPORTED = ("BYYEARDAY", "BYWEEKNO", "RSCALE", "SKIP")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY = re.compile(r"^([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_INTEGER = re.compile(r"^[+-]?\d{1,4}$")
# UTC offsets lie within ±24 h, so a later wall time never resolves more than 48 h before
# an earlier one does (a spring gap makes it resolve up to the gap's length before):
# starts this far behind the latest one are final (used to keep the output sorted).
_REORDER_HORIZON = timedelta(hours=48)
# Days a window's search starts early: an occurrence shifted by a clock change still
# lands in the window it belongs to.
_SEARCH_MARGIN = timedelta(days=2)


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """One occurrence changed: cancelled, or moved to a new start and end."""

    cancelled: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Series:
    """A date that may repeat. ``starts_at``/``ends_at``: the first occurrence (aware).
    ``rule``: an RRULE value checked by ``validate_rule`` ("" for a single date).
    ``exdates``: original starts left out. ``overrides``: original start → change."""

    starts_at: datetime
    ends_at: datetime
    tz: ZoneInfo
    rule: str = ""
    exdates: frozenset[datetime] = frozenset()
    overrides: Mapping[datetime, Override] = field(default_factory=dict)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence, in UTC. ``original_start`` identifies it even after a move."""

    original_start: datetime
    starts_at: datetime
    ends_at: datetime
    cancelled: bool = False
    moved: bool = False


class StepBudget:
    """Counts dateutil steps across the series of one request; expansion stops at zero."""

    def __init__(self, steps: int = MAX_STEPS_PER_REQUEST) -> None:
        self.remaining = steps
        self.used = 0

    def take(self) -> bool:
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        self.used += 1
        return True


# --- validation ---------------------------------------------------------------------------------


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(fields={"rrule": [message]}, code="invalid_rrule")


def _strip_prefix(value: str) -> str:
    value = value.strip()
    return value[6:] if value.upper().startswith("RRULE:") else value


@dataclass(frozen=True)
class _Rule:
    """A rule split into its parts (upper case), in the order given."""

    parts: dict[str, str]

    @property
    def freq(self) -> str:
        return self.parts["FREQ"]

    @property
    def interval(self) -> int:
        return int(self.parts.get("INTERVAL", "1"))

    def ints(self, name: str) -> list[int]:
        raw = self.parts.get(name)
        return [int(v) for v in raw.split(",")] if raw else []

    def text(self) -> str:
        return ";".join(f"{key}={value}" for key, value in self.parts.items())


def _split(value: str) -> _Rule:
    if len(value) > MAX_RULE_LENGTH:
        raise _invalid(_("The rule is longer than %(n)d characters.") % {"n": MAX_RULE_LENGTH})
    text = _strip_prefix(value).upper()
    if not text or any(ch in text for ch in ":\r\n"):
        raise _invalid(_("Give one RRULE value, e.g. FREQ=WEEKLY;BYDAY=TU."))
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        name, sep, part_value = chunk.partition("=")
        name = name.strip()
        if not sep or not name or not part_value:
            raise _invalid(_("This is not a valid recurrence rule."))
        if name in _UNSUPPORTED:
            raise _invalid(_("%(part)s is not supported.") % {"part": name})
        if name not in _PARTS:
            raise _invalid(_("This is not a valid recurrence rule."))
        if name in parts:
            raise _invalid(_("%(part)s is given twice.") % {"part": name})
        parts[name] = part_value.strip()
    freq = parts.get("FREQ")
    if freq in _TOO_FREQUENT:
        raise _invalid(
            _(
                "A date may repeat at most once an hour: for several times a day use "
                "FREQ=DAILY with BYHOUR."
            )
        )
    if freq not in _FREQUENCIES:
        raise _invalid(_("The rule must repeat daily, weekly, monthly or yearly."))
    return _Rule(parts)


def _check_numbers(rule: _Rule) -> None:
    numeric = ("COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYMONTHDAY", "BYMONTH")
    for name in (*numeric, "BYSETPOS"):
        raw = rule.parts.get(name)
        if raw is not None and not all(_INTEGER.match(v) for v in raw.split(",")):
            raise _invalid(_("This is not a valid recurrence rule."))
    if "COUNT" in rule.parts and "UNTIL" in rule.parts:
        raise _invalid(_("Give COUNT or UNTIL, not both."))
    count = rule.ints("COUNT")
    if count and not 1 <= count[0] <= MAX_STEPS_PER_SERIES:
        raise _invalid(
            _("COUNT must be between 1 and %(n)d.") % {"n": MAX_STEPS_PER_SERIES},
        )
    limit = MAX_INTERVAL[rule.freq]
    if not 1 <= rule.interval <= limit:
        raise _invalid(_("INTERVAL must be between 1 and %(n)d.") % {"n": limit})
    seconds, minutes, hours = rule.ints("BYSECOND"), rule.ints("BYMINUTE"), rule.ints("BYHOUR")
    if len(seconds) > 1 or len(minutes) > 1:
        raise _invalid(
            _(
                "Give at most one minute (BYMINUTE) and one second (BYSECOND): a date "
                "repeats at most once an hour."
            )
        )
    if not (
        all(0 <= s <= 59 for s in seconds)
        and all(0 <= m <= 59 for m in minutes)
        and all(0 <= h <= 23 for h in hours)
        and all(1 <= m <= 12 for m in rule.ints("BYMONTH"))
        and all(1 <= abs(d) <= 31 for d in rule.ints("BYMONTHDAY"))
    ):
        raise _invalid(_("This is not a valid recurrence rule."))
    if rule.parts.get("WKST", "MO") not in _WEEKDAYS:
        raise _invalid(_("This is not a valid recurrence rule."))


def _weekdays(rule: _Rule) -> list[tuple[int | None, str]]:
    """BYDAY as (n or None, weekday)."""
    result: list[tuple[int | None, str]] = []
    raw = rule.parts.get("BYDAY")
    for item in raw.split(",") if raw else []:
        match = _BYDAY.match(item.strip())
        if match is None:
            raise _invalid(_("This is not a valid recurrence rule."))
        sign, number, weekday = match.groups()
        nth = None if number is None else int(f"{sign}{number}")
        if nth == 0 or (sign and number is None):
            raise _invalid(_("This is not a valid recurrence rule."))
        result.append((nth, weekday))
    return result


def _not_with(part: str, freq: str) -> ValidationFailed:
    return _invalid(
        _("%(part)s cannot be combined with FREQ=%(freq)s.") % {"part": part, "freq": freq}
    )


def _never() -> ValidationFailed:
    return _invalid(_("This rule never produces a date."))


def _month_days(month: int, *, leap_possible: bool) -> int:
    if month == 2:
        return 29 if leap_possible else 28
    return calendar.monthrange(2001, month)[1]


def _check_feasible(rule: _Rule, local_start: datetime) -> None:
    """Refuse the combinations that produce no date, or none for years: dateutil would
    search period after period (up to the year 9999) without yielding anything. What
    stays allowed always produces a date within a few periods (a Friday the 13th within
    14 months, 29 February within 4 years)."""
    freq, interval = rule.freq, rule.interval
    days = _weekdays(rule)
    nths = [n for n, _weekday in days if n is not None]
    monthdays = rule.ints("BYMONTHDAY")
    months = rule.ints("BYMONTH")
    setpos = rule.ints("BYSETPOS")
    if freq in ("DAILY", "WEEKLY"):
        if nths:
            raise _invalid(_("A numbered weekday (e.g. 1MO) needs FREQ=MONTHLY or YEARLY."))
        for part in ("BYMONTHDAY", "BYSETPOS"):
            if part in rule.parts:
                raise _not_with(part, freq)
        if freq == "DAILY" and days and interval > 1:
            raise _invalid(_("Weekdays with FREQ=DAILY need INTERVAL=1; use FREQ=WEEKLY."))
        # Every month holds every weekday and 28 days: a step of at most 4 weeks (28
        # days) visits each month.
        if months and interval > (28 if freq == "DAILY" else 4):
            raise _not_with("BYMONTH", f"{freq};INTERVAL={interval}")
        return
    if nths and monthdays:
        raise _invalid(_("Give a numbered weekday or days of the month, not both."))
    if setpos and (not days or nths or monthdays or not all(1 <= abs(p) <= 4 for p in setpos)):
        raise _invalid(_("BYSETPOS works with plain weekdays (BYDAY) and positions -4 to 4 only."))
    # Months of the year the rule can reach, and whether their February can have a 29th.
    if freq == "MONTHLY":
        reachable = {(local_start.month - 1 + k * interval) % 12 + 1 for k in range(12)}
        feb_every_year = 12 % interval == 0
        year_steps_ok = feb_every_year
    else:
        default_month = not (days or monthdays)
        reachable = {local_start.month} if default_month and not months else set(range(1, 13))
        # A leap year is among the years reached when some step lands on a multiple of 4.
        year_steps_ok = (-local_start.year) % _gcd(interval, 4) == 0
    candidates = reachable & set(months) if months else reachable
    if not candidates:
        raise _never()
    if monthdays and not any(
        abs(d) <= _month_days(m, leap_possible=year_steps_ok) for m in candidates for d in monthdays
    ):
        raise _never()
    within_month = freq == "MONTHLY" or bool(months)
    for nth in nths:
        limit = 5 if within_month else 52
        if abs(nth) > limit:
            raise _never()
        if (
            within_month
            and abs(nth) == 5
            and not any(_month_days(m, leap_possible=year_steps_ok) >= 29 for m in candidates)
        ):
            raise _never()


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _normalise_until(rule: _Rule, tz: ZoneInfo) -> None:
    """UNTIL as a UTC date-time (RFC 5545 needs it so with a zoned DTSTART). A date means
    the end of that day in the village; a local date-time is read in the village."""
    raw = rule.parts.get("UNTIL")
    if raw is None:
        return
    try:
        if re.fullmatch(r"\d{8}", raw):
            day = datetime.strptime(raw, "%Y%m%d").date()  # noqa: DTZ007 - a date, zoned below
            until = datetime.combine(day, time(23, 59, 59), tzinfo=tz)
        elif re.fullmatch(r"\d{8}T\d{6}", raw):
            naive = datetime.strptime(raw, "%Y%m%dT%H%M%S")  # noqa: DTZ007 - local, zoned below
            until = naive.replace(tzinfo=tz)
        elif re.fullmatch(r"\d{8}T\d{6}Z", raw):
            until = datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        else:
            raise ValueError(raw)
    except ValueError as exc:
        raise _invalid(_("UNTIL must be a date (20301231) or a date and time.")) from exc
    rule.parts["UNTIL"] = until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def validate_rule(value: str, *, starts_at: datetime, tz: ZoneInfo) -> str:
    """The rule as stored (upper case, no ``RRULE:`` prefix, UNTIL in UTC), or "" for a
    blank value. Raises ``ValidationFailed`` (field ``rrule``, code ``invalid_rrule``)
    for anything else, in the request's language: unknown or repeated parts, repeating
    more often than once an hour, COUNT above ``MAX_STEPS_PER_SERIES``, and
    combinations that produce no date."""
    if not value.strip():
        return ""
    rule = _checked(value, starts_at.astimezone(tz))
    _normalise_until(rule, tz)
    text = rule.text()
    try:
        parsed = rrulestr(text, dtstart=starts_at.astimezone(tz))
    except (ValueError, TypeError, OverflowError) as exc:
        raise _invalid(_("This is not a valid recurrence rule.")) from exc
    if not isinstance(parsed, rrule):
        raise _invalid(_("This is not a valid recurrence rule."))
    return text


# --- expansion ----------------------------------------------------------------------------------


def _aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _resolve(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time: fold=0 is RFC 5545's reading (the offset
    before a spring gap, the first of two autumn times)."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _wall_duration(series: Series) -> timedelta:
    local_start = series.starts_at.astimezone(series.tz).replace(tzinfo=None)
    local_end = series.ends_at.astimezone(series.tz).replace(tzinfo=None)
    wall = local_end - local_start
    # 02:30 CEST to 02:10 CET is 40 real minutes but -20 on the wall: keep the real length.
    return wall if wall > timedelta(0) else series.ends_at - series.starts_at


def _end_of(start: datetime, series: Series, duration: timedelta) -> datetime:
    if start == series.starts_at:
        return series.ends_at.astimezone(UTC)
    local = start.astimezone(series.tz)
    end = start + duration
    if end.astimezone(series.tz).utcoffset() == local.utcoffset():
        return end  # no clock change in between: wall-clock and real duration agree
    end = _resolve(local.replace(tzinfo=None) + duration, series.tz)
    if end <= start:  # an end in a later gap can never come before the start, but be sure
        end = start + (series.ends_at - series.starts_at)
    return end


def _shift_months(value: datetime, months: int) -> datetime | None:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    try:
        return value.replace(year=year, month=month + 1)
    except ValueError:  # 31st in a short month, 29 February in another year
        return None


def _jump_start(rule: _Rule, local_start: datetime, before: datetime) -> datetime:
    """A later DTSTART, a whole number of periods after the first, that produces the
    same dates from itself on (dateutil derives the same defaults from it: same time,
    weekday, day and month), so a long series need not be walked from its beginning.
    COUNT counts from the first date: no jump."""
    if "COUNT" in rule.parts or before <= local_start:
        return local_start
    interval = rule.interval
    for _attempt in range(16):
        if rule.freq in ("DAILY", "WEEKLY"):
            period = interval * (7 if rule.freq == "WEEKLY" else 1)
            periods = (before.date() - local_start.date()).days // period - 1
            if periods <= 0:
                return local_start
            return local_start + timedelta(days=periods * period)
        if rule.freq == "MONTHLY":
            months = (before.year - local_start.year) * 12 + before.month - local_start.month
        else:
            months = (before.year - local_start.year) * 12
        step = interval * (1 if rule.freq == "MONTHLY" else 12)
        periods = months // step - 1 - _attempt
        if periods <= 0:
            return local_start
        shifted = _shift_months(local_start, periods * step)
        if shifted is not None:
            return shifted
    return local_start


def _originals(
    series: Series, *, after: datetime | None, budget: StepBudget | None
) -> Iterator[datetime]:
    """Original starts in UTC, sorted, each once, from about ``after`` on (lazily)."""
    if not series.rule:
        yield series.starts_at.astimezone(UTC)
        return
    tz = series.tz
    local_start = series.starts_at.astimezone(tz).replace(tzinfo=None)
    rule = _stored_rule(series.rule, local_start)
    if rule is None:
        yield series.starts_at.astimezone(UTC)
        return
    begin = local_start
    if after is not None:
        target = after.astimezone(tz).replace(tzinfo=None) - _SEARCH_MARGIN
        begin = _jump_start(rule, local_start, target)
    parsed = rrulestr(rule.text(), dtstart=begin.replace(tzinfo=tz))
    # A wall time in a spring gap resolves up to the gap's length later than the next
    # wall time does: hold resolved starts back until no later wall time can undercut them.
    # DTSTART is always the first occurrence (RFC 5545 3.8.5.3), even where the rule would
    # not produce it (a Tuesday start of "first Monday of the month"); dateutil skips it,
    # every calendar app that reads our feed does not.
    # It is read like the rule's own wall times (whole seconds, fold=0) so that a start the
    # rule does produce is the same instant, and counted once.
    first = local_start.replace(microsecond=0, tzinfo=tz, fold=0).astimezone(UTC)
    pending: list[datetime] = [first]
    last: datetime | None = None
    for wall in islice(parsed, MAX_STEPS_PER_SERIES):
        if budget is not None and not budget.take():
            break
        # dateutil's datetimes carry ``tz``: fold=0 is RFC 5545's reading (see _resolve)
        resolved = wall.replace(fold=0).astimezone(UTC)
        heapq.heappush(pending, resolved)
        floor = resolved - _REORDER_HORIZON
        while pending and pending[0] < floor:
            resolved = heapq.heappop(pending)
            if resolved != last:  # the spring gap maps two wall times onto one instant
                last = resolved
                yield resolved
    while pending:
        resolved = heapq.heappop(pending)
        if resolved != last:
            last = resolved
            yield resolved


def _stored_rule(text: str, local_start: datetime) -> _Rule | None:
    """The stored rule, checked again: one saved before today's limits (or edited in the
    database) must not make a listing search for years, nor fail it. Such a series shows
    its first date only."""
    try:
        return _checked(text, local_start)
    except ValidationFailed:
        logger.warning("Recurrence rule %r is outside the limits; showing its first date", text)
        return None


def _checked(text: str, local_start: datetime) -> _Rule:
    rule = _split(text)
    _check_numbers(rule)
    _check_feasible(rule, local_start)
    return rule


def rule_within_limits(series: Series) -> bool:
    """Whether the series' stored rule keeps today's limits. A rule that does not is
    expanded as a single date; feeds should publish it without its RRULE too."""
    if not series.rule:
        return True
    local_start = series.starts_at.astimezone(series.tz).replace(tzinfo=None)
    try:
        _checked(series.rule, local_start)
    except ValidationFailed:
        return False
    return True


def _overrides_utc(series: Series) -> dict[datetime, Override]:
    return {start.astimezone(UTC): change for start, change in series.overrides.items()}


def occurrences(
    series: Series,
    *,
    window_start: datetime,
    window_end: datetime,
    include_cancelled: bool = False,
    budget: StepBudget | None = None,
) -> Iterator[Occurrence]:
    """Occurrences whose (possibly moved) start lies in [window_start, window_end),
    sorted by start, produced lazily; at most ``MAX_STEPS_PER_SERIES`` dateutil steps."""
    _aware(window_start, "window_start")
    _aware(window_end, "window_end")
    _aware(series.starts_at, "starts_at")
    overrides = _overrides_utc(series)
    exdates = {d.astimezone(UTC) for d in series.exdates}
    duration = _wall_duration(series)
    moved = sorted(
        (
            Occurrence(
                original,
                change.starts_at.astimezone(UTC),
                change.ends_at.astimezone(UTC),
                moved=True,
            )
            for original, change in overrides.items()
            if not change.cancelled
            and change.starts_at is not None
            and change.ends_at is not None
            and original not in exdates
            and window_start <= change.starts_at < window_end
            and _exists(series, original, budget)
        ),
        key=lambda o: o.starts_at,
    )
    return heapq.merge(
        _regular(
            series,
            window_start=window_start,
            window_end=window_end,
            overrides=overrides,
            exdates=exdates,
            duration=duration,
            include_cancelled=include_cancelled,
            budget=budget,
        ),
        moved,
        key=lambda o: o.starts_at,
    )


def _regular(
    series: Series,
    *,
    window_start: datetime,
    window_end: datetime,
    overrides: Mapping[datetime, Override],
    exdates: set[datetime],
    duration: timedelta,
    include_cancelled: bool,
    budget: StepBudget | None,
) -> Iterator[Occurrence]:
    for original in _originals(series, after=window_start, budget=budget):
        if original >= window_end:
            return
        if original < window_start or original in exdates:
            continue
        change = overrides.get(original)
        if change is None:
            yield Occurrence(original, original, _end_of(original, series, duration))
        elif change.cancelled and include_cancelled:
            end = _end_of(original, series, duration)
            yield Occurrence(original, original, end, cancelled=True)


def _exists(series: Series, original: datetime, budget: StepBudget | None) -> bool:
    for candidate in _originals(series, after=original, budget=budget):
        if candidate >= original:
            return candidate == original
    return False


def expand(
    series: Series,
    *,
    window_start: datetime,
    window_end: datetime,
    include_cancelled: bool = False,
    limit: int = MAX_OCCURRENCES_PER_WINDOW,
    budget: StepBudget | None = None,
) -> list[Occurrence]:
    """The first ``limit`` occurrences of ``occurrences(...)`` as a list."""
    return list(
        islice(
            occurrences(
                series,
                window_start=window_start,
                window_end=window_end,
                include_cancelled=include_cancelled,
                budget=budget,
            ),
            limit,
        )
    )


K = TypeVar("K")


def _tagged(key: K, stream: Iterator[Occurrence]) -> Iterator[tuple[K, Occurrence]]:
    for occurrence in stream:
        yield key, occurrence


def expand_many(
    items: Iterable[tuple[K, Series]],
    *,
    window_start: datetime,
    window_end: datetime,
    limit: int = MAX_OCCURRENCES_PER_WINDOW,
    budget: StepBudget | None = None,
) -> list[tuple[K, Occurrence]]:
    """The first ``limit`` occurrences of many series, merged by start (ties keep the
    order of ``items``), with one shared ``StepBudget`` (``MAX_STEPS_PER_REQUEST``)."""
    shared = budget if budget is not None else StepBudget()
    streams = [
        _tagged(
            key,
            occurrences(series, window_start=window_start, window_end=window_end, budget=shared),
        )
        for key, series in items
    ]
    merged = heapq.merge(*streams, key=lambda pair: pair[1].starts_at)
    return list(islice(merged, limit))


def find_occurrence(series: Series, *, original_start: datetime) -> Occurrence | None:
    """The occurrence that originally started at ``original_start`` (a cancelled one
    included, with ``cancelled=True``), or None when the series has none then."""
    _aware(original_start, "original_start")
    original = original_start.astimezone(UTC)
    exdates = {d.astimezone(UTC) for d in series.exdates}
    if original in exdates or not _exists(series, original, None):
        return None
    change = _overrides_utc(series).get(original)
    end = _end_of(original, series, _wall_duration(series))
    if change is not None and change.cancelled:
        return Occurrence(original, original, end, cancelled=True)
    if change is not None and change.starts_at is not None and change.ends_at is not None:
        return Occurrence(
            original, change.starts_at.astimezone(UTC), change.ends_at.astimezone(UTC), moved=True
        )
    return Occurrence(original, original, end)
