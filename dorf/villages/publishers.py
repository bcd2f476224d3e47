"""Who may publish for a village: a directory the news app provides, other apps ask.

The news app owns publishers (the municipality, a club, ...) and the people with an
editor or publisher role for each. Other feature apps (the village calendar's events,
job offers) need the same notion of "who speaks for whom" but may not import the news
app; so the news app registers a ``PublisherDirectory`` here from its ``ready()``, and
they ask this module. Without a registered directory there are no publishers (only a
village's staff act for the village then).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dorf.users.models import User


@dataclass(frozen=True)
class PublisherRef:
    """A publisher as other apps see it: ``kind`` is ``municipality`` or ``club`` (or
    another kind the news app adds)."""

    id: int
    village_id: int
    name: str
    kind: str


class PublisherDirectory(Protocol):
    def publisher(self, *, publisher_id: int) -> PublisherRef | None:
        """The publisher, or None when there is no such publisher."""
        ...

    def publishers_of(self, *, user: User, village_id: int) -> list[PublisherRef]:
        """The village's publishers for which ``user`` holds the *publisher* role."""
        ...


class _NoPublishers:
    def publisher(self, *, publisher_id: int) -> PublisherRef | None:
        return None

    def publishers_of(self, *, user: User, village_id: int) -> list[PublisherRef]:
        return []


_directory: PublisherDirectory = _NoPublishers()


def register_directory(directory: PublisherDirectory) -> None:
    global _directory  # one registry slot, filled once at start-up
    _directory = directory


def directory() -> PublisherDirectory:
    return _directory
