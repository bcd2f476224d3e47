from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.validators import EmailValidator
from django.utils.regex_helper import _lazy_re_compile
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


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


@extend_schema_field(
    {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "22:00"}
)
class HourMinuteField(serializers.TimeField):
    """A time of day as "HH:MM", both ways (OpenAPI's ``format: time`` wants seconds)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M"])
        super().__init__(**kwargs)
