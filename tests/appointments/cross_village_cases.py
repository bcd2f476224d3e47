from __future__ import annotations

from typing import Any

from dorf.villages.models import Village
from tests.appointments.factories import appointment_in
from tests.cross_village import Case, exempt, register


def _slug(village: Village) -> dict[str, Any]:
    return {"slug": village.slug}


def _appointment(village: Village) -> dict[str, Any]:
    return {"slug": village.slug, "appointment_id": appointment_in(village).pk}


def _waitlist_entry(village: Village) -> dict[str, Any]:
    from dorf.appointments.models import WaitlistEntry
    from tests.appointments.factories import service_in
    from tests.factories import MembershipFactory

    entry = WaitlistEntry.objects.create(
        service=service_in(village), membership=MembershipFactory(village=village)
    )
    return {"slug": village.slug, "entry_id": entry.pk}


register(Case("appointments:service-list", _slug))
register(Case("appointments:availability", _slug))
register(Case("appointments:hold", _slug, methods=("post",), body={"service": 1}))
register(Case("appointments:mine", _slug))
register(Case("appointments:waitlist", _slug, methods=("get", "post"), body={"service": 1}))
register(Case("appointments:waitlist-entry", _waitlist_entry, methods=("delete",)))
register(Case("appointments:day-list", _slug))
register(Case("appointments:confirm", _appointment, methods=("post",)))
register(Case("appointments:cancel", _appointment, methods=("post",)))
register(Case("appointments:outcome", _appointment, methods=("post",), body={"outcome": "done"}))
register(Case("appointments:invitation", _appointment))
exempt(
    "appointments:cancel-by-token",
    "the token alone authorises; an unknown token is 404 (tests/appointments/test_api.py)",
)
