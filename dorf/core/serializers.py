from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.regex_helper import _lazy_re_compile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings


class InternationalEmailValidator(EmailValidator):
    """Django's validator, with letters beyond ASCII in the local part (RFC 6531):
    ``sophie.schröder@musterdorf.example`` is a real address. (Quoted local parts stay
    refused.)"""

    user_regex = _lazy_re_compile(
        r"^[\w!#$%&'*+/=?^`{}|~-]+(\.[\w!#$%&'*+/=?^`{}|~-]+)*\Z", re.IGNORECASE
    )


class EmailAddressField(serializers.EmailField):
    """An e-mail address as people in a German village have them: umlauts allowed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.validators = [
            validator for validator in self.validators if type(validator) is not EmailValidator
        ]
        self.validators.append(InternationalEmailValidator(message=self.error_messages["invalid"]))


class InputSerializer(serializers.Serializer[Any]):
    """Base of every request-body serializer: unknown fields are an error, not ignored.

    Ignoring them silently hides typos and invites mass-assignment attempts
    ("role": "moderator"): the client is told which fields are not accepted.
    """

    default_error_messages = {"unknown_field": _("This field is not accepted here.")}

    @classmethod
    def parse(cls, data: Any, **kwargs: Any) -> dict[str, Any]:
        """Validate ``data`` (raising the 400 on failure) and return the validated fields."""
        serializer = cls(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                message = str(self.error_messages["unknown_field"])
                raise serializers.ValidationError(
                    {name: [message] for name in unknown}, code="unknown_field"
                )
        return super().to_internal_value(data)


# Fields with a child or nested fields: a shallow copy would share the child between
# requests (and threads), so a serializer with one of these copies its fields deeply.
_NESTING_FIELDS = (serializers.BaseSerializer, serializers.ListField, serializers.DictField)


class QuerySerializer(serializers.Serializer[Any]):
    """Base of the query-parameter serializers of hot reads (``?kind=&order=``).

    DRF deep-copies a serializer's declared fields for every instance, which re-runs
    each field's constructor: for a list's six filters a tenth of the request's CPU
    (docs/benchmarks.md, "REST reads"). A subclass of this one deep-copies them once per
    class and gives each instance shallow copies: binding sets the copy's own name and
    parent, and validation only reads the options, choices and validators the copies
    share. Serializers with nested or child fields copy deeply as before. Unknown
    parameters are ignored (the paginator's ``cursor`` and ``page_size`` share the query
    string).
    """

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        prototypes = type(self).__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = copy.deepcopy(self._declared_fields)
            if any(isinstance(field, _NESTING_FIELDS) for field in prototypes.values()):
                return prototypes
            type(self)._field_prototypes = prototypes  # type: ignore[attr-defined]
        return {name: copy.copy(field) for name, field in prototypes.items()}


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "22:00"}
)
class HourMinuteField(serializers.TimeField):
    """A time of day as "HH:MM", both ways (OpenAPI's ``format: time`` wants seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M"])
        super().__init__(**kwargs)


# Field types whose to_representation reads nothing but the value and the field's own
# options (no context, no parent): they may be called on the fields bound once per class.
_CONTEXT_FREE_FIELDS = (
    serializers.IntegerField,
    serializers.CharField,
    serializers.FloatField,
    serializers.BooleanField,
    serializers.DateTimeField,
    serializers.DateField,
    serializers.TimeField,
    serializers.ChoiceField,
    serializers.DecimalField,
    serializers.UUIDField,
)
# ... and of those, the ones whose to_representation is a builtin.
_BUILTIN_CONVERSIONS: dict[Any, Callable[[Any], Any]] = {
    serializers.IntegerField.to_representation: int,
    serializers.CharField.to_representation: str,
    serializers.FloatField.to_representation: float,
}


def _is_plain_iso_datetime(field: Any) -> bool:
    """A DateTimeField written in ISO 8601 in the current time zone (DRF's default)."""
    return (
        type(field).to_representation is serializers.DateTimeField.to_representation
        and type(field).enforce_timezone is serializers.DateTimeField.enforce_timezone
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
        and bool(settings.USE_TZ)
    )


def _iso_datetime(fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """DRF's DateTimeField.to_representation for an aware datetime, without its
    per-call lookups: the current time zone, ISO 8601, "Z" for UTC."""

    def convert(value: Any) -> Any:
        if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
            try:
                text = value.astimezone(timezone.get_current_timezone()).isoformat()
            except OverflowError:
                return fallback(value)
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return fallback(value)

    return convert


# One field of a plan: its name, its source's attribute path, and the conversion of a
# non-null value (None: DRF's own code for this field).
_Step = tuple[str, tuple[str, ...], Callable[[Any], Any] | None]


class OutputSerializer(serializers.Serializer[Any]):
    """Base of output serializers on hot read paths: DRF's JSON, less CPU per object.

    DRF's ``Serializer.to_representation`` walks every field for every object through
    ``get_attribute`` (with its error handling) and the field's ``to_representation``;
    on a page of 25 objects with 8 fields that was a sixth of a request's CPU
    (docs/benchmarks.md, "REST reads"). A subclass of this one writes the same JSON from
    a plan made once per class: for a plain field (integer, string, float, date, time,
    boolean, choice, decimal, UUID) with an attribute path as source, the value is read with
    ``getattr`` (or a key lookup on a dict row, as from ``values()``) and converted by the
    field's own ``to_representation`` (``int``/``str``/``float`` and ISO datetimes inline).
    Every other field
    (nested serializers, method fields, related fields, ``source="*"``), and a plain field
    whose value is missing or callable, goes through DRF's code for that field as before.

    The declared fields stay what the schema documents; only the output is faster. A
    custom field type is not in the fast set unless its ``to_representation`` is DRF's.
    Rows from ``QuerySet.values()`` (no model instances built) work with it and with
    ``dorf.core.pagination.paginate``, whose cursors read the ordering key from a dict.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan: list[_Step] | None = type(self).__dict__.get("_output_plan")
        if plan is None:
            plan = self._make_output_plan()
        ret: dict[str, Any] = {}
        for name, attrs, convert in plan:
            if convert is not None:
                value = instance
                try:
                    for attr in attrs:
                        value = (
                            value[attr]
                            if type(value) is dict or isinstance(value, Mapping)
                            else getattr(value, attr)
                        )
                except (KeyError, AttributeError, ObjectDoesNotExist):
                    pass  # DRF decides (a default, None, skip or an error)
                else:
                    if not callable(value):
                        ret[name] = None if value is None else convert(value)
                        continue
            self._represent_field(ret, self.fields[name], instance)
        return ret

    @staticmethod
    def _represent_field(ret: dict[str, Any], field: Any, instance: Any) -> None:
        # Serializer.to_representation's body for one field.
        try:
            attribute = field.get_attribute(instance)
        except serializers.SkipField:
            return
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        ret[field.field_name] = (
            None if check_for_none is None else field.to_representation(attribute)
        )

    def _make_output_plan(self) -> list[_Step]:
        plan: list[_Step] = []
        for field in self._readable_fields:
            convert: Callable[[Any], Any] | None = None
            method = type(field).to_representation
            if (
                isinstance(field, _CONTEXT_FREE_FIELDS)
                and method.__module__ == "rest_framework.fields"
                and field.source != "*"
            ):
                convert = _BUILTIN_CONVERSIONS.get(method, field.to_representation)
                if _is_plain_iso_datetime(field):
                    convert = _iso_datetime(field.to_representation)
            plan.append((str(field.field_name), tuple(field.source_attrs), convert))
        # Made from this instance's bound fields; the conversions keep them (they read no
        # context). Written once per class: a race builds the same plan twice, harmlessly.
        type(self)._output_plan = plan  # type: ignore[attr-defined]
        return plan
