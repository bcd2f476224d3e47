"""Opening hours in the OpenStreetMap ``opening_hours`` syntax, evaluated with the public
holidays of a German state.

Parsing and evaluation are the ``opening-hours-py`` library's. It knows only nationwide
holidays for Germany, while ``PH`` in a shop's hours means the holidays of the village's
Bundesland (Fronleichnam in NRW, Reformationstag in Sachsen …), which the ``holidays``
package knows. So each expression is compiled twice, both without the library's own
holiday calendar:

- the *ordinary* form, in which ``PH`` never matches: valid on every day that is not a
  holiday of the state;
- the *holiday* form, in which every ``PH`` becomes ``Mo-Su`` (matches every day): valid on
  the state's holidays.

A day is evaluated with the form that fits it, and the next change is searched day
segment by day segment. One limit follows: hours that run past midnight out of a holiday
(``PH 20:00-02:00``) are cut at midnight, the next day decides.

Times go in and come out timezone-aware, in the place's time zone (DST is the library's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import opening_hours
from opening_hours import OpeningHours, State

# The library raises ParserError (not in its type stubs) for an expression it cannot read.
PARSE_ERRORS: tuple[type[Exception], ...] = (
    getattr(opening_hours, "ParserError", SyntaxError),
    SyntaxError,
    ValueError,
)

# How far ahead the next change is searched; beyond it the state counts as lasting.
HORIZON = timedelta(days=400)
MAX_LENGTH = 500

_PH = re.compile(r"\bPH\b")
# "PH +1 day": a day relative to a holiday; the holiday form cannot express it.
_PH_OFFSET = re.compile(r"\bPH\s*[+-]")


# What a place is at a moment, as the API names it.
STATES = ["open", "closed", "unknown"]


class InvalidOpeningHours(ValueError):
    """The expression does not parse; the message is the parser's (or says which form is
    not supported)."""


@dataclass(frozen=True)
class HoursState:
    state: str  # "open", "closed" or "unknown"
    comment: str
    next_change_at: datetime | None
    next_state: str | None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


def _outside_comments(expression: str, pattern: re.Pattern[str], replacement: str) -> str:
    # Comments are double-quoted; a "PH" inside one is text, not a selector.
    parts = expression.split('"')
    return '"'.join(
        pattern.sub(replacement, part) if index % 2 == 0 else part
        for index, part in enumerate(parts)
    )


def _compile(expression: str, tz: ZoneInfo) -> OpeningHours:
    return OpeningHours(expression, timezone=tz, auto_country=False, auto_timezone=False)


def validate(expression: str) -> str:
    """The expression, stripped, if it parses; else :class:`InvalidOpeningHours`."""
    expression = expression.strip()
    if len(expression) > MAX_LENGTH:
        raise InvalidOpeningHours(f"longer than {MAX_LENGTH} characters")
    utc = ZoneInfo("UTC")
    try:
        _compile(expression, utc)
    except PARSE_ERRORS as exc:
        raise InvalidOpeningHours(str(exc).strip()) from None
    if _outside_comments(expression, _PH_OFFSET, "") != expression:
        raise InvalidOpeningHours("PH with a day offset (PH +1 day) is not supported")
    try:
        _compile(_outside_comments(expression, _PH, "Mo-Su"), utc)
    except PARSE_ERRORS as exc:
        raise InvalidOpeningHours(str(exc).strip()) from None
    return expression


@lru_cache(maxsize=32)
def state_holidays(bundesland: str) -> holidays.HolidayBase:
    """The public holidays of a state (nationwide ones for ``""``), years filled lazily."""
    return holidays.country_holidays("DE", subdiv=bundesland or None)


class Schedule:
    """One place's opening hours in its time zone and state."""

    def __init__(self, expression: str, *, tz: ZoneInfo, bundesland: str = "") -> None:
        self.tz = tz
        self.holidays = state_holidays(bundesland)
        self.ordinary = _compile(expression, tz)
        self.has_holiday_rules = _outside_comments(expression, _PH, "") != expression
        self.on_holiday = (
            _compile(_outside_comments(expression, _PH, "Mo-Su"), tz)
            if self.has_holiday_rules
            else self.ordinary
        )

    def _is_holiday(self, day: date) -> bool:
        return self.has_holiday_rules and day in self.holidays

    def _form(self, day: date) -> OpeningHours:
        return self.on_holiday if self._is_holiday(day) else self.ordinary

    def _midnight_after(self, moment: datetime) -> datetime:
        # Local midnight exists in every German DST change (they happen at 02:00/03:00).
        return datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=self.tz)

    def _segment_end(self, moment: datetime) -> datetime:
        """Where the form valid at ``moment`` stops being valid: the next local midnight
        at which a holiday starts or ends (or the horizon when there are no PH rules)."""
        if not self.has_holiday_rules:
            return moment + HORIZON
        holiday_now = self._is_holiday(moment.date())
        end = self._midnight_after(moment)
        limit = moment + HORIZON
        while end < limit and self._is_holiday(end.date()) == holiday_now:
            end = self._midnight_after(end)
        return end

    def _state_at(self, moment: datetime) -> tuple[str, str]:
        state, comment = self._form(moment.date()).state(moment)
        return _name(state), comment

    def at(self, moment: datetime) -> HoursState:
        """Open, closed or unknown at ``moment``, and when and into what that changes next."""
        moment = moment.astimezone(self.tz)
        state, comment = self._state_at(moment)
        cursor = moment
        limit = moment + HORIZON
        while cursor < limit:
            segment_end = self._segment_end(cursor)
            change = self._form(cursor.date()).next_change(cursor)
            if change is not None and change < segment_end:
                return HoursState(state, comment, change, self._state_at(change)[0])
            if segment_end >= limit:
                break
            next_state = self._state_at(segment_end)[0]
            if next_state != state:
                return HoursState(state, comment, segment_end, next_state)
            cursor = segment_end
        return HoursState(state, comment, None, None)


def _name(state: State) -> str:
    if state == State.OPEN:
        return "open"
    if state == State.CLOSED:
        return "closed"
    return "unknown"
