"""GDPR export and erasure across apps.

Each app that stores personal data has a ``privacy`` module with two functions:
``export_personal_data(user) -> dict`` and ``erase_personal_data(user) -> None``.
The users app calls every one of them, so a new app cannot be forgotten by a central list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from django.apps import apps

from dorf.core.imports import optional_module
from dorf.users.models import User

Exporter = Callable[[User], dict[str, Any]]
Eraser = Callable[[User], None]


def privacy_modules() -> Iterator[tuple[str, ModuleType]]:
    """Each app's privacy module; the users app comes last because erasing the account
    itself must not happen before the other apps have found the user's data."""
    configs = [c for c in apps.get_app_configs() if c.name.startswith("dorf.")]
    configs.sort(key=lambda c: c.label == "users")
    for config in configs:
        module = optional_module(f"{config.name}.privacy")
        if module is not None:
            yield config.label, module
