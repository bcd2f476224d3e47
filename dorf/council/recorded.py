"""A recorded OParl 1.1 council system (Musterdorf's), shipped as JSON files in
``demo_data/``: the demo imports it without a network, and the tests serve the same files
from a local HTTP server (with their own base URL)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

RECORDED_BASE = "https://ris.musterdorf.example/oparl/v1"
DATA = Path(__file__).parent / "demo_data"

# path (and query) below the base -> file
ROUTES = {
    "/system": "system.json",
    "/bodies": "bodies.json",
    "/body/1/organizations": "organizations.json",
    "/body/1/organizations?page=2": "organizations-2.json",
    "/body/1/meetings": "meetings.json",
    "/body/1/papers": "papers.json",
}


def recorded_document(route: str, *, base: str = RECORDED_BASE) -> bytes:
    """The file for ``route``, with its URLs rewritten to ``base``."""
    text = (DATA / ROUTES[route]).read_text(encoding="utf-8")
    return text.replace(RECORDED_BASE, base).encode()


def recorded_fetcher(url: str) -> bytes:
    """A fetcher for the demo: the recorded files, whatever ``modified_since`` asks."""
    parts = urlsplit(url)
    base_path = urlsplit(RECORDED_BASE).path
    route = parts.path.removeprefix(base_path)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("modified_since"))
    return recorded_document(f"{route}?{query}" if query else route)
