"""Write use-cases of the calendar module: a user's secret feed tokens."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from dorf.calendar.models import FeedToken, hash_feed_secret, new_feed_secret
from dorf.core.exceptions import ValidationFailed
from dorf.users.models import User

MAX_SCOPE_LENGTH = 64


def _check_scope(scope: str) -> None:
    if not scope or len(scope) > MAX_SCOPE_LENGTH:
        raise ValidationFailed(code="invalid_scope")


def feed_token_get(*, user: User, scope: str) -> FeedToken:
    """The user's token for ``scope``, created on first use."""
    _check_scope(scope)
    existing = FeedToken.objects.filter(user=user, scope=scope).first()
    if existing is not None:
        return existing
    secret = new_feed_secret()
    try:
        with transaction.atomic():
            return FeedToken.objects.create(
                user=user, scope=scope, token=secret, token_hash=hash_feed_secret(secret)
            )
    except IntegrityError:  # a parallel first request created it
        return FeedToken.objects.get(user=user, scope=scope)


@transaction.atomic
def feed_token_rotate(*, user: User, scope: str) -> FeedToken:
    """A new secret URL for ``scope``; the old one answers 404 from now on."""
    _check_scope(scope)
    secret = new_feed_secret()
    token, _created = FeedToken.objects.update_or_create(
        user=user,
        scope=scope,
        defaults={"token": secret, "token_hash": hash_feed_secret(secret)},
    )
    return token


@transaction.atomic
def feed_token_revoke(*, user: User, scope: str | None = None) -> int:
    """Delete the user's token for ``scope`` (every scope when None); the count."""
    tokens = FeedToken.objects.filter(user=user)
    if scope is not None:
        tokens = tokens.filter(scope=scope)
    deleted, _by_model = tokens.delete()
    return deleted
