"""Slugs from German names: umlauts and ß written out as a German reader would (ä → ae,
ß → ss) instead of dropped, as Django's ``slugify`` does ("Straßen" → "straen")."""

from __future__ import annotations

from django.utils.text import slugify

_GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)


def german_slug(value: str) -> str:
    """``slugify`` after writing out umlauts and ß; other accents are dropped by it."""
    return slugify(value.translate(_GERMAN))
