from __future__ import annotations

import importlib
from types import ModuleType


def optional_module(dotted: str) -> ModuleType | None:
    """Import ``dotted`` if it exists; an import error inside it is still raised."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name != dotted:
            raise
        return None
