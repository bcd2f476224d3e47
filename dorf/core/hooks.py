"""Hooks between apps on the same floor, which may not import each other.

A sender on one feature app announces a need; whichever app can meet it connects a
receiver in its ``ready()``. Receivers return what they made, so the sender can keep a
reference (``Signal.send`` returns ``[(receiver, response), ...]``).
"""

from __future__ import annotations

from django.dispatch import Signal

# A resident needs help from their neighbours (e.g. "I need help" after a warning).
# kwargs: village_id: int, user_id: int, title: str, text: str
# A receiver opens a help request and returns its id (int), or None if it could not.
help_requested = Signal()
