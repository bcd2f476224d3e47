"""Read-only delivery admin: operators look into a day; changes go through the API.

Parcels, shifts, routes and plans move through state machines with events, PINs and
payments in ``services``; editing a row here would skip all of that. The handover
PIN's salt is never shown.
"""

from __future__ import annotations

from django.contrib import admin

from dorf.core.admin import ReadOnlyAdmin, ReadOnlyInline
from dorf.deliveries.models import (
    DeliveryShift,
    Parcel,
    ParcelEvent,
    PickupPoint,
    PlanningJob,
    Route,
    Stop,
)


class ParcelEventInline(ReadOnlyInline):
    model = ParcelEvent
    fields = ("at", "from_status", "to_status", "actor", "note")
    readonly_fields = fields


class StopInline(ReadOnlyInline):
    model = Stop
    fields = ("sequence", "kind", "parcel", "arrival_at", "service_start_at", "load_units")
    readonly_fields = fields


class RouteInline(ReadOnlyInline):
    model = Route
    fields = ("shift", "status", "start_at", "end_at", "travel_s", "distance_m")
    readonly_fields = fields
    show_change_link = True


@admin.register(PickupPoint)
class PickupPointAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "name", "kind", "opens_at", "closes_at", "is_active")
    list_filter = ("kind", "is_active", "village")
    list_select_related = ("village",)
    search_fields = ("name", "address")


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "delivery_date", "pickup_point", "household", "status")
    list_filter = ("status", "village", "delivery_date")
    list_select_related = ("village", "pickup_point", "household")
    search_fields = ("note",)
    exclude = ("pin_salt",)
    inlines = [ParcelEventInline]


@admin.register(DeliveryShift)
class ShiftAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "date", "volunteer", "vehicle", "starts_at", "status")
    list_filter = ("status", "vehicle", "village", "date")
    list_select_related = ("village", "volunteer")


@admin.register(PlanningJob)
class PlanningJobAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "date", "status", "trigger", "solve_ms", "finished_at")
    list_filter = ("status", "trigger", "village", "date")
    list_select_related = ("village",)
    inlines = [RouteInline]


@admin.register(Route)
class RouteAdmin(ReadOnlyAdmin):
    list_display = ("id", "village", "date", "shift", "status", "travel_s", "paid_minutes")
    list_filter = ("status", "village", "date")
    list_select_related = ("village", "shift")
    inlines = [StopInline]
