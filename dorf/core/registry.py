"""The app registry: what each dorf app declares about itself, in one typed place.

Cross-cutting machinery (GDPR export and erasure, ``seed_demo``, the Celery beat schedule)
must reach every app, including apps on higher floors than itself. Instead of importing
them, it reads this registry: every app's ``AppConfig`` subclasses ``DorfAppConfig`` and
states its personal-data module, its demo seeder (with its order) and its periodic tasks.
Declaring "none" is explicit (``None`` / ``()``); an app that forgets a declaration fails
at start-up, so a new app cannot be left out of an erasure by accident.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any, ClassVar

from celery.schedules import crontab
from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured

Schedule = crontab | timedelta | float

_DECLARATIONS = ("personal_data", "demo_seeder", "demo_order", "periodic_tasks")


@dataclass(frozen=True)
class PeriodicTask:
    """One entry of the beat schedule: ``task`` is the Celery task's registered name."""

    name: str
    task: str
    schedule: Schedule
    kwargs: tuple[tuple[str, Any], ...] = ()

    def beat_entry(self) -> dict[str, Any]:
        return {"task": self.task, "schedule": self.schedule, "kwargs": dict(self.kwargs)}


class DorfAppConfig(AppConfig):
    """Base of every dorf app's configuration.

    - ``personal_data``: dotted path of a module with ``export_personal_data(user) -> dict``
      and ``erase_personal_data(user) -> None``, or ``None`` when the app stores none;
    - ``demo_seeder``: dotted path of ``seed(ctx)`` for ``manage.py seed_demo`` or ``None``;
      ``demo_order``: seeders run in ascending order, each may rely on the ones before;
    - ``periodic_tasks``: the app's entries of the beat schedule;
    - ``media_access``: dotted path of ``can_view_media(*, user, name) -> bool`` deciding
      who may fetch an uploaded file stored under ``<app label>/`` (``dorf.core.media``);
      optional, ``None`` (the default) for an app that stores no uploads: its files are
      then served to nobody;
    - signals are connected in ``ready()`` by importing the app's ``receivers`` module.
    """

    personal_data: ClassVar[str | None]
    demo_seeder: ClassVar[str | None]
    demo_order: ClassVar[int]
    periodic_tasks: ClassVar[tuple[PeriodicTask, ...]]
    media_access: ClassVar[str | None] = None

    # Django picks the AppConfig of an apps.py by itself only when the module holds exactly
    # one candidate; this imported base must not count as one, its subclasses must.
    default = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True
        missing = [name for name in _DECLARATIONS if not hasattr(cls, name)]
        if missing:
            raise ImproperlyConfigured(
                f"{cls.__module__}.{cls.__name__} must declare {', '.join(missing)} "
                "(None or () when the app has none)."
            )


def dorf_apps() -> list[DorfAppConfig]:
    """Every installed dorf app, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("dorf."):
            continue
        if not isinstance(config, DorfAppConfig):
            raise ImproperlyConfigured(f"{config.name}: its AppConfig must be a DorfAppConfig.")
        found.append(config)
    return found


def personal_data_modules() -> Iterator[tuple[str, ModuleType]]:
    """Each app's personal-data module; the users app comes last, because erasing the
    account itself must not happen before the other apps have found the user's data."""
    configs = sorted(dorf_apps(), key=lambda c: c.label == "users")
    for config in configs:
        if config.personal_data is not None:
            yield config.label, importlib.import_module(config.personal_data)


def demo_seeders() -> list[tuple[str, Callable[[Any], None]]]:
    """The demo seeders in their declared order."""
    configs = sorted(
        (c for c in dorf_apps() if c.demo_seeder is not None), key=lambda c: c.demo_order
    )
    return [(config.label, _import_callable(config.demo_seeder or "")) for config in configs]


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The Celery beat schedule of every app (names must be unique)."""
    schedule: dict[str, dict[str, Any]] = {}
    for config in dorf_apps():
        for entry in config.periodic_tasks:
            if entry.name in schedule:
                raise ImproperlyConfigured(f"Periodic task {entry.name!r} is declared twice.")
            schedule[entry.name] = entry.beat_entry()
    return schedule


def media_access_check(app_label: str) -> Callable[..., bool] | None:
    """The ``can_view_media`` of the app whose uploads live under ``app_label/``, if any."""
    for config in dorf_apps():
        if config.label == app_label and config.media_access is not None:
            module_name, _, attribute = config.media_access.rpartition(".")
            check: Callable[..., bool] = getattr(importlib.import_module(module_name), attribute)
            return check
    return None


def _import_callable(dotted: str) -> Callable[[Any], None]:
    module_name, _, attribute = dotted.rpartition(".")
    function: Callable[[Any], None] = getattr(importlib.import_module(module_name), attribute)
    return function
