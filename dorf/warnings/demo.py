"""Demo warnings for Musterdorf: its keys (ARS, DWD warn cell, the 5 km circle) and a
recorded DWD storm warning — the Alert, its Update to Extreme and the Cancel (the
all-clear) — ingested through the same rules as a real poll, with check-ins after it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from dorf.villages.demo_context import DemoContext
from dorf.warnings import services
from dorf.warnings.cap import parse_nina
from dorf.warnings.models import WarningArea

RECORDED = Path(__file__).parent / "demo_storm"
MUSTERDORF_ARS = "071325009045"
WARN_CELL = "107132000"


def _shifted(name: str, hours_ago: float) -> bytes:
    """A recorded message moved to the demo's day (its times relative to now)."""
    doc: dict[str, Any] = json.loads((RECORDED / name).read_bytes())
    sent = timezone.now() - timedelta(hours=hours_ago)
    doc["sent"] = sent.isoformat()
    info = doc["info"][0]
    info["onset"] = sent.isoformat()
    info["expires"] = (sent + timedelta(hours=12)).isoformat()
    return json.dumps(doc).encode()


def seed(ctx: DemoContext) -> None:
    village = ctx.village
    WarningArea.objects.create(village=village, ars=MUSTERDORF_ARS, warn_cells=[WARN_CELL])
    geojson = (RECORDED / "area.geojson").read_bytes()
    # The storm: warned, made worse, called off; the check-ins came in while it was on.
    alert = services.message_ingest(message=parse_nina(_shifted("alert.json", 6), geojson))
    services.message_ingest(message=parse_nina(_shifted("update.json", 4), geojson))
    assert alert.warning_id is not None
    residents = [m for m in ctx.memberships if m.user not in (*ctx.staff, *ctx.moderators)]
    for index, membership in enumerate(residents[:12]):
        services.checkin_answer(
            user=membership.user,
            village_id=village.pk,
            warning_id=alert.warning_id,
            answer="need_help" if index == 5 else "safe",
            note="Ast auf dem Carport, Zufahrt blockiert." if index == 5 else "",
        )
    services.message_ingest(message=parse_nina(_shifted("cancel.json", 1), None))
    ctx.out.write("Warnings: a storm warning (alert, update, all-clear) with 12 check-ins.")
