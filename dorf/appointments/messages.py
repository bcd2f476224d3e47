"""What residents are told about their appointments, in their own language, after commit."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from dorf.appointments.models import Appointment
from dorf.notifications.models import Category
from dorf.notifications.services import notify

LINK_TYPE = "appointment"


def _when(appointment: Appointment) -> str:
    local = appointment.slot_start.astimezone(ZoneInfo(appointment.village.timezone))
    return local.strftime("%d.%m.%Y %H:%M")


def _send(appointment: Appointment, build: Callable[[Appointment], tuple[str, str]]) -> None:
    user = appointment.membership.user

    def send() -> None:
        with translation.override(getattr(user, "language", None) or "de"):
            title, body = build(appointment)
        notify(
            user=user,
            category=Category.VILLAGE,
            title=title,
            body=body,
            village=appointment.village,
            link_type=LINK_TYPE,
            link_id=appointment.pk,
        )

    transaction.on_commit(send)


def confirmed_on_commit(appointment: Appointment) -> None:
    def build(a: Appointment) -> tuple[str, str]:
        title = _("Appointment confirmed: %(service)s") % {"service": a.service.name}
        body = _("%(when)s, %(location)s. Please bring: %(documents)s") % {
            "when": _when(a),
            "location": a.service.location or a.service.desk,
            "documents": ", ".join(a.service.documents) or "-",
        }
        return title, body

    _send(appointment, build)


def cancelled_on_commit(appointment: Appointment) -> None:
    def build(a: Appointment) -> tuple[str, str]:
        title = _("Appointment cancelled: %(service)s") % {"service": a.service.name}
        return title, _when(a)

    _send(appointment, build)


def waitlist_offer_on_commit(appointment: Appointment) -> None:
    def build(a: Appointment) -> tuple[str, str]:
        title = _("A seat is free for you: %(service)s") % {"service": a.service.name}
        body = _("%(when)s. Confirm within 15 minutes, then the seat goes to others.") % {
            "when": _when(a)
        }
        return title, body

    _send(appointment, build)


def reminder_on_commit(appointment: Appointment, *, label: str) -> None:
    def build(a: Appointment) -> tuple[str, str]:
        if label == "24h":
            title = _("Tomorrow: %(service)s") % {"service": a.service.name}
        else:
            title = _("In two hours: %(service)s") % {"service": a.service.name}
        body = _("%(when)s, %(location)s") % {
            "when": _when(a),
            "location": a.service.location or a.service.desk,
        }
        return title, body

    _send(appointment, build)
