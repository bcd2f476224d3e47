from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

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


def authenticate_token(raw: str) -> tuple[User, ApiToken]:
    """The user and token for a raw token, or AuthenticationFailed (unknown, revoked, expired)."""
    # get(), not first(): key_hash is unique, and first()'s ORDER BY costs every request
    # a noticeable share of its CPU (docs/benchmarks.md, "Ledger").
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=hash_token(raw))
    except ApiToken.DoesNotExist:
        raise exceptions.AuthenticationFailed(
            _("Invalid or revoked token."), code="token_invalid"
        ) from None
    if token.is_expired:
        raise exceptions.AuthenticationFailed(_("The token has expired."), code="token_expired")
    if not token.user.is_active:
        raise exceptions.AuthenticationFailed(_("The account is disabled."), code="user_inactive")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "dorf.users.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
