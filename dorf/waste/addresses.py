"""Which tours serve an address: street names compared loosely, house numbers by their
number part. Pure functions, so the reminder batch can match thousands of households
against a village's few hundred tour streets in memory."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^\s*(\d+)")


def normalise_street(name: str) -> str:
    """ "Hauptstr.", "Hauptstrasse" and "hauptstraße " are one street."""
    value = _SPACES.sub(" ", name.strip().casefold())
    value = value.replace("strasse", "straße")
    if value.endswith("str."):
        value = value[:-4] + "straße"
    return value


def house_number_value(house_number: str) -> int | None:
    """The number part of a house number ("12a" -> 12), None when there is none."""
    match = _NUMBER.match(house_number)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class StreetPart:
    tour_id: int
    street: str  # normalised
    number_from: int | None
    number_to: int | None
    parity: str  # "all", "even", "odd"

    def covers(self, street: str, number: int | None) -> bool:
        if street != self.street:
            return False
        if self.number_from is None and self.number_to is None and self.parity == "all":
            return True
        if number is None:
            return False
        if self.number_from is not None and number < self.number_from:
            return False
        if self.number_to is not None and number > self.number_to:
            return False
        if self.parity == "even":
            return number % 2 == 0
        if self.parity == "odd":
            return number % 2 == 1
        return True


class TourIndex:
    """The tour streets of one village, looked up by street."""

    def __init__(self, parts: Iterable[StreetPart]) -> None:
        self._by_street: dict[str, list[StreetPart]] = {}
        for part in parts:
            self._by_street.setdefault(part.street, []).append(part)

    def tours_of(self, street: str, house_number: str) -> set[int]:
        name = normalise_street(street)
        number = house_number_value(house_number)
        return {part.tour_id for part in self._by_street.get(name, ()) if part.covers(name, number)}
