"""Shared context for the demo seeders of every app (``manage.py seed_demo``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from dorf.users.models import User
from dorf.villages.models import Household, Membership, Village

DEMO_PASSWORD = "dorf-demo"  # noqa: S105 - printed for the demo on purpose


@dataclass
class DemoContext:
    """What the villages seeder made, handed to each app's ``demo.seed(ctx)`` in turn.

    Apps seed in a fixed order (ledger, chat, notifications, marketplace, clubs,
    deliveries) with ``rng`` so that the same arguments always give the same data.
    """

    village: Village
    rng: random.Random
    out: Any
    residents: list[User]
    moderators: list[User]
    staff: list[User]
    households: list[Household]
    memberships: list[Membership]
    other_villages: list[Village] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
