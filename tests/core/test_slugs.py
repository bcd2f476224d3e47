from __future__ import annotations

import pytest

from dorf.core.slugs import german_slug


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Straßen und Wege", "strassen-und-wege"),
        ("Öffentliche Bekanntmachungen", "oeffentliche-bekanntmachungen"),
        ("Grüne Tonne", "gruene-tonne"),
        ("Café Müller", "cafe-mueller"),
        ("", ""),
    ],
)
def test_umlauts_and_sharp_s_are_written_out(name: str, slug: str) -> None:
    assert german_slug(name) == slug
