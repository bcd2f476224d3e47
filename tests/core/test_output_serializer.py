"""dorf.core.serializers.OutputSerializer writes exactly DRF's JSON, faster."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone, translation
from rest_framework import serializers

from dorf.core.serializers import HourMinuteField, OutputSerializer


def _fields() -> dict[str, Any]:
    return {
        "id": serializers.IntegerField(),
        "title": serializers.CharField(),
        "slug": serializers.SlugField(source="village.slug"),
        "score": serializers.FloatField(allow_null=True),
        "price": serializers.DecimalField(max_digits=6, decimal_places=2),
        "ok": serializers.BooleanField(),
        "kind": serializers.ChoiceField(choices=[("a", "A"), ("b", "B")]),
        "at": serializers.DateTimeField(allow_null=True),
        "day": serializers.DateField(),
        "starts": HourMinuteField(),
        "key": serializers.UUIDField(),
        "missing": serializers.CharField(required=False),
        "defaulted": serializers.IntegerField(default=7),
        "computed": serializers.SerializerMethodField(),
        "shout": serializers.CharField(source="loud"),
        "get_computed": lambda self, obj: (
            f"{self.context.get('prefix', '')}{obj['id'] if isinstance(obj, dict) else obj.id}"
        ),
    }


DrfSerializer: Any = type("DrfSerializer", (serializers.Serializer,), _fields())
LeanSerializer: Any = type("LeanSerializer", (OutputSerializer,), _fields())


def _row(i: int) -> dict[str, Any]:
    return {
        "id": i,
        "title": f"Titel {i}",
        "village": {"slug": "musterdorf"},
        "score": None if i % 2 else i / 3,
        "price": Decimal("12.5"),
        "ok": i % 2 == 0,
        "kind": "a" if i % 2 else "b",
        "at": None if i == 3 else dt.datetime(2026, 11, 30, 22, i, tzinfo=dt.UTC),
        "day": dt.date(2026, 12, i + 1),
        "starts": dt.time(7, 30),
        "key": uuid.UUID(int=i),
        "loud": "HALLO",
    }


class _Thing(SimpleNamespace):
    def loud(self) -> str:  # a callable source: DRF calls it
        return "HALLO"


def _objects() -> list[Any]:
    things = []
    for i in range(5):
        row = _row(i)
        row["village"] = SimpleNamespace(slug="musterdorf")
        del row["loud"]
        things.append(_Thing(**row))
    return things


def test_pages_of_objects_and_of_dict_rows_match_drf_in_every_time_zone() -> None:
    for zone in ("Europe/Berlin", "UTC"):
        with timezone.override(zone), translation.override("de"):
            for page in (_objects(), [_row(i) for i in range(5)]):
                # given: the same page through both serializers, with a context
                context = {"prefix": "n"}
                # when
                lean = LeanSerializer(page, many=True, context=context).data
                drf = DrfSerializer(page, many=True, context=context).data
                # then: the same JSON, field by field and in the same order
                assert [list(item.items()) for item in lean] == [list(item.items()) for item in drf]
                assert lean[1]["computed"] == "n1"
                assert len(lean[0]) == 14
                assert "missing" not in lean[0]
                assert lean[0]["defaulted"] == 7


def test_a_subclass_has_its_own_plan() -> None:
    class Small(OutputSerializer):
        id = serializers.IntegerField()

    class Larger(Small):
        title = serializers.CharField()

    row = {"id": 1, "title": "x"}
    assert Small(row).data == {"id": 1}
    assert Larger(row).data == {"id": 1, "title": "x"}
    assert Small(row).data == {"id": 1}
