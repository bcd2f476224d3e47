"""Outbound HTTP for polled sources (website feeds, warning APIs): bounded and SSRF-safe.

A URL a village enters is fetched by our server, so it must not reach our own network:
every address the host name resolves to must be a public one (no loopback, private,
link-local, reserved or multicast ranges), and every redirect is checked again. Tests
serve recorded files from 127.0.0.1 and allow that through ``DORF_FETCH_ALLOW_PRIVATE``.
The body is read up to a limit: a 50 MB "feed" is refused, not loaded.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings


class FetchError(Exception):
    """The source could not be fetched (network, status, size, or a refused address)."""


class UnsafeURL(FetchError):
    """The URL points at a private, loopback or otherwise non-public address."""


@dataclass(frozen=True)
class FetchResult:
    status: int  # 200, or 304 when the conditional GET found nothing new
    body: bytes
    etag: str
    last_modified: str
    content_type: str


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Raise ``UnsafeURL`` unless ``url`` is http(s) to a host with only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURL("only http and https URLs with a host name are fetched")
    if settings.DORF_FETCH_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {parts.hostname}") from exc
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_is_public(address) for address in addresses):
        raise UnsafeURL(f"{parts.hostname} resolves to a non-public address")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 3

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_CheckedRedirects)


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int | None = None,
    timeout_s: float | None = None,
    accept: str = "*/*",
) -> FetchResult:
    """GET ``url`` (conditional when ``etag``/``last_modified`` are given)."""
    check_url(url)
    limit = max_bytes if max_bytes is not None else settings.DORF_FETCH_MAX_BYTES
    headers = {"User-Agent": settings.DORF_FETCH_USER_AGENT, "Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked above
    try:
        response: Any = _opener.open(request, timeout=timeout_s or settings.DORF_FETCH_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FetchResult(304, b"", etag, last_modified, "")
        raise FetchError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(str(exc)) from exc
    with response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"body larger than {limit} bytes")
        body = response.read(limit + 1)
        if len(body) > limit:
            raise FetchError(f"body larger than {limit} bytes")
        return FetchResult(
            status=response.status,
            body=body,
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
            content_type=response.headers.get("Content-Type", ""),
        )
