"""What each notification category does by default on each channel, and how it is pushed.

A new category: add it to ``Category`` (models.py, no migration needed) and, when the
defaults below do not fit, a ``CategoryPolicy`` here.
"""

from __future__ import annotations

from dataclasses import dataclass

from dorf.notifications.models import Category, Urgency

HOUR_S = 60 * 60
DAY_S = 24 * HOUR_S


@dataclass(frozen=True)
class CategoryPolicy:
    """Default channels (a user's preference overrides them) and push parameters."""

    socket: bool = True
    push: bool = True
    email: bool = False
    # Push TTL (RFC 8030 section 5.2) when the notification names no ``expires_at``:
    # how long the push service keeps it for a device that is offline.
    ttl_s: int = DAY_S
    # HIGH only for severe warnings: it also ignores the recipient's quiet hours.
    urgency: Urgency = Urgency.NORMAL


DEFAULT_POLICY = CategoryPolicy()

POLICIES: dict[str, CategoryPolicy] = {
    Category.MENTION: CategoryPolicy(ttl_s=2 * DAY_S),
    Category.REPLY: CategoryPolicy(ttl_s=2 * DAY_S),
    Category.DIRECT_MESSAGE: CategoryPolicy(ttl_s=2 * DAY_S),
    # A decision about my content or report: also worth a mail.
    Category.MODERATION: CategoryPolicy(email=True, ttl_s=7 * DAY_S),
    Category.REPORT: CategoryPolicy(ttl_s=DAY_S),
    Category.MARKETPLACE: CategoryPolicy(ttl_s=2 * DAY_S),
    Category.CLUB: CategoryPolicy(ttl_s=DAY_S, urgency=Urgency.LOW),
    # "You are in" from the waitlist: until the event at the latest (callers pass
    # expires_at), and by mail too so nobody misses the place they got.
    Category.RSVP: CategoryPolicy(email=True, ttl_s=DAY_S),
    Category.LEDGER: CategoryPolicy(ttl_s=DAY_S, urgency=Urgency.LOW),
    # A route waiting for its volunteer is about today or tomorrow.
    Category.DELIVERY: CategoryPolicy(ttl_s=12 * HOUR_S),
    Category.VILLAGE: CategoryPolicy(ttl_s=DAY_S),
    Category.NEWS: CategoryPolicy(ttl_s=DAY_S, urgency=Urgency.LOW),
    # Official warnings are stale soon (callers pass expires_at when they know it);
    # severe ones are sent with urgency HIGH, which also ignores quiet hours.
    Category.WARNING: CategoryPolicy(email=True, ttl_s=3 * HOUR_S),
    # Collection reminders and "Termin verschoben": pointless after the collection day
    # (callers pass expires_at); push by default, e-mail when the resident chooses it.
    Category.WASTE: CategoryPolicy(ttl_s=DAY_S),
}


def policy_of(category: str) -> CategoryPolicy:
    return POLICIES.get(category, DEFAULT_POLICY)


def category_label(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category
