from __future__ import annotations

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin
from dorf.warnings.models import OfficialWarning, WarningArea, WarningMessage


@admin.register(WarningArea)
class WarningAreaAdmin(ReadOnlyAdmin):
    list_display = ("village", "ars", "last_polled_at", "last_error")


@admin.register(OfficialWarning)
class OfficialWarningAdmin(ReadOnlyAdmin):
    list_display = ("headline", "severity", "source", "sent", "ended_at", "cancelled")
    list_filter = ("severity", "source", "cancelled")


@admin.register(WarningMessage)
class WarningMessageAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "msg_type", "severity", "source", "sent")
    list_filter = ("msg_type", "source")
