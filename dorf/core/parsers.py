"""Strict JSON for every request body and every WebSocket frame.

Python's ``json`` accepts things a database or a reader cannot take: nesting deep
enough to raise RecursionError, NUL characters (PostgreSQL text refuses them), lone
UTF-16 surrogates (not encodable as UTF-8), integers of any size (a bigint column
overflows), ``NaN`` and ``Infinity``, and bidirectional-override characters that make
a name or a memo display as something else. ``loads_strict`` refuses all of them with a
``HostileJSON`` (a 400 over REST, an ``error`` frame on the socket), and turns a string
made only of invisible characters (zero-width spaces and joiners, BOMs, whitespace)
into ``""``, so that required text fields refuse it as blank like a string of spaces.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, MultiPartParser

MAX_DEPTH = 32
# JSON numbers must fit a PostgreSQL bigint; floats must be finite.
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)

# Bidi embedding/override/isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): the
# "Trojan Source" characters. Plain marks (LRM/RLM) stay allowed for right-to-left text.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
# A string of only these is blank.
_INVISIBLE_ONLY = re.compile(r"^[\s\u200b-\u200d\u2060\ufeff\u00ad\u180e]*$")


class HostileJSON(ParseError):
    """A body or frame that is JSON but not acceptable (400, code ``parse_error``)."""

    default_code = "parse_error"


def _refuse(message: str) -> HostileJSON:
    return HostileJSON(message, code="parse_error")


def _number_int(text: str) -> int:
    value = int(text)
    if not MIN_INT <= value <= MAX_INT:
        raise _refuse(_("A number in the request is out of range."))
    return value


def _number_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _refuse(_("A number in the request is out of range."))
    return value


def _constant(name: str) -> float:
    raise _refuse(_("NaN and Infinity are not valid JSON numbers."))


def _check_string(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise _refuse(_("Text must not contain NUL characters or unpaired surrogates."))
    if _BIDI_CONTROLS.search(value):
        raise _refuse(_("Text must not contain bidirectional override characters."))
    if value and _INVISIBLE_ONLY.match(value):
        return ""
    return value


def _clean(value: Any) -> Any:
    """Check depth and strings without recursion (the input may be adversarial)."""
    root: list[Any] = [value]
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _refuse(
                _("The JSON is nested too deeply (at most %(max)d levels).") % {"max": MAX_DEPTH}
            )
        if isinstance(container, list):
            items = enumerate(container)
            for index, item in items:
                if isinstance(item, str):
                    container[index] = _check_string(item)
                elif isinstance(item, list | dict):
                    stack.append((item, depth + 1))
        else:
            for key in list(container):
                _check_string(key)
                item = container[key]
                if isinstance(item, str):
                    container[key] = _check_string(item)
                elif isinstance(item, list | dict):
                    stack.append((item, depth + 1))
    return root[0]


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON or raise HostileJSON (a ParseError: 400 over REST)."""
    try:
        value = json.loads(
            text, parse_int=_number_int, parse_float=_number_float, parse_constant=_constant
        )
    except HostileJSON:
        raise
    except RecursionError:
        raise _refuse(
            _("The JSON is nested too deeply (at most %(max)d levels).") % {"max": MAX_DEPTH}
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(_("The request body is not valid JSON.")) from exc
    return _clean(value)


class StrictJSONParser(JSONParser):
    """DRF's JSON parser with ``loads_strict``'s rules."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise _refuse(_("The request body is not valid JSON.")) from exc
        return loads_strict(text)


class TolerantJSONParser(JSONParser):
    """DRF's JSON parser (NUL characters and the like reach the serializer, for a service
    that names the field they are in), with dorf's translated message for a body that is
    not JSON instead of DRF's "JSON parse error - " and Python's English reason."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise _refuse(_("The request body is not valid JSON.")) from None


class UploadParser(MultiPartParser):
    """``multipart/form-data`` for the views that take a file, with a translated message
    for a broken body instead of DRF's "Multipart form parse error - " and the reason."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(
                _("The request body is not valid multipart/form-data."), code="parse_error"
            ) from None
