"""The Nominatim geocoder against a local fake server: tests never reach the internet."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache

from dorf.villages.geocoding import GeoPoint, NominatimGeocoder, cache_key


class FakeNominatim(BaseHTTPRequestHandler):
    queries: list[str] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        FakeNominatim.queries.append(query["q"][0])
        if "Lindenweg" in query["q"][0]:
            body = [{"lat": "50.7921", "lon": "7.8744", "display_name": "Lindenweg 4"}]
        else:
            body = []
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def nominatim() -> Iterator[str]:
    FakeNominatim.queries = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_nominatim_answers_are_used_and_cached(nominatim: str) -> None:
    cache.delete(cache_key("Lindenweg 4, 57518 Musterdorf-Test-Cache"))
    geocoder = NominatimGeocoder(nominatim, "dorf-tests", min_delay_s=0, scheme="http")
    first = geocoder.geocode("Lindenweg 4, 57518 Musterdorf-Test-Cache")
    second = geocoder.geocode("lindenweg 4, 57518 musterdorf-test-cache")
    assert first == second == GeoPoint(50.7921, 7.8744)
    assert len(FakeNominatim.queries) == 1  # the second answer came from the cache


def test_an_address_nominatim_does_not_know_is_none(nominatim: str) -> None:
    cache.delete(cache_key("Gibtsnicht 1, Nirgendwo-Test"))
    geocoder = NominatimGeocoder(nominatim, "dorf-tests", min_delay_s=0, scheme="http")
    assert geocoder.geocode("Gibtsnicht 1, Nirgendwo-Test") is None


def test_an_unreachable_nominatim_is_none_and_not_cached() -> None:
    geocoder = NominatimGeocoder("127.0.0.1:9", "dorf-tests", min_delay_s=0, scheme="http")
    assert geocoder.geocode("Lindenweg 4, Unerreichbar-Test") is None
