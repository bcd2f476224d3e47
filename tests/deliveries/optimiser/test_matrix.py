"""Travel-time providers: the geodesic default and OSRM's table API (against a fake server)."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from geopy.distance import great_circle

from dorf.deliveries.optimiser import (
    GeodesicProvider,
    InvalidProblem,
    Location,
    OsrmTableProvider,
    TravelMode,
    TravelTimeUnavailable,
)
from dorf.deliveries.optimiser import matrix as matrix_module
from dorf.deliveries.optimiser.matrix import (
    DISTANCE_CACHE,
    UNREACHABLE_S,
    great_circle_matrix_m,
)
from dorf.deliveries.optimiser.validation import check_matrix

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


# -- vectorised geodesic matrices and their cache (issue 22)


def _scattered(count: int, seed: int = 7) -> list[Location]:
    import random

    rng = random.Random(seed)
    return [
        Location(round(50.70 + rng.random() * 0.2, 6), round(7.80 + rng.random() * 0.2, 6))
        for _ in range(count)
    ]


def test_the_vectorised_matrix_equals_the_pairwise_great_circle_matrix() -> None:
    # given places ~20 km apart at most, one of them twice
    places = _scattered(60)
    places.append(places[3])
    provider = GeodesicProvider()
    # when
    distances = great_circle_matrix_m(places)
    cars = provider.travel_times_s(places, TravelMode.CAR)
    # then: the distances and the seconds the old pair-by-pair code gave
    factor = provider.detour_factors[TravelMode.CAR] / provider.speeds_m_per_s[TravelMode.CAR]
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            metres = great_circle((a.lat, a.lon), (b.lat, b.lon)).meters if a != b else 0.0
            assert abs(distances[i, j] - metres) < 1e-3
            assert abs(cars[i][j] - math.ceil(metres * factor)) <= 1
            assert isinstance(cars[i][j], int)
    assert distances[3, 60] == 0.0


def test_a_replan_over_the_same_places_or_fewer_reuses_the_distances(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a plan's places computed once
    DISTANCE_CACHE.clear()
    places = _scattered(40, seed=11)
    whole = GeodesicProvider().distances_m(places)
    calls: list[int] = []
    original = matrix_module.great_circle_matrix_m

    def counting(locations: list[Location]) -> object:
        calls.append(len(locations))
        return original(locations)

    monkeypatch.setattr(matrix_module, "great_circle_matrix_m", counting)
    # when a new provider (a re-plan in the same worker) asks for them again, and for
    # the places less one volunteer's home, in another order
    again = GeodesicProvider().distances_m(places)
    fewer = [places[k] for k in (5, 1, 30, 2)]
    cut = GeodesicProvider().travel_times_array(fewer, TravelMode.BIKE)
    # then nothing is computed again and the numbers are the same
    assert calls == []
    assert (again == whole).all()
    fresh = original(fewer)
    bike = GeodesicProvider()
    expected = [
        [
            math.ceil(
                m * bike.detour_factors[TravelMode.BIKE] / bike.speeds_m_per_s[TravelMode.BIKE]
            )
            for m in row
        ]
        for row in fresh.tolist()
    ]
    assert cut.tolist() == expected
    # and places not seen before are computed
    GeodesicProvider().distances_m([*fewer, Location(50.0, 7.0)])
    assert calls == [5]


def test_a_numpy_matrix_is_checked_at_once() -> None:
    import numpy as np

    check_matrix(TravelMode.CAR, np.zeros((3, 3), dtype=np.int32), 3)
    with pytest.raises(InvalidProblem, match="shape"):
        check_matrix(TravelMode.CAR, np.zeros((3, 2), dtype=np.int32), 3)
    with pytest.raises(InvalidProblem, match="negative"):
        check_matrix(TravelMode.CAR, -np.ones((2, 2), dtype=np.int64), 2)
    with pytest.raises(InvalidProblem, match="not integer"):
        check_matrix(TravelMode.CAR, np.zeros((2, 2)), 2)  # type: ignore[arg-type]
