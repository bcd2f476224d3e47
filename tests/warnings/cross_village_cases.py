from __future__ import annotations

from typing import Any

from django.utils import timezone

from dorf.villages.models import Village
from dorf.warnings.models import OfficialWarning, WarningVillage
from tests.cross_village import Case, exempt, register


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _warning(village: Village) -> dict[str, Any]:
    warning = OfficialWarning.objects.create(
        root_identifier=f"test-{village.pk}",
        source="nina",
        headline="Sturm",
        severity="Severe",
        sent=timezone.now(),
    )
    WarningVillage.objects.create(warning=warning, village=village)
    return {"warning_id": warning.pk}


register(Case("warnings:list", _slug))
register(Case("warnings:area", _slug, methods=("get", "put"), body={"ars": "071325009045"}))
register(Case("warnings:detail", _warning))
register(Case("warnings:checkin", _warning, methods=("post",), body={"answer": "safe"}))
register(Case("warnings:checkin-summary", _warning))
exempt("warnings:feed", "public Atom feed of active official warnings (like the sirens)")
