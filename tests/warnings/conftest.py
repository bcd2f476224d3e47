from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dorf.villages.models import Role, Village
from dorf.warnings.models import WarningArea
from tests.factories import HouseholdFactory, MembershipFactory
from tests.recorded_http import RecordedServer
from tests.recorded_http import recorded_server as recorded_server  # a fixture

RECORDED = Path(__file__).parent / "recorded"
ARS = "071325009045"
DISTRICT = "071320000000"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@dataclass
class Nina:
    server: RecordedServer

    def show(self, *entries: tuple[str, str]) -> None:
        """The district's dashboard lists these (detail file, geojson file) warnings."""
        dashboard = []
        for detail_name, geojson_name in entries:
            detail = json.loads(recorded(detail_name))
            raw_id = detail["identifier"]
            self.server.serve(f"/warnings/{raw_id}.json", recorded(detail_name))
            if geojson_name:
                self.server.serve(f"/warnings/{raw_id}.geojson", recorded(geojson_name))
            info = detail["info"][0]
            dashboard.append(
                {
                    "id": raw_id,
                    "payload": {
                        "id": raw_id,
                        "version": 1,
                        "type": "ALERT",
                        "data": {
                            "headline": info["headline"],
                            "provider": "DWD",
                            "severity": info["severity"],
                            "msgType": detail["msgType"],
                        },
                    },
                    "sent": detail["sent"],
                }
            )
        self.server.serve(
            f"/dashboard/{DISTRICT}.json",
            json.dumps(dashboard).encode(),
            content_type="application/json",
            conditional=False,
        )


@pytest.fixture
def nina(recorded_server: RecordedServer, settings: Any) -> Nina:
    settings.DORF_NINA_BASE_URL = recorded_server.base_url
    return Nina(recorded_server)


@pytest.fixture
def warned_village(village: Village) -> Village:
    """Musterdorf (centre 50.79 N 7.872 E, 5 km) with its ARS, 3 residents and a moderator."""
    WarningArea.objects.create(village=village, ars=ARS, warn_cells=["107132000"])
    for _ in range(3):
        MembershipFactory(village=village, household=HouseholdFactory(village=village))
    MembershipFactory(village=village, role=Role.MODERATOR)
    return village
