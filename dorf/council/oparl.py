"""Reading OParl 1.1 documents: plain Python, no Django.

What is taken from the standard (https://dev.oparl.org/spezifikation, chapters "Objektlisten
und Paginierung" and "Schema"):

- the entry point is a ``System`` object; its ``body`` is the URL of an external list of
  ``Body`` objects;
- a ``Body`` names the external lists ``organization``, ``meeting`` and ``paper``;
- an external list page is ``{"data": [...], "pagination": {...}, "links": {"next": ...}}``;
  every page but the last has ``links.next``; lists accept ``modified_since``;
- every object has ``id`` (its URL) and ``type`` (``https://schema.oparl.org/1.1/<Type>``);
  ``modified`` is a date-time; a deleted object still appears, with ``deleted: true``;
- a ``Meeting`` embeds its ``agendaItem`` objects and refers to its ``organization``\\ s by
  URL; an ``AgendaItem`` may refer to a paper through its ``consultation``.

Anything that does not have this shape raises ``MalformedDocument``: the import then
stops and keeps what it had.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class MalformedDocument(ValueError):
    """A document that is not OParl 1.1 as we read it."""


TYPE_PREFIXES = ("https://schema.oparl.org/1.1/", "https://schema.oparl.org/1.0/")


@dataclass(frozen=True)
class Page:
    objects: list[dict[str, Any]]
    next_url: str | None


@dataclass(frozen=True)
class ParsedBody:
    oparl_id: str
    name: str
    short_name: str
    web_url: str
    modified: datetime | None
    deleted: bool
    organization_list: str
    meeting_list: str
    paper_list: str


@dataclass(frozen=True)
class ParsedOrganization:
    oparl_id: str
    name: str
    short_name: str
    organization_type: str
    classification: str
    web_url: str
    modified: datetime | None
    deleted: bool


@dataclass(frozen=True)
class ParsedAgendaItem:
    oparl_id: str
    number: str
    order: int
    name: str
    public: bool
    result: str
    paper_id: str | None


@dataclass(frozen=True)
class ParsedMeeting:
    oparl_id: str
    name: str
    start: datetime | None
    end: datetime | None
    location: str
    cancelled: bool
    web_url: str
    modified: datetime | None
    deleted: bool
    organization_ids: list[str] = field(default_factory=list)
    agenda_items: list[ParsedAgendaItem] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedPaper:
    oparl_id: str
    name: str
    reference: str
    paper_type: str
    date: date | None
    web_url: str
    modified: datetime | None
    deleted: bool


def load_json(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedDocument(f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise MalformedDocument("a document must be a JSON object")
    return document


def type_of(obj: dict[str, Any]) -> str:
    value = obj.get("type")
    if not isinstance(value, str):
        raise MalformedDocument("an object without a type")
    for prefix in TYPE_PREFIXES:
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    raise MalformedDocument(f"unknown type {value[:100]!r}")


def _require_type(obj: dict[str, Any], expected: str) -> None:
    if type_of(obj) != expected:
        raise MalformedDocument(f"expected a {expected}, got {obj.get('type')!r}")


def _url(obj: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise MalformedDocument(f"{key} must be a URL")
    if len(value) > 500:
        raise MalformedDocument(f"{key} is too long")
    return value


def _text(obj: dict[str, Any], key: str, limit: int, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None:
        if required:
            raise MalformedDocument(f"{key} is missing")
        return ""
    if not isinstance(value, str):
        raise MalformedDocument(f"{key} must be text")
    return value[:limit]


def _datetime(obj: dict[str, Any], key: str) -> datetime | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedDocument(f"{key} must be a date-time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedDocument(f"{key} is not a date-time") from exc
    if parsed.tzinfo is None:
        raise MalformedDocument(f"{key} has no time zone")
    return parsed


def _date(obj: dict[str, Any], key: str) -> date | None:
    value = obj.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise MalformedDocument(f"{key} is not a date") from exc


def _bool(obj: dict[str, Any], key: str, default: bool) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise MalformedDocument(f"{key} must be true or false")
    return value


def parse_system(document: dict[str, Any]) -> str:
    """The URL of the body list."""
    _require_type(document, "System")
    return _url(document, "body")


def parse_page(document: dict[str, Any]) -> Page:
    data = document.get("data")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise MalformedDocument("a list page needs a data array of objects")
    links = document.get("links", {})
    if not isinstance(links, dict):
        raise MalformedDocument("links must be an object")
    next_url = links.get("next")
    if next_url is not None and not isinstance(next_url, str):
        raise MalformedDocument("links.next must be a URL")
    return Page(objects=data, next_url=next_url or None)


def parse_body(obj: dict[str, Any]) -> ParsedBody:
    _require_type(obj, "Body")
    deleted = _bool(obj, "deleted", False)
    return ParsedBody(
        oparl_id=_url(obj, "id"),
        name=_text(obj, "name", 500, required=not deleted),
        short_name=_text(obj, "shortName", 100),
        web_url=_url(obj, "web", required=False),
        modified=_datetime(obj, "modified"),
        deleted=deleted,
        organization_list=_url(obj, "organization", required=not deleted),
        meeting_list=_url(obj, "meeting", required=not deleted),
        paper_list=_url(obj, "paper", required=not deleted),
    )


def parse_organization(obj: dict[str, Any]) -> ParsedOrganization:
    _require_type(obj, "Organization")
    deleted = _bool(obj, "deleted", False)
    return ParsedOrganization(
        oparl_id=_url(obj, "id"),
        name=_text(obj, "name", 500, required=not deleted),
        short_name=_text(obj, "shortName", 100),
        organization_type=_text(obj, "organizationType", 100),
        classification=_text(obj, "classification", 200),
        web_url=_url(obj, "web", required=False),
        modified=_datetime(obj, "modified"),
        deleted=deleted,
    )


def _agenda_item(obj: dict[str, Any], index: int) -> ParsedAgendaItem:
    _require_type(obj, "AgendaItem")
    consultation = obj.get("consultation")
    paper_id = None
    if isinstance(consultation, dict):
        paper = consultation.get("paper")
        paper_id = paper if isinstance(paper, str) else None
    order = obj.get("order", index)
    if not isinstance(order, int):
        raise MalformedDocument("order must be a number")
    return ParsedAgendaItem(
        oparl_id=_url(obj, "id"),
        number=_text(obj, "number", 50),
        order=order,
        name=_text(obj, "name", 1000, required=True),
        public=_bool(obj, "public", True),
        result=_text(obj, "result", 500),
        paper_id=paper_id,
    )


def parse_meeting(obj: dict[str, Any]) -> ParsedMeeting:
    _require_type(obj, "Meeting")
    organizations = obj.get("organization", [])
    if not isinstance(organizations, list) or not all(
        isinstance(url, str) for url in organizations
    ):
        raise MalformedDocument("organization must be a list of URLs")
    items = obj.get("agendaItem", [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MalformedDocument("agendaItem must be a list of objects")
    location = obj.get("location")
    place = ""
    if isinstance(location, dict):
        place = _text(location, "description", 500) or _text(location, "streetAddress", 500)
    deleted = _bool(obj, "deleted", False)
    return ParsedMeeting(
        oparl_id=_url(obj, "id"),
        name=_text(obj, "name", 500, required=not deleted),
        start=_datetime(obj, "start"),
        end=_datetime(obj, "end"),
        location=place,
        cancelled=_bool(obj, "cancelled", False),
        web_url=_url(obj, "web", required=False),
        modified=_datetime(obj, "modified"),
        deleted=deleted,
        organization_ids=list(organizations),
        agenda_items=[_agenda_item(item, index) for index, item in enumerate(items)],
    )


def parse_paper(obj: dict[str, Any]) -> ParsedPaper:
    _require_type(obj, "Paper")
    deleted = _bool(obj, "deleted", False)
    return ParsedPaper(
        oparl_id=_url(obj, "id"),
        name=_text(obj, "name", 500, required=not deleted),
        reference=_text(obj, "reference", 100),
        paper_type=_text(obj, "paperType", 100),
        date=_date(obj, "date"),
        web_url=_url(obj, "web", required=False),
        modified=_datetime(obj, "modified"),
        deleted=deleted,
    )
