"""Shared context for the demo seeders of every app (``manage.py seed_demo``)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from dorf.users.models import User
from dorf.villages.models import Household, Membership, Village

DEMO_PASSWORD = "dorf-demo"  # noqa: S105 - printed for the demo on purpose


class Users(Sequence[User]):
    """Users in a fixed order whose ``in`` is a lookup by id, not a scan.

    Seeders ask ``membership.user in ctx.residents`` for every membership: with lists,
    5,000 residents made that 25 million model comparisons, 13 s per seeder.
    """

    def __init__(self, users: Iterable[User]) -> None:
        self._users = list(users)
        self._ids = {user.pk for user in self._users}

    @overload
    def __getitem__(self, index: int) -> User: ...
    @overload
    def __getitem__(self, index: slice) -> list[User]: ...
    def __getitem__(self, index: int | slice) -> User | list[User]:
        return self._users[index]

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[User]:
        return iter(self._users)

    def __contains__(self, user: object) -> bool:
        return isinstance(user, User) and user.pk in self._ids


@dataclass
class DemoContext:
    """What the villages seeder made, handed to each app's ``demo.seed(ctx)`` in turn.

    Apps seed in a fixed order (ledger, chat, notifications, marketplace, clubs,
    deliveries) with ``rng`` so that the same arguments always give the same data.
    """

    village: Village
    rng: random.Random
    out: Any
    residents: Users
    moderators: Users
    staff: Users
    households: list[Household]
    memberships: list[Membership]
    other_villages: list[Village] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
