from __future__ import annotations

import json
from typing import Any

import pytest

from dorf.council.models import CouncilSource
from dorf.council.recorded import ROUTES, recorded_document
from dorf.villages.models import Village
from tests.recorded_http import RecordedServer, recorded_server  # noqa: F401 - fixture

PREFIX = "/oparl/v1"


def serve_recorded(server: RecordedServer) -> str:
    """Serve Musterdorf's recorded OParl system; returns the System URL."""
    base = server.url(PREFIX)
    for route in ROUTES:
        server.serve(
            PREFIX + route,
            recorded_document(route, base=base),
            content_type="application/json",
            conditional=False,
        )
    return f"{base}/system"


def recorded_json(server: RecordedServer, route: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(recorded_document(route, base=server.url(PREFIX)))
    return document


@pytest.fixture
def source(village: Village, recorded_server: RecordedServer) -> CouncilSource:  # noqa: F811
    return CouncilSource.objects.create(village=village, system_url=serve_recorded(recorded_server))
