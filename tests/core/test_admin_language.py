"""The admin speaks German: every dorf model and every field it shows has an explicit,
translated verbose name, choice labels are translated, and the site header is branded."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from tests.factories import UserFactory

# Choices whose labels are proper names, the same in every language.
PROPER_NAME_CHOICES = {
    "appointments.TownHall.bundesland",
    "waste.WasteSettings.bundesland",
    "villages.Village.bundesland",
}


def _dorf_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("dorf.")]


def _untranslated(label: object) -> str | None:
    """Why ``label`` is not a translated string, or None when it is."""
    if not isinstance(label, Promise):
        return f"{label!r} is not marked for translation"
    msgid = str(label._args[0])  # type: ignore[attr-defined]
    if msgid not in trans_real.translation("de")._catalog:  # type: ignore[attr-defined]
        return f"{msgid!r} has no German translation"
    return None


def _fields(model: type[models.Model]) -> list[Any]:
    return [
        f for f in model._meta.get_fields() if not f.auto_created and (f.concrete or f.many_to_many)
    ]


def test_every_model_has_a_translated_verbose_name() -> None:
    problems = []
    for model in _dorf_models():
        meta = model._meta
        for attr in ("verbose_name", "verbose_name_plural"):
            if attr not in meta.original_attrs:
                problems.append(f"{meta.label}: no explicit {attr}")
            elif reason := _untranslated(getattr(meta, attr)):
                problems.append(f"{meta.label}.{attr}: {reason}")
    assert problems == []


def test_every_field_has_a_translated_verbose_name_and_choice_labels() -> None:
    problems = []
    for model in _dorf_models():
        for field in _fields(model):
            where = f"{model._meta.label}.{field.name}"
            if reason := _untranslated(field.verbose_name):
                problems.append(f"{where}: {reason}")
            if not field.choices or where in PROPER_NAME_CHOICES:
                continue
            for _value, label in field.flatchoices:
                if reason := _untranslated(label):
                    problems.append(f"{where} choice: {reason}")
    assert problems == []


def test_every_admin_column_that_is_not_a_field_has_a_translated_header() -> None:
    problems = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith("dorf."):
            continue  # third-party admins (auth, auditlog) bring their own catalogues
        field_names = {f.name for f in model._meta.get_fields()}
        for column in model_admin.list_display:
            if not isinstance(column, str) or column in field_names or column == "__str__":
                continue
            func = getattr(model_admin, column, None) or getattr(model, column, None)
            if reason := _untranslated(getattr(func, "short_description", None)):
                problems.append(f"{model._meta.label} column {column}: {reason}")
    assert problems == []


@pytest.mark.django_db
def test_the_admin_is_german_and_branded(client: Client) -> None:
    # given an operator
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)

    # when they open the user list and the address entries of the villages
    users_page = client.get("/admin/users/user/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    # then headers, filters and model names are German
    assert "dorf \N{EN DASH} Verwaltung" in index
    assert "Adresseinträge" in index
    assert "Address entrys" not in index
    assert "Nach Mitarbeiter-Status" in users_page
    assert "is staff" not in users_page
    with translation.override("en"):
        assert str(admin.site.site_header) == "dorf administration"
