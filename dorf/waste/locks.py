"""The one place that loads the waste rows a write changes, scoped to the acting user's
villages (another village's id is a 404) and row-locked where writes must not overlap."""

from __future__ import annotations

from dorf.villages.models import Village
from dorf.waste.models import WasteSettings


def settings_for_update(village: Village) -> WasteSettings:
    """The village's waste settings row, locked: imports of one village run one at a time
    (two overlapping imports would each see the other's rows as missing)."""
    WasteSettings.objects.get_or_create(village=village)
    return WasteSettings.objects.select_for_update().get(village=village)
