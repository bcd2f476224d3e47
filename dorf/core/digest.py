"""The printed weekly digest's sections, contributed by whichever apps are installed.

The digest (``dorf.news``) cannot import the apps that fill it (clubs, warnings, a
future waste calendar) — they sit beside it. Each app registers a provider in its
``ready()``; the digest asks every provider for its section of a village's week.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DigestItem:
    title: str
    text: str = ""
    when: str = ""  # already formatted for the village's time zone, e.g. "Di 14.04. 19:00"
    emphasis: bool = False  # an official notice, a severe warning


@dataclass(frozen=True)
class DigestSection:
    title: str
    items: list[DigestItem] = field(default_factory=list)


# village_id, start, end (aware datetimes of the week in the village's zone), tz name
SectionProvider = Callable[[int, datetime, datetime, str], DigestSection | None]

_providers: dict[str, tuple[int, SectionProvider]] = {}


def register_section(key: str, provider: SectionProvider, *, order: int) -> None:
    """Register (or replace) the provider of one section; lower ``order`` prints first."""
    _providers[key] = (order, provider)


def sections_for(village_id: int, start: datetime, end: datetime, tz: str) -> list[DigestSection]:
    """Every provider's non-empty section, in order."""
    found = []
    for _order, provider in sorted(_providers.values(), key=lambda entry: entry[0]):
        section = provider(village_id, start, end, tz)
        if section is not None and section.items:
            found.append(section)
    return found
