"""Per-user secret feed tokens: the credential in a calendar subscription URL.

Calendar apps cannot send a bearer token, so the URL carries a random secret (256 bits).
One token per user and scope (``clubs``, ``waste``, ...); rotating it replaces the
secret and the old URL answers 404. The owner can see the URL again, so the secret is
kept; lookups go through its SHA-256 (``token_hash``, unique), so how long a wrong guess
takes says nothing about how much of it was right, and the final check compares in
constant time.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_feed_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_feed_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


class FeedToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feed_tokens",
        verbose_name=_("user"),
    )
    # Which feed the URL opens, e.g. "clubs" (the owner's events and shifts).
    scope = models.CharField(max_length=64, verbose_name=_("scope"))
    token = models.CharField(max_length=64, verbose_name=_("token"))
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("token hash"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("feed token")
        verbose_name_plural = _("feed tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope"], name="feed_token_one_per_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} feed token of {self.user_id}"
