"""The app registry: every dorf app declares its personal data, demo seeder and periodic
tasks in one typed place, and the machinery that needs them reads it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.celery import app as celery_app
from dorf.core.registry import (
    DorfAppConfig,
    beat_schedule,
    demo_seeders,
    dorf_apps,
    personal_data_modules,
)


def test_every_dorf_app_is_in_the_registry() -> None:
    # given the installed apps / when the registry lists them / then none is missing
    labels = {config.label for config in dorf_apps()}
    assert {"core", "users", "villages", "ledger", "chat", "marketplace"} <= labels
    assert all(isinstance(config, DorfAppConfig) for config in dorf_apps())


def test_an_app_that_declares_nothing_fails_at_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="personal_data"):

        class Forgetful(DorfAppConfig):  # pragma: no cover - the class statement fails
            name = "dorf.forgetful"
            demo_seeder = None
            demo_order = 0
            periodic_tasks = ()


def test_personal_data_modules_export_and_erase_with_the_users_app_last() -> None:
    modules = list(personal_data_modules())
    assert modules[-1][0] == "users"
    for label, module in modules:
        assert callable(module.export_personal_data), label
        assert callable(module.erase_personal_data), label


def test_demo_seeders_run_in_their_declared_order() -> None:
    labels = [label for label, _seed in demo_seeders()]
    assert labels.index("ledger") < labels.index("chat") < labels.index("marketplace")
    assert labels.index("clubs") < labels.index("deliveries")


def test_the_beat_schedule_is_collected_from_the_apps_and_names_registered_tasks() -> None:
    schedule = beat_schedule()
    assert {"ledger-audit-nightly", "marketplace-expire", "marketplace-reminders"} <= set(schedule)
    celery_app.loader.import_default_modules()  # what a worker does at start
    celery_app.finalize()
    for name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, name
    assert set(schedule) <= set(celery_app.conf.beat_schedule)
