from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from dorf.core.sql import Columns, prepared_cursor
from dorf.users.models import ApiToken, User, hash_token

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` (``Token <token>`` is accepted too)."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return authenticate_token(raw)

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


# One query for the token and its user, written once (dorf.core.sql): the ORM's
# select_related().get() compiled the same lookup anew on every request (0.45 against
# 0.1 ms of CPU) and read the password hash, which no request after the login needs.
# Columns not read here (the hash, the token's name) are deferred: they load on access.
_TOKEN = Columns(ApiToken, "t", only=["id", "user_id", "expires_at", "last_used_at"])
_USER = Columns(User, "u", exclude=["password"])


def _token_sql() -> str:
    # Names from the models' _meta only; the token's hash is a parameter.
    return (
        f"SELECT {_TOKEN.select()}, {_USER.select()} FROM {_TOKEN.table} "  # noqa: S608
        f"JOIN {_USER.table} ON u.id = t.user_id WHERE t.key_hash = %s"
    )


def authenticate_token(raw: str) -> tuple[User, ApiToken]:
    """The user and token for a raw token, or AuthenticationFailed (unknown, revoked, expired)."""
    # A revoked token's row is deleted: no row is "invalid or revoked".
    with prepared_cursor() as cursor:
        cursor.execute(_token_sql(), [hash_token(raw)])
        row = cursor.fetchone()
    if row is None:
        raise exceptions.AuthenticationFailed(_("Invalid or revoked token."), code="token_invalid")
    token = _TOKEN.instance(row[: len(_TOKEN)])
    user = _USER.instance(row[len(_TOKEN) :])
    token.user = user
    if token.is_expired:
        raise exceptions.AuthenticationFailed(_("The token has expired."), code="token_expired")
    if not user.is_active:
        raise exceptions.AuthenticationFailed(_("The account is disabled."), code="user_inactive")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user, token


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "dorf.users.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
