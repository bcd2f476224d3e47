"""Travel-time providers: the geodesic default and OSRM's table API (against a fake server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from geopy.distance import great_circle

from dorf.deliveries.optimiser import (
    GeodesicProvider,
    Location,
    OsrmTableProvider,
    TravelMode,
    TravelTimeUnavailable,
)
from dorf.deliveries.optimiser.matrix import UNREACHABLE_S

CHURCH = Location(50.7900, 7.8720)
SCHOOL = Location(50.8000, 7.8720)


def test_geodesic_provider_scales_distance_by_detour_and_speed() -> None:
    provider = GeodesicProvider(
        speeds_m_per_s={TravelMode.BIKE: 5.0}, detour_factors={TravelMode.BIKE: 1.5}
    )
    metres = great_circle((CHURCH.lat, CHURCH.lon), (SCHOOL.lat, SCHOOL.lon)).meters

    matrix = provider.travel_times_s([CHURCH, SCHOOL], TravelMode.BIKE)

    assert matrix[0][0] == matrix[1][1] == 0
    assert matrix[0][1] == matrix[1][0]
    assert abs(matrix[0][1] - metres * 1.5 / 5.0) <= 1


def test_walking_takes_longer_than_driving() -> None:
    provider = GeodesicProvider()

    walking = provider.travel_times_s([CHURCH, SCHOOL], TravelMode.FOOT)[0][1]
    driving = provider.travel_times_s([CHURCH, SCHOOL], TravelMode.CAR)[0][1]

    assert walking > 4 * driving


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/<profile>/... like OSRM: 100 s per hop, null to the third place."""

    requests: list[str] = []

    def do_GET(self) -> None:
        FakeOsrm.requests.append(self.path)
        if "/broken/" in self.path:
            body: dict[str, Any] = {"code": "InvalidQuery", "message": "nope"}
        else:
            count = len(self.path.split("?")[0].split("/")[-1].split(";"))
            durations = [[abs(i - j) * 100.4 for j in range(count)] for i in range(count)]
            if count == 3:
                durations[0][2] = None  # type: ignore[call-overload]
            body = {"code": "Ok", "durations": durations}
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osrm_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    FakeOsrm.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_osrm_provider_reads_durations_from_the_table_service(osrm_url: str) -> None:
    provider = OsrmTableProvider(osrm_url, timeout_s=2)

    matrix = provider.travel_times_s([CHURCH, SCHOOL, CHURCH], TravelMode.CARGO_BIKE)

    assert FakeOsrm.requests == [
        "/table/v1/bike/7.872000,50.790000;7.872000,50.800000;7.872000,50.790000"
        "?annotations=duration"
    ]
    assert matrix[0][1] == 126  # 100.4 s x 1.25 for a loaded cargo bike, rounded up
    assert matrix[0][2] == UNREACHABLE_S  # OSRM's null: no road


def test_osrm_provider_raises_when_the_server_answers_an_error(osrm_url: str) -> None:
    provider = OsrmTableProvider(osrm_url, profiles={TravelMode.CAR: ("broken", 1.0)})

    with pytest.raises(TravelTimeUnavailable, match="InvalidQuery"):
        provider.travel_times_s([CHURCH, SCHOOL], TravelMode.CAR)


def test_osrm_provider_raises_when_nobody_listens() -> None:
    server = HTTPServer(("127.0.0.1", 0), FakeOsrm)
    port = server.server_address[1]
    server.server_close()  # the port is free again: connecting is refused

    with pytest.raises(TravelTimeUnavailable, match="request failed"):
        OsrmTableProvider(f"http://127.0.0.1:{port}", timeout_s=1).travel_times_s(
            [CHURCH, SCHOOL], TravelMode.CAR
        )
