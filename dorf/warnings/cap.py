"""CAP messages from their two shapes into one plain dataclass.

- NINA's warning detail (``/warnings/{id}.json``) is CAP 1.2 as JSON; its area geometry
  comes separately as GeoJSON (``/warnings/{id}.geojson``).
- The DWD's CAP 1.2 XML (``<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">``),
  parsed with ``defusedxml``: entity declarations and external references are refused, so
  a billion-laughs or XXE document fails here without expanding anything.

Identifiers are made canonical so one message from two sources is one message: NINA
prefixes the CAP identifier with its feed's short name (``dwdmap.``, ``mow.``, …); the DWD
feed has the bare CAP identifier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

CAP_NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
NINA_PREFIXES = ("dwdmap.", "dwd.", "mow.", "kat.", "bwp.", "lhp.", "pol.")
SEVERITIES = {"Extreme", "Severe", "Moderate", "Minor", "Unknown"}
MSG_TYPES = {"Alert", "Update", "Cancel"}


class CapError(ValueError):
    """Not a usable CAP message (malformed, hostile, or missing what we need)."""


@dataclass(frozen=True)
class ParsedMessage:
    identifier: str  # canonical
    source: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: list[str]  # canonical identifiers this message refers to
    event: str
    headline: str
    description: str
    instruction: str
    severity: str
    urgency: str
    certainty: str
    onset: datetime | None
    expires: datetime | None
    sender_name: str
    provider: str
    geometry: dict[str, Any] | None
    geocodes: list[tuple[str, str]] = field(default_factory=list)
    raw: str = ""


def canonical_identifier(identifier: str) -> str:
    identifier = identifier.strip()
    for prefix in NINA_PREFIXES:
        if identifier.startswith(prefix):
            return identifier[len(prefix) :]
    return identifier


def parse_references(text: str) -> list[str]:
    """CAP ``references``: space-separated ``sender,identifier,sent`` triples."""
    found = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) >= 2 and parts[1]:
            found.append(canonical_identifier(parts[1]))
    return found


def _time(value: Any, *, required: bool = False) -> datetime | None:
    if not value:
        if required:
            raise CapError("a required time is missing")
        return None
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise CapError(f"bad time {value!r}") from exc
    if parsed.tzinfo is None:
        raise CapError(f"time without offset {value!r}")
    return parsed


def _pick_info(infos: list[Any], language_of: Any) -> Any:
    if not infos:
        raise CapError("a message without info")
    for info in infos:
        if str(language_of(info) or "").lower().startswith("de"):
            return info
    return infos[0]


def _check(msg_type: str, severity: str) -> None:
    if msg_type not in MSG_TYPES:
        raise CapError(f"unknown msgType {msg_type!r}")
    if severity not in SEVERITIES:
        raise CapError(f"unknown severity {severity!r}")


# --- NINA JSON ------------------------------------------------------------------------------


def _pairs(items: Any) -> list[tuple[str, str]]:
    if not isinstance(items, list):
        return []
    return [
        (str(item.get("valueName", "")), str(item.get("value", "")))
        for item in items
        if isinstance(item, dict)
    ]


def parse_nina(detail: bytes, geojson: bytes | None, *, provider: str = "") -> ParsedMessage:
    """A NINA warning detail (and its GeoJSON, if fetched)."""
    try:
        doc = json.loads(detail)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CapError("not JSON") from exc
    if not isinstance(doc, dict):
        raise CapError("not a warning object")
    info = _pick_info(doc.get("info") or [], lambda i: i.get("language"))
    parameters = dict(_pairs(info.get("parameter")))
    geocodes = [pair for area in info.get("area") or [] for pair in _pairs(area.get("geocode"))]
    msg_type = str(doc.get("msgType", ""))
    severity = str(info.get("severity", ""))
    _check(msg_type, severity)
    return ParsedMessage(
        identifier=canonical_identifier(str(doc.get("identifier") or "")) or _missing("identifier"),
        source="nina",
        sender=str(doc.get("sender", ""))[:200],
        sent=_time(doc.get("sent"), required=True),  # type: ignore[arg-type]
        status=str(doc.get("status", "")),
        msg_type=msg_type,
        scope=str(doc.get("scope", "")),
        references=parse_references(str(doc.get("references") or "")),
        event=str(info.get("event", ""))[:200],
        headline=str(info.get("headline", ""))[:500] or _missing("headline"),
        description=str(info.get("description", "")),
        instruction=str(info.get("instruction") or parameters.get("instructionText", "")),
        severity=severity,
        urgency=str(info.get("urgency", "")),
        certainty=str(info.get("certainty", "")),
        onset=_time(info.get("onset") or info.get("effective")),
        expires=_time(info.get("expires")),
        sender_name=str(info.get("senderName") or parameters.get("sender_langname", ""))[:200],
        provider=provider,
        geometry=_geojson_geometry(geojson) if geojson else None,
        geocodes=geocodes,
        raw=detail.decode("utf-8", "replace"),
    )


def _missing(name: str) -> str:
    raise CapError(f"{name} is missing")


def _geojson_geometry(body: bytes) -> dict[str, Any] | None:
    """The union of a GeoJSON document's geometries (Feature, FeatureCollection or bare)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CapError("bad GeoJSON") from exc
    geometries: list[dict[str, Any]] = []

    def collect(node: Any) -> None:
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "FeatureCollection":
            for feature in node.get("features") or []:
                collect(feature)
        elif kind == "Feature":
            collect(node.get("geometry"))
        elif kind == "GeometryCollection":
            for geometry in node.get("geometries") or []:
                collect(geometry)
        elif kind in {"Polygon", "MultiPolygon"}:
            geometries.append(node)

    collect(doc)
    if not geometries:
        return None
    if len(geometries) == 1:
        return geometries[0]
    return {"type": "GeometryCollection", "geometries": geometries}


# --- CAP 1.2 XML ----------------------------------------------------------------------------


def _text(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    child = element.find(CAP_NS + name)
    return (child.text or "").strip() if child is not None else ""


def _cap_polygon(text: str) -> list[list[float]]:
    """CAP polygon "lat,lon lat,lon …" → a GeoJSON ring [[lon, lat], …]."""
    ring = []
    for pair in text.split():
        lat, _, lon = pair.partition(",")
        try:
            ring.append([float(lon), float(lat)])
        except ValueError as exc:
            raise CapError(f"bad polygon point {pair!r}") from exc
    if len(ring) < 4:
        raise CapError("a polygon needs at least four points")
    return ring


def parse_cap_xml(body: bytes, *, source: str = "dwd") -> ParsedMessage:
    try:
        root = defused_fromstring(body)
    except (DefusedXmlException, SyntaxError, ValueError) as exc:
        raise CapError(f"unsafe or malformed XML: {type(exc).__name__}") from exc
    if root.tag != CAP_NS + "alert":
        raise CapError("not a CAP 1.2 alert")
    infos = root.findall(CAP_NS + "info")
    info = _pick_info(infos, lambda i: _text(i, "language"))
    msg_type, severity = _text(root, "msgType"), _text(info, "severity")
    _check(msg_type, severity)
    polygons = []
    geocodes = []
    for area in info.findall(CAP_NS + "area"):
        polygons += [_cap_polygon(p.text or "") for p in area.findall(CAP_NS + "polygon")]
        for code in area.findall(CAP_NS + "geocode"):
            geocodes.append((_text(code, "valueName"), _text(code, "value")))
    geometry: dict[str, Any] | None = None
    if len(polygons) == 1:
        geometry = {"type": "Polygon", "coordinates": [polygons[0]]}
    elif polygons:
        geometry = {"type": "MultiPolygon", "coordinates": [[ring] for ring in polygons]}
    parameters = {
        _text(p, "valueName"): _text(p, "value") for p in info.findall(CAP_NS + "parameter")
    }
    return ParsedMessage(
        identifier=canonical_identifier(_text(root, "identifier")) or _missing("identifier"),
        source=source,
        sender=_text(root, "sender")[:200],
        sent=_time(_text(root, "sent"), required=True),  # type: ignore[arg-type]
        status=_text(root, "status"),
        msg_type=msg_type,
        scope=_text(root, "scope"),
        references=parse_references(_text(root, "references")),
        event=_text(info, "event")[:200],
        headline=_text(info, "headline")[:500] or _missing("headline"),
        description=_text(info, "description"),
        instruction=_text(info, "instruction"),
        severity=severity,
        urgency=_text(info, "urgency"),
        certainty=_text(info, "certainty"),
        onset=_time(_text(info, "onset") or _text(info, "effective")),
        expires=_time(_text(info, "expires")),
        sender_name=(_text(info, "senderName") or parameters.get("sender_langname", ""))[:200],
        provider="DWD" if source == "dwd" else source.upper(),
        geometry=geometry,
        geocodes=geocodes,
        raw=body.decode("utf-8", "replace"),
    )
