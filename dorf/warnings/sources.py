"""Polling the warning sources (Celery beat). Slow I/O here, rules in ``services``.

NINA: one dashboard request per *district* (``/dashboard/{ARS with the last 7 digits
zeroed}.json``), shared by every village of that district; the detail
(``/warnings/{id}.json``) and the area (``/warnings/{id}.geojson``) only of messages we
have not stored yet. The DWD's CAP feed (optional, ``DORF_DWD_CAP_URL``) is one CAP 1.2
document or an Atom list of links to them.

A source that fails (network, status, size, malformed or hostile content) is logged and
noted on the village keys; nothing else changes. One bad message in a good list is
skipped and logged; the others are ingested.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.conf import settings
from django.utils import timezone

from dorf.core.fetch import FetchError, fetch
from dorf.warnings import services
from dorf.warnings.cap import CapError, canonical_identifier, parse_cap_xml, parse_nina
from dorf.warnings.models import WarningArea, WarningMessage

logger = logging.getLogger(__name__)

ATOM_NS = "{http://www.w3.org/2005/Atom}"


@dataclass
class PollReport:
    requests: int = 0
    stored: int = 0
    pushes: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, result: services.IngestResult) -> None:
        if result.stored:
            self.stored += 1
            self.pushes += result.pushes
        else:
            self.skipped += 1


def _get(url: str, report: PollReport, accept: str = "application/json") -> bytes:
    report.requests += 1
    return fetch(url, accept=accept).body


def _fail(areas: list[WarningArea], report: PollReport, message: str) -> None:
    logger.warning("warning source failed: %s", message)
    report.errors.append(message)
    WarningArea.objects.filter(pk__in=[a.pk for a in areas]).update(
        last_error=message[:300], last_polled_at=timezone.now()
    )


def poll_nina(*, now: datetime | None = None) -> PollReport:
    report = PollReport()
    by_district: dict[str, list[WarningArea]] = defaultdict(list)
    for area in WarningArea.objects.order_by("pk"):
        by_district[area.district_ars].append(area)
    base = settings.DORF_NINA_BASE_URL
    for district, areas in sorted(by_district.items()):
        try:
            dashboard = json.loads(_get(f"{base}/dashboard/{district}.json", report))
            if not isinstance(dashboard, list):
                raise CapError("the dashboard is not a list")
            listed = _nina_listed(dashboard)
        except (FetchError, CapError, ValueError, UnicodeDecodeError) as exc:
            _fail(areas, report, f"NINA dashboard {district}: {exc}")
            continue
        known = set(
            WarningMessage.objects.filter(identifier__in=listed).values_list(
                "identifier", flat=True
            )
        )
        for identifier, (raw_id, provider) in listed.items():
            if identifier in known:
                continue
            try:
                detail = _get(f"{base}/warnings/{raw_id}.json", report)
                try:
                    geojson: bytes | None = _get(f"{base}/warnings/{raw_id}.geojson", report)
                except FetchError:
                    geojson = None  # fall back to the geocodes
                message = parse_nina(detail, geojson, provider=provider)
            except (FetchError, CapError) as exc:
                logger.warning("NINA warning %s skipped: %s", raw_id, exc)
                report.errors.append(f"{raw_id}: {exc}")
                continue
            report.add(services.message_ingest(message=message, now=now))
        services.warnings_end_vanished(
            source="nina", still_listed=set(listed), village_ids=[a.village_id for a in areas]
        )
        WarningArea.objects.filter(pk__in=[a.pk for a in areas]).update(
            last_error="", last_polled_at=timezone.now()
        )
    return report


def _nina_listed(dashboard: list[Any]) -> dict[str, tuple[str, str]]:
    """canonical identifier → (NINA's id, provider) of each dashboard entry."""
    listed = {}
    for item in dashboard:
        if not isinstance(item, dict):
            continue
        payload = item.get("payload") or {}
        raw_id = str(payload.get("id") or item.get("id") or "")
        if not raw_id or "/" in raw_id or ".." in raw_id:
            continue  # an id goes into a URL path: nothing that could leave it
        provider = str((payload.get("data") or {}).get("provider") or "")
        listed[canonical_identifier(raw_id)] = (raw_id, provider)
    return listed


def poll_dwd(*, now: datetime | None = None) -> PollReport:
    report = PollReport()
    url = settings.DORF_DWD_CAP_URL
    if not url:
        return report
    areas = list(WarningArea.objects.all())
    accept = "application/xml, application/atom+xml"
    try:
        body = _get(url, report, accept=accept)
        root = defused_fromstring(body)
    except (FetchError, DefusedXmlException, SyntaxError, ValueError) as exc:
        _fail(areas, report, f"DWD CAP feed: {type(exc).__name__}: {exc}"[:300])
        return report
    documents: list[bytes] = []
    if root.tag == ATOM_NS + "feed":
        for entry in root.findall(ATOM_NS + "entry"):
            entry_id = canonical_identifier((entry.findtext(ATOM_NS + "id") or "").strip())
            if entry_id and WarningMessage.objects.filter(identifier=entry_id).exists():
                continue
            link = next(
                (
                    link.get("href", "")
                    for link in entry.findall(ATOM_NS + "link")
                    if link.get("href")
                ),
                "",
            )
            if not link:
                continue
            try:
                documents.append(_get(link, report, accept=accept))
            except FetchError as exc:
                report.errors.append(f"{link}: {exc}")
    else:
        documents.append(body)
    for document in documents:
        try:
            message = parse_cap_xml(document, source="dwd")
        except CapError as exc:
            logger.warning("DWD CAP message skipped: %s", exc)
            report.errors.append(str(exc))
            continue
        report.add(services.message_ingest(message=message, now=now))
    return report
