"""The warnings' section of the printed digest: warnings active during the week."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils.translation import gettext as _

from dorf.core.digest import DigestItem, DigestSection, register_section
from dorf.warnings.models import OfficialWarning, Severity


def warnings_section(village_id: int, start: datetime, end: datetime, tz: str) -> DigestSection:
    zone = ZoneInfo(tz)
    warnings = (
        OfficialWarning.objects.filter(villages__village_id=village_id, sent__lt=end)
        .filter(Q(ended_at=None) | Q(ended_at__gt=start))
        .filter(Q(expires=None) | Q(expires__gt=start))
        .order_by("-sent")[:6]
    )
    items = []
    for warning in warnings:
        until = (
            _("until %(when)s")
            % {"when": warning.expires.astimezone(zone).strftime("%d.%m. %H:%M")}
            if warning.expires
            else ""
        )
        state = _("lifted") if warning.cancelled else until
        items.append(
            DigestItem(
                title=warning.headline,
                text=warning.instruction or warning.description,
                when=state,
                emphasis=warning.severity in (Severity.EXTREME, Severity.SEVERE),
            )
        )
    return DigestSection(title=_("Official warnings"), items=items)


register_section("warnings", warnings_section, order=10)
