"""Open311 GeoReport v2 output in both formats, from one description of each document.

A document is a plain structure: ``Doc(root, items)`` for a list (``<services><service>…``
in XML, a JSON array) or ``Obj(root, fields)`` for one object (``<service_definition>``,
a JSON object). Fields are ordered ``(name, value)`` pairs; a value is None (an empty
element, JSON null), a bool (``true``/``false``), a number, a string, a nested ``Obj``,
or a ``Doc`` (a container element of repeated children, a JSON array).

XML is written with ElementTree, which escapes text; characters XML 1.0 cannot carry
(most control characters) are removed first, so a user's text can never produce a
document a client's parser refuses.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/F.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Obj:
    tag: str
    fields: list[tuple[str, Any]]


@dataclass(frozen=True)
class Doc:
    tag: str
    items: list[Any]  # Obj, or plain values (e.g. <format>text/xml</format>)
    item_tag: str = ""


def w3c(moment: datetime | None, tz: str) -> str | None:
    """A W3C date-time with the village's UTC offset, e.g. 2027-03-28T14:30:00+02:00."""
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _xml_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Obj):
        for name, field in value.fields:
            _xml_fill(ET.SubElement(element, name), field)
    elif isinstance(value, Doc):
        for item in value.items:
            child = ET.SubElement(element, value.item_tag or item.tag)
            _xml_fill(child, item)
    else:
        element.text = _text(value)


def to_xml(document: Obj | Doc) -> bytes:
    root = ET.Element(document.tag)
    _xml_fill(root, document)
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def _json_value(value: Any) -> Any:
    if isinstance(value, Obj):
        return {name: _json_value(field) for name, field in value.fields}
    if isinstance(value, Doc):
        return [_json_value(item) for item in value.items]
    return value


def to_json(document: Obj | Doc) -> bytes:
    return json.dumps(_json_value(document), ensure_ascii=False).encode()


def render(document: Obj | Doc, fmt: str, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(to_json(document), content_type=JSON_CONTENT_TYPE, status=status)
    return HttpResponse(to_xml(document), content_type=XML_CONTENT_TYPE, status=status)


def errors_document(errors: list[tuple[int | str, str]]) -> Doc:
    """``<errors><error><code/><description/></error></errors>`` / ``[{code, description}]``."""
    return Doc(
        "errors",
        [
            Obj("error", [("code", code), ("description", description)])
            for code, description in errors
        ],
    )
