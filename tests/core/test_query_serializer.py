"""dorf.core.serializers.QuerySerializer: fields built once per class, each instance
validating with its own bound copies, with DRF's answers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from dorf.core.serializers import QuerySerializer


class Filters(QuerySerializer):
    kind = serializers.ChoiceField(choices=["offer", "request"], required=False)
    radius = serializers.IntegerField(min_value=100, max_value=5000, required=False)
    order = serializers.ChoiceField(choices=["newest", "nearest"], default="newest")


class PlainFilters(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["offer", "request"], required=False)
    radius = serializers.IntegerField(min_value=100, max_value=5000, required=False)
    order = serializers.ChoiceField(choices=["newest", "nearest"], default="newest")


class Nested(QuerySerializer):
    ids = serializers.ListField(child=serializers.IntegerField())


def _answer(cls: type[serializers.Serializer[Any]], data: dict[str, str]) -> Any:
    serializer = cls(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    return serializer.errors


def test_it_answers_as_drf_does() -> None:
    for data in (
        {},
        {"kind": "offer", "radius": "200", "order": "nearest", "cursor": "x"},
        {"kind": "gift"},
        {"radius": "50"},
        {"radius": "zwei"},
        {"order": ""},
    ):
        assert _answer(Filters, data) == _answer(PlainFilters, data), data


def test_each_instance_binds_its_own_copies_of_fields_built_once() -> None:
    first, second = Filters(data={"kind": "offer"}), Filters(data={"kind": "request"})
    assert first.is_valid()
    assert second.is_valid()
    assert first.fields["kind"] is not second.fields["kind"]
    assert first.fields["kind"].parent is first
    assert second.fields["kind"].parent is second
    assert first.validated_data["kind"] == "offer"
    # the class's prototypes stay unbound
    prototype = Filters.__dict__["_field_prototypes"]["kind"]
    assert prototype.parent is None


def test_a_serializer_with_a_child_field_copies_deeply() -> None:
    one, two = Nested(data={"ids": ["1"]}), Nested(data={"ids": ["2", "3"]})
    assert one.is_valid()
    assert two.is_valid()
    assert one.fields["ids"].child is not two.fields["ids"].child  # type: ignore[attr-defined]
    assert "_field_prototypes" not in Nested.__dict__
