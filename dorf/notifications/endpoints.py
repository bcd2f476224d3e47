"""Which push endpoints the server may call: https URLs of public hosts only.

A subscription's endpoint is a URL a client chose; the server POSTs to it. Without these
checks a client could make the server call its own network (server-side request
forgery): an admin interface on localhost, a metadata service, a router. The address is
checked when the subscription is stored (no http, no IP literal, no localhost or
internal name, no odd port) and again right before each send, on what the name resolves
to (no private, loopback, link-local or reserved address).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Names that never reach the public internet (RFC 6761, RFC 6762, RFC 8375, common use).
INTERNAL_SUFFIXES = (
    ".localhost",
    ".local",
    ".localdomain",
    ".internal",
    ".intranet",
    ".lan",
    ".home",
    ".home.arpa",
    ".corp",
    ".test",
    ".invalid",
    ".example",
    ".onion",
)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def endpoint_problem(endpoint: str) -> str | None:
    """Why ``endpoint`` is refused as a push endpoint, or ``None`` when it is fine."""
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return _("Not a valid URL.")
    host = (parts.hostname or "").lower().rstrip(".")
    if settings.DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS and parts.scheme in ("http", "https") and host:
        return None
    if parts.scheme != "https":
        return _("The push service must be an https URL.")
    if not host or parts.username or parts.password:
        return _("Not a valid URL.")
    if _is_ip_literal(host):
        return _("The push service must be addressed by its host name.")
    if host == "localhost" or "." not in host or host.endswith(INTERNAL_SUFFIXES):
        return _("The push service must be a public host.")
    if port not in (None, 443):
        return _("The push service must use the https port.")
    return None


def resolved_address_kind(endpoint: str) -> Literal["public", "private", "unresolved"]:
    """Right before a send: what the endpoint's host resolves to.

    "public" only when every address is globally routable: a public name can point at
    127.0.0.1, so checking the name alone is not enough.
    """
    if settings.DORF_PUSH_ALLOW_PRIVATE_ENDPOINTS:
        return "public"
    parts = urlsplit(endpoint)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        return "unresolved"
    addresses = {str(info[4][0]).split("%")[0] for info in infos}
    if not addresses:
        return "unresolved"
    if all(ipaddress.ip_address(address).is_global for address in addresses):
        return "public"
    return "private"
