"""Admin: resources with their availability rules and blackouts are edited here;
bookings are read-only (they change through the API's services and the ledger)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from dorf.bookings.models import AvailabilityRule, Blackout, Booking, Resource
from dorf.core.admin import ReadOnlyAdmin


class AvailabilityRuleInline(admin.TabularInline[Any, Any]):
    model = AvailabilityRule
    extra = 0


class BlackoutInline(admin.TabularInline[Any, Any]):
    model = Blackout
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin[Resource]):
    list_display = ("name", "kind", "village", "owner_kind", "approval_required", "active")
    list_filter = ("kind", "village", "active")
    filter_horizontal = ("managers",)
    raw_id_fields = ("owner_account",)
    inlines = [AvailabilityRuleInline, BlackoutInline]


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ("resource", "starts_at", "ends_at", "status", "membership")
    list_filter = ("status", "resource")
