"""Whether the demo seeder is running: its history is stored, not announced.

``seed_demo`` writes months of a village's life in one go (payments, RSVPs, moderation,
warnings). Their notifications belong in the residents' feeds, but pushing and mailing
them would send hundreds of e-mails and pushes about things that "happened" last
spring, and cost most of the seeding time; live socket events about them would reach
nobody (no one is signed in as residents made a moment ago). Apps that send through
channels check ``is_seeding()`` (the sockets' one exit, ``dorf.core.realtime``, does it
for every app); the command wraps its work in ``seeding()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_seeding: ContextVar[bool] = ContextVar("dorf_seeding", default=False)


@contextmanager
def seeding() -> Iterator[None]:
    token = _seeding.set(True)
    try:
        yield
    finally:
        _seeding.reset(token)


def is_seeding() -> bool:
    return _seeding.get()
