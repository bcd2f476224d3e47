"""The personal calendar-feed token: fetch or rotate."""

from __future__ import annotations

from django.db import transaction

from dorf.clubs.models import (
    CalendarToken,
)
from dorf.users.models import User


def calendar_token_get(*, user: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_rotate(*, user: User) -> CalendarToken:
    """A new secret URL; the old one answers 404 from now on."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)
