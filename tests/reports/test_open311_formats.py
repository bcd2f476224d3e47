"""The Open311 writers: the hand-written XML is byte for byte what ElementTree writes.

formats.py builds XML as text for speed; ElementTree, which it replaced, is the oracle
here: for any document of the shapes the views build (objects, lists, nested lists,
None, booleans, numbers and arbitrary user text, including characters XML cannot
carry), both give the same bytes, and a safe XML parser reads the user's text back
(less what XML cannot carry).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from defusedxml import ElementTree as SafeET
from hypothesis import given, settings
from hypothesis import strategies as st

from dorf.reports.open311.formats import Doc, Obj, to_json, to_xml

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _reference_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _reference_fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Obj):
        for name, field in value.fields:
            _reference_fill(ET.SubElement(element, name), field)
    elif isinstance(value, Doc):
        for item in value.items:
            _reference_fill(ET.SubElement(element, value.item_tag or item.tag), item)
    else:
        element.text = _reference_text(value)


def reference_xml(document: Obj | Doc) -> bytes:
    """The ElementTree writer formats.py used before (30 Nov 2026)."""
    root = ET.Element(document.tag)
    _reference_fill(root, document)
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


names = st.sampled_from(["request", "status", "description", "lat", "media_url", "value"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.sampled_from(["", "\x0b", "a & b", "<b>", "]]>", "\r\n", "\ud800", "Straße 7"]),
)


def documents() -> st.SearchStrategy[Obj | Doc]:
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        obj = st.builds(Obj, names, st.lists(st.tuples(names, children), max_size=5))
        objs = st.lists(obj, max_size=4)
        docs = st.one_of(
            st.builds(Doc, names, objs),
            st.builds(Doc, names, st.lists(scalars, max_size=3), names),
        )
        return st.one_of(obj, docs)

    return st.recursive(scalars, extend, max_leaves=30).filter(lambda d: isinstance(d, (Obj, Doc)))


@settings(max_examples=300, deadline=None)
@given(documents())
def test_xml_is_what_elementtree_writes(document: Obj | Doc) -> None:
    assert to_xml(document) == reference_xml(document)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_user_text_reads_back_less_what_xml_cannot_carry(text: str) -> None:
    # given: a request whose description is arbitrary user text
    document = Doc("service_requests", [Obj("request", [("description", text)])])
    # when
    parsed = SafeET.fromstring(to_xml(document))
    # then
    expected = _NOT_XML.sub("", text)
    # an XML parser normalises line ends (CR and CRLF become LF)
    expected = expected.replace("\r\n", "\n").replace("\r", "\n")
    assert (parsed.findtext("request/description") or "") == expected
    assert json.loads(to_json(document)) == [{"description": text}]


def test_empty_documents_and_values_are_empty_elements() -> None:
    document = Obj(
        "service_definition",
        [("service_code", "laterne"), ("attributes", Doc("attributes", [])), ("x", "")],
    )
    assert to_xml(document) == (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b"<service_definition><service_code>laterne</service_code>"
        b"<attributes /><x /></service_definition>"
    )
    assert json.loads(to_json(document)) == {"service_code": "laterne", "attributes": [], "x": ""}
