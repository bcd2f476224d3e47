"""A local HTTP server on 127.0.0.1 serving recorded files (feeds, NINA JSON, CAP XML).

Tests script each path: the body, the content type and whether it honours a conditional
GET (ETag / Last-Modified). The server counts requests so a test can prove how often a
source was fetched. Never the internet.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Route:
    body: bytes
    content_type: str = "application/xml"
    status: int = 200
    last_modified: str = "Mon, 30 Nov 2026 08:00:00 GMT"
    conditional: bool = True


@dataclass
class RecordedServer:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    not_modified: dict[str, int] = field(default_factory=dict)

    def serve(self, path: str, body: bytes, **kwargs: object) -> str:
        self.routes[path] = Route(body=body, **kwargs)  # type: ignore[arg-type]
        return self.base_url + path

    def url(self, path: str) -> str:
        return self.base_url + path


def _handler(server_state: RecordedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            path = self.path
            server_state.hits[path] = server_state.hits.get(path, 0) + 1
            route = server_state.routes.get(path)
            if route is None:
                self.send_response(404)
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            fresh = self.headers.get("If-None-Match") == etag or (
                self.headers.get("If-None-Match") is None
                and self.headers.get("If-Modified-Since") == route.last_modified
            )
            if route.conditional and route.status == 200 and fresh:
                server_state.not_modified[path] = server_state.not_modified.get(path, 0) + 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            if route.conditional:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", route.last_modified)
            self.end_headers()
            self.wfile.write(route.body)

    return Handler


@pytest.fixture
def recorded_server(settings) -> Iterator[RecordedServer]:
    """The server, and the explicit setting that lets our fetcher reach 127.0.0.1."""
    settings.DORF_FETCH_ALLOW_PRIVATE = True
    state = RecordedServer(base_url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
