"""Read use-cases of the calendar module."""

from __future__ import annotations

import secrets

from dorf.calendar.models import FeedToken, hash_feed_secret
from dorf.users.models import User


def feed_token_owner(*, scope: str, secret: str) -> User | None:
    """The active user whose ``scope`` feed URL carries ``secret``, or None (answer 404)."""
    if not secret or len(secret) > 128:
        return None
    token = (
        FeedToken.objects.select_related("user")
        .filter(token_hash=hash_feed_secret(secret), scope=scope)
        .first()
    )
    if token is None or not secrets.compare_digest(
        token.token.encode(), secret.encode("utf-8", "surrogatepass")
    ):
        return None
    return token.user if token.user.is_active else None


def feed_token_exists(*, user: User, scope: str) -> bool:
    return FeedToken.objects.filter(user=user, scope=scope).exists()
