"""What residents are told about their appointments.

The notification is stored in the same transaction as the change it reports and
broadcast after commit (``notify_many``); each recipient reads it in their own language.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from dorf.appointments.models import Appointment
from dorf.notifications.models import Category
from dorf.notifications.services import notify_many

LINK_TYPE = "appointment"


def _tell(
    appointment: Appointment, title: StrOrPromise, body: StrOrPromise, **params: object
) -> None:
    service = appointment.service
    local = appointment.slot_start.astimezone(ZoneInfo(appointment.village.timezone))
    notify_many(
        recipients=[appointment.membership.user],
        category=Category.VILLAGE,
        title=title,
        body=body,
        params={
            "service": service.name,
            "when": local.strftime("%d.%m.%Y %H:%M"),
            "location": service.location or service.desk,
            **params,
        },
        village=appointment.village,
        link_type=LINK_TYPE,
        link_id=appointment.pk,
    )


def confirmed(appointment: Appointment) -> None:
    _tell(
        appointment,
        _("Appointment confirmed: %(service)s"),
        _("%(when)s, %(location)s. Please bring: %(documents)s"),
        documents=", ".join(appointment.service.documents) or "-",
    )


def cancelled(appointment: Appointment) -> None:
    _tell(appointment, _("Appointment cancelled: %(service)s"), _("%(when)s, %(location)s"))


def waitlist_offer(appointment: Appointment) -> None:
    _tell(
        appointment,
        _("A seat is free for you: %(service)s"),
        _("%(when)s. Confirm within 15 minutes, then the seat goes to others."),
    )


def reminder(appointment: Appointment, *, label: str) -> None:
    title = _("Tomorrow: %(service)s") if label == "24h" else _("In two hours: %(service)s")
    _tell(appointment, title, _("%(when)s, %(location)s"))
