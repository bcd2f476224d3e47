"""Admin: the town hall's configuration (services, opening rules, closures) is edited
here; appointments themselves are read-only (they change through the API's services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from dorf.appointments.models import Appointment, Closure, OpeningRule, Service, TownHall
from dorf.core.admin import ReadOnlyAdmin


class OpeningRuleInline(admin.TabularInline[Any, Any]):
    model = OpeningRule
    extra = 0


@admin.register(TownHall)
class TownHallAdmin(admin.ModelAdmin[TownHall]):
    list_display = ("name", "village", "bundesland")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ("name", "village", "duration_minutes", "bookable_days", "active")
    list_filter = ("village", "active")
    inlines = [OpeningRuleInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin[Closure]):
    list_display = ("reason", "village", "service", "first_day", "last_day")


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("service", "slot_start", "seat", "status", "membership")
    list_filter = ("status", "service")
    exclude = ("cancel_token_hash",)
